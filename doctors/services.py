"""Writes to doctors' profiles and calendars that carry a rule."""

import itertools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import invite
from doctors.models import Doctor, WorkingHours
from doctors.permissions import can_remove_time_off
from doctors.signals import KIND_HOURS, KIND_TIME_OFF, time_freed
from healthcare.core.errors import NotVisible


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
    actor=None,
    request=None,
) -> Doctor:
    """Create a doctor's login and profile together (clinic staff only do this).

    Without a password, the doctor is emailed an invitation (from `actor`, in the security
    log) whose link lets them choose their own (accounts.services.invite).
    """
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.DOCTOR,
    )
    doctor = Doctor.objects.create(
        user=user,
        specialty=specialty,
        license_number=license_number.strip(),
        years_of_experience=years_of_experience,
        bio=bio,
        slot_minutes=slot_minutes,
        accepting_new_patients=accepting_new_patients,
    )
    if password is None and actor is not None:
        invite(user=user, actor=actor, request=request)
    return doctor


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
    # New hours may open time anywhere in the horizon (the waitlist looks at all of it).
    time_freed.send(sender=Doctor, doctor_id=doctor.pk, start=None, end=None, kind=KIND_HOURS)
    return list(doctor.working_hours.all())


def remove_time_off(*, time_off, actor):
    if not can_remove_time_off(actor, time_off.doctor):
        raise NotVisible()
    with transaction.atomic():
        time_off.delete()
        time_freed.send(
            sender=Doctor,
            doctor_id=time_off.doctor_id,
            start=time_off.start,
            end=time_off.end,
            kind=KIND_TIME_OFF,
        )
