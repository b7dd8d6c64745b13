"""Writes to doctors' profiles and calendars that carry a rule."""

import itertools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import invite
from doctors.models import Doctor, Site, VisitType, VisitTypeOffer, WorkingHours
from doctors.permissions import can_remove_closures, can_remove_time_off
from doctors.signals import KIND_CLOSURE, KIND_HOURS, KIND_TIME_OFF, time_freed
from healthcare.core.errors import NotAllowed, NotVisible


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
    # A new doctor offers the clinic's default visit type at their slot length; staff
    # add other types on the doctor's page.
    default_type = VisitType.objects.default()
    VisitTypeOffer.objects.create(
        doctor=doctor,
        visit_type=default_type,
        length_minutes=None if slot_minutes == default_type.length_minutes else slot_minutes,
    )
    return doctor


def _with_sites(intervals):
    """(weekday, start, end, site) rows; a row given as a triple is at the default site."""
    rows = []
    default = None
    for row in intervals:
        if len(row) == 3 or row[3] is None:
            default = default or Site.objects.default()
            row = (*row[:3], default)
        rows.append(tuple(row))
    return rows


def working_hours_problems(intervals, *, doctor=None):
    """What is wrong with a doctor's weekly intervals, as (index, field, message) triples
    (the index into `intervals`): an end not after its start, intervals overlapping on a
    day (a doctor is at one site at a time), and, given the `doctor`, a site they may not
    work at (one that sees none of the visit types they offer). Empty when all is well.

    `intervals` are (weekday, start_time, end_time[, site]) rows.
    """
    problems = []
    allowed = None
    if doctor is not None and any(len(row) > 3 and row[3] is not None for row in intervals):
        allowed = set(Site.objects.open_to(doctor).values_list("pk", flat=True))
    by_day = {}
    for index, (weekday, start, end, *site) in enumerate(intervals):
        if end <= start:
            problems.append((index, "end_time", _("Working hours must end after they start.")))
            continue
        by_day.setdefault(weekday, []).append((start, end, index))
        site = site[0] if site else None
        if allowed is not None and site is not None and site.pk not in allowed:
            message = _("%(site)s sees none of the kinds of visit %(doctor)s offers.") % {
                "site": site.name,
                "doctor": doctor,
            }
            problems.append((index, "site", message))
    for weekday, day_intervals in sorted(by_day.items()):
        day_intervals.sort()
        for (_s1, end1, _i1), (start2, _e2, index2) in itertools.pairwise(day_intervals):
            if start2 < end1:
                message = _("Working hours on %(day)s overlap.") % {
                    "day": WorkingHours.Weekday(weekday).label
                }
                problems.append((index2, "start_time", message))
    return problems


def validate_working_hours(intervals, *, doctor=None):
    """Check a doctor's weekly intervals (working_hours_problems). Raises a
    ValidationError naming the first problem, so forms and formsets can show it."""
    problems = working_hours_problems(intervals, doctor=doctor)
    if problems:
        raise ValidationError(problems[0][2])


def _opens_time(before, after):
    """Whether the week `after` has time (on a weekday, at a site) that `before` had not."""
    for weekday, start, end, site in after:
        covered = any(
            day == weekday and old_site == site and old_start <= start and end <= old_end
            for day, old_start, old_end, old_site in before
        )
        if not covered:
            return True
    return False


@transaction.atomic
def set_working_hours(*, doctor, intervals):
    """Replace a doctor's weekly hours with `intervals`: (weekday, start, end, site) rows
    (a triple is at the default site, for callers from before sites).

    Validated as a whole first (end after start, no overlaps on a day, sites the doctor
    may work at); booked appointments are kept even if they now fall outside the hours.
    When the new week opens time the old one had not, the waitlist hears of it.
    """
    intervals = list(intervals)
    validate_working_hours(intervals, doctor=doctor)
    intervals = _with_sites(intervals)
    before = [
        (row.weekday, row.start_time, row.end_time, row.site)
        for row in doctor.working_hours.select_related("site")
    ]
    doctor.working_hours.all().delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(doctor=doctor, weekday=day, start_time=start, end_time=end, site=site)
        for day, start, end, site in intervals
    )
    if _opens_time(before, intervals):
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


def remove_closure(*, closure, actor):
    """Open a closed period again (clinic managers): every doctor who works at the closed
    site (any site, for the whole clinic) has that time back, and the waitlist hears of it
    as of time off removed."""
    if not can_remove_closures(actor):
        raise NotAllowed(_("Your role cannot remove a closure."))
    hours = WorkingHours.objects.filter(doctor__user__is_active=True)
    if closure.site_id is not None:
        hours = hours.filter(site_id=closure.site_id)
    with transaction.atomic():
        doctor_ids = sorted(set(hours.values_list("doctor_id", flat=True)))
        closure.delete()
        for doctor_id in doctor_ids:
            time_freed.send(
                sender=Doctor,
                doctor_id=doctor_id,
                start=closure.start,
                end=closure.end,
                kind=KIND_CLOSURE,
            )


@transaction.atomic
def set_slot_length(*, doctor, minutes):
    """The doctor's own length for the clinic's default visit type ("Consultation"), if
    they offer it: what the single slot length was before visit types."""
    doctor.slot_minutes = minutes
    doctor.save(update_fields=["slot_minutes"])
    default_type = VisitType.objects.default()
    doctor.offers.filter(visit_type=default_type).update(
        length_minutes=None if minutes == default_type.length_minutes else minutes
    )
