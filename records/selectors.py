"""Reads of the retention rules: when a closed account's records may go.

A closed account (closed by the patient, or retired by staff) keeps its clinical records
for `RECORD_RETENTION_YEARS` after the last contact: the last visit that was not
cancelled, or the last version of a record written, whichever is later (the closing
itself when there was neither). The purge is due from the start of that day, in the
clinic's calendar, so many years on (29 February counts on to 1 March).
"""

import datetime

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from appointments.models import Appointment
from patients.models import Patient
from records.models import MedicalRecordVersion


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one: the day after 28 February
        return datetime.date(day.year + years, 3, 1)


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return datetime.date(day.year - years, 2, 28)


def with_last_contact(patients):
    """`patients` annotated with `last_contact`: what their retention period runs from."""
    last_visit = (
        Appointment.objects.filter(patient=OuterRef("pk"))
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("-start")
        .values("start")[:1]
    )
    last_version = (
        MedicalRecordVersion.objects.filter(record__patient=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    visit, version = Subquery(last_visit), Subquery(last_version)
    return patients.annotate(
        last_visit=visit,
        # Greatest is NULL on SQLite when either side is: each side falls back on the other.
        last_contact=Coalesce(
            Greatest(Coalesce(visit, version), Coalesce(version, visit)), F("closed_at")
        ),
    )


def closed_accounts():
    """Accounts closed and not yet purged, with `last_contact`, the longest-closed first."""
    closed = Patient.objects.filter(
        closed_at__isnull=False, purged_at__isnull=True, user__is_active=False
    )
    return with_last_contact(closed.select_related("user")).order_by("last_contact", "pk")


def kept_until(last_contact):
    """The day a closed account's records become due for purge (clinic calendar)."""
    return add_years(timezone.localdate(last_contact), settings.RECORD_RETENTION_YEARS)


def due_for_purge(now=None):
    """Closed accounts whose retention period is over: last contact before the boundary."""
    today = timezone.localdate(now or timezone.now())
    last_day = _years_before(today, settings.RECORD_RETENTION_YEARS)
    boundary = datetime.datetime.combine(
        last_day + datetime.timedelta(days=1),
        datetime.time(),
        tzinfo=timezone.get_current_timezone(),
    )
    return closed_accounts().filter(last_contact__lt=boundary)
