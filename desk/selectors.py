"""The front desk's reads: today's board across every doctor, and finding a patient.

Each is one query however busy the day is; reports are desk/reports.py.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from appointments.selectors import visible_patients
from healthcare.core.errors import NotVisible

Status = Appointment.Status
SEARCH_LIMIT = 50


class Stage:
    """Where a visit of the day stands, as the desk sees it.

    The appointment's status says booked / checked in / fulfilled / no-show; a checked-in
    patient whose visit time has come is taken to be with the doctor.
    """

    DUE = "due"
    ARRIVED = "arrived"
    WITH_DOCTOR = "with_doctor"
    DONE = "done"
    NOSHOW = "noshow"

    LABELS = {
        DUE: _("Due"),
        ARRIVED: _("Arrived"),
        WITH_DOCTOR: _("With the doctor"),
        DONE: _("Done"),
        NOSHOW: _("No-show"),
    }
    ORDER = [DUE, ARRIVED, WITH_DOCTOR, DONE, NOSHOW]


def stage_of(appointment, now):
    if appointment.status == Status.BOOKED:
        return Stage.DUE
    if appointment.status == Status.CHECKED_IN:
        return Stage.WITH_DOCTOR if appointment.start <= now else Stage.ARRIVED
    if appointment.status == Status.FULFILLED:
        return Stage.DONE
    return Stage.NOSHOW


@dataclass
class BoardRow:
    appointment: Appointment
    stage: str
    can_check_in: bool
    can_mark_noshow: bool

    @property
    def stage_label(self):
        return Stage.LABELS[self.stage]


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def board(day, *, now=None, doctor=None, site=None):
    """The day's visits across every doctor (or one) at every site (or one), in time
    order, not cancelled, each with its stage and the one-click actions the desk may take
    now."""
    now = now or timezone.now()
    start, end = _day_bounds(day)
    appointments = (
        Appointment.objects.active()
        .filter(start__gte=start, start__lt=end)
        .select_related("patient__user", "doctor__user", "doctor__specialty", "site")
        .order_by("start", "doctor__user__last_name", "pk")
    )
    if doctor is not None:
        appointments = appointments.filter(doctor=doctor)
    if site is not None:
        appointments = appointments.filter(site=site)
    rows = []
    for appointment in appointments:
        status = appointment.status
        rows.append(
            BoardRow(
                appointment=appointment,
                stage=stage_of(appointment, now),
                can_check_in=status == Status.BOOKED and timezone.localdate(now) == day,
                can_mark_noshow=status in (Status.BOOKED, Status.CHECKED_IN)
                and appointment.start <= now,
            )
        )
    return rows


def stage_counts(rows):
    counts = dict.fromkeys(Stage.ORDER, 0)
    for row in rows:
        counts[row.stage] += 1
    return [(stage, Stage.LABELS[stage], counts[stage]) for stage in Stage.ORDER]


def find_patients(user, query, now=None):
    """Patients `user` may see matching the desk's one search box, with their next visit."""
    now = now or timezone.now()
    upcoming = Appointment.objects.filter(patient=OuterRef("pk")).upcoming(now)
    return (
        visible_patients(user)
        .desk_search(query)
        .select_related("user")
        .annotate(has_upcoming=Exists(upcoming))
        .order_by("user__last_name", "user__first_name", "pk")[:SEARCH_LIMIT]
    )


def desk_patient(user, pk):
    """One patient for the desk, if `user` may see them (else NotVisible, a 404)."""
    patient = visible_patients(user).select_related("user").filter(pk=pk).first()
    if patient is None:
        raise NotVisible()
    return patient


def patient_visits(patient, now=None):
    """A patient's visits for the desk: those to come, then the recent past (no reasons)."""
    now = now or timezone.now()
    visits = Appointment.objects.filter(patient=patient).select_related(
        "doctor__user", "doctor__specialty"
    )
    upcoming = list(visits.upcoming(now))
    past = list(visits.past(now)[:10])
    return upcoming, past
