"""Writes to doctors' profiles and calendars that carry a rule."""

import itertools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from doctors.models import Doctor, TimeOff, WorkingHours
from healthcare.core.errors import DomainError, NotVisible


@transaction.atomic
def create_doctor(
    *,
    email,
    password,
    first_name,
    last_name,
    specialty,
    license_number,
    phone="",
    years_of_experience=0,
    bio="",
    slot_minutes=30,
    accepting_new_patients=True,
) -> Doctor:
    """Create a doctor's login and profile together (clinic staff only do this)."""
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.DOCTOR,
    )
    return Doctor.objects.create(
        user=user,
        specialty=specialty,
        license_number=license_number.strip(),
        years_of_experience=years_of_experience,
        bio=bio,
        slot_minutes=slot_minutes,
        accepting_new_patients=accepting_new_patients,
    )


def validate_working_hours(intervals):
    """Check a doctor's weekly intervals: each ends after it starts, none overlap.

    `intervals` are (weekday, start_time, end_time) triples. Raises a ValidationError
    naming the first clash, so forms and formsets can show it.
    """
    by_day = {}
    for weekday, start, end in intervals:
        if end <= start:
            raise ValidationError(_("Working hours must end after they start."))
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, day_intervals in by_day.items():
        day_intervals.sort()
        for (_s1, end1), (start2, _e2) in itertools.pairwise(day_intervals):
            if start2 < end1:
                raise ValidationError(
                    _("Working hours on %(day)s overlap.")
                    % {"day": WorkingHours.Weekday(weekday).label}
                )


@transaction.atomic
def set_working_hours(*, doctor, intervals):
    """Replace a doctor's weekly hours with `intervals` ((weekday, start, end) triples).

    Validated as a whole first (end after start, no overlaps on a day); booked
    appointments are kept even if they now fall outside the hours.
    """
    intervals = list(intervals)
    validate_working_hours(intervals)
    doctor.working_hours.all().delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(doctor=doctor, weekday=day, start_time=start, end_time=end)
        for day, start, end in intervals
    )
    return list(doctor.working_hours.all())


def appointments_during(doctor, start, end):
    """The doctor's open appointments that a time off from `start` to `end` would hit."""
    from appointments.models import Appointment

    return list(
        Appointment.objects.filter(
            doctor=doctor,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN],
        )
        .overlapping(start, end)
        .select_related("patient__user")
        .order_by("start")
    )


class TimeOffConflict(DomainError):
    """The time off overlaps booked appointments and was not confirmed."""

    code = "time_off_conflict"

    def __init__(self, appointments, message=None, *, can_confirm=True):
        self.appointments = appointments
        # False when confirming would not help (the appointments cannot be cancelled).
        self.can_confirm = can_confirm
        super().__init__(
            message
            or ngettext(
                "%(count)d booked appointment falls in this time off.",
                "%(count)d booked appointments fall in this time off.",
                len(appointments),
            )
            % {"count": len(appointments)}
        )


def add_time_off(
    *, doctor, start, end, reason="", actor, cancel_appointments=False, confirmed_ids=None
):
    """Add time off for a doctor (the doctor themself or staff).

    If booked appointments fall inside it, nothing is saved and TimeOffConflict lists
    them, unless `cancel_appointments` is set: then they are cancelled, with the time
    off's reason shown to the patients, in the same transaction. `confirmed_ids` are the
    appointments the person confirmed; if others were booked meanwhile, it is a conflict
    again rather than a cancellation nobody saw. Appointments that have started or are
    checked in cannot be cancelled, so time off over them is refused.
    """
    from appointments.models import Appointment
    from appointments.services import cancel_appointment

    if not (actor.is_clinic_staff or doctor.user_id == actor.pk):
        raise NotVisible()
    if end <= start:
        raise DomainError(_("The time off must end after it starts."), code="invalid")
    now = timezone.now()
    if end <= now:
        raise DomainError(_("The time off is already over."), code="invalid")
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        Doctor.objects.select_for_update().get(pk=doctor.pk)
        affected = appointments_during(doctor, start, end)
        started = [
            a for a in affected if a.start <= now or a.status == Appointment.Status.CHECKED_IN
        ]
        if started:
            raise TimeOffConflict(
                started,
                _(
                    "Some appointments in this time have already started or are checked in; "
                    "record their outcome first."
                ),
                can_confirm=False,
            )
        if affected and not cancel_appointments:
            raise TimeOffConflict(affected)
        if confirmed_ids is not None and {a.pk for a in affected} - set(confirmed_ids):
            raise TimeOffConflict(
                affected,
                _("More appointments were booked in this time meanwhile. Please check again."),
            )
        time_off = TimeOff.objects.create(doctor=doctor, start=start, end=end, reason=reason)
        why = reason or _("The doctor is unavailable")
        for appointment in affected:
            cancel_appointment(
                appointment=appointment,
                actor=actor,
                reason=_("%(why)s. Please book another time.") % {"why": why},
            )
    return time_off, affected


def remove_time_off(*, time_off, actor):
    if not (actor.is_clinic_staff or time_off.doctor.user_id == actor.pk):
        raise NotVisible()
    time_off.delete()
