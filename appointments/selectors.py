"""Reads of the scheduling model: which slots of a doctor's calendar are free, the
appointments a page shows (an appointment's page, the doctor's dashboard, earlier
visits), which patients a user may see (a doctor: those with a visit with them), and
what a calendar feed shows.

Slots are laid out in the clinic's local wall-clock time (a 09:00 start stays 09:00 on
both sides of a DST change) and compared in UTC. The whole search costs two queries
whatever the range: the doctor's working hours, and their busy time (time off and
appointments, in one UNION).
"""

import bisect
import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from appointments.models import Appointment, CalendarFeed
from patients.models import Patient
from patients.permissions import can_see_all_patients

# How far back a feed reaches: recent visits stay in the calendar, old ones drop out.
FEED_HISTORY = timedelta(days=90)


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable interval, with aware datetimes in the clinic's time zone."""

    start: datetime
    end: datetime

    @property
    def local_date(self):
        return self.start.date()


def booking_window(now=None, *, notice=None):
    """The earliest and latest start a booking may have now (minimum notice, horizon).

    `notice` replaces the clinic's minimum notice (staff at the desk may book a slot
    starting now: timedelta(0)); the past is never bookable.
    """
    now = now or timezone.now()
    notice = settings.CLINIC_MIN_NOTICE if notice is None else max(notice, timedelta(0))
    return now + notice, now + settings.CLINIC_BOOKING_HORIZON


def bookable_dates(now=None, *, notice=None):
    """The local dates on which a slot may currently be booked, first to last."""
    earliest, latest = booking_window(now, notice=notice)
    return timezone.localdate(earliest), timezone.localdate(latest)


def _local(day, at, tz):
    """The aware datetime for a wall-clock time, or None if DST skips that time."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


class _Busy:
    """Sorted, merged busy intervals with an overlap test in O(log n)."""

    def __init__(self, intervals):
        merged = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start, end):
        i = bisect.bisect_left(self.starts, end)  # intervals starting before `end`
        return i > 0 and self.ends[i - 1] > start


def free_slots(doctor, start_date: date, end_date: date, *, now=None, exclude=None, notice=None):
    """The doctor's free slots from `start_date` to `end_date` (local dates, inclusive).

    Free = working intervals − time off − appointments that are not cancelled − the past
    − the minimum notice, up to the booking horizon. `exclude` leaves one appointment out
    of the busy time (the one being rescheduled); `notice` replaces the minimum notice.
    """
    now = now or timezone.now()
    earliest, latest = booking_window(now, notice=notice)
    start_date = max(start_date, timezone.localdate(earliest))
    end_date = min(end_date, timezone.localdate(latest))
    if end_date < start_date or not doctor.user.is_active:
        return []

    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start_date, time.min, tzinfo=tz)
    window_end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=tz)

    hours_by_weekday = {}
    for interval in doctor.working_hours.all():
        hours_by_weekday.setdefault(interval.weekday, []).append(interval)

    appointments = (
        Appointment.objects.filter(doctor=doctor).active().overlapping(window_start, window_end)
    )
    if exclude is not None:
        appointments = appointments.exclude(pk=exclude.pk)
    time_off = doctor.time_off.overlapping(window_start, window_end)
    # Unordered, each part and the whole: _Busy sorts, and a compound statement takes no
    # ORDER BY from the models' default orderings.
    busy = _Busy(
        time_off.order_by()
        .values_list("start", "end")
        .union(appointments.order_by().values_list("start", "end"), all=True)
        .order_by()
    )

    length = timedelta(minutes=doctor.slot_minutes)
    slots = []
    day = start_date
    while day <= end_date:
        for interval in sorted(hours_by_weekday.get(day.weekday(), []), key=lambda i: i.start_time):
            wall = datetime.combine(day, interval.start_time)
            wall_end = datetime.combine(day, interval.end_time)
            while wall + length <= wall_end:
                # Working hours end before midnight, so a slot never crosses into the next day.
                start = _local(day, wall.time(), tz)
                end = _local(day, (wall + length).time(), tz)
                wall += length
                if start is None or end is None:  # inside a DST gap
                    continue
                if start < earliest or start > latest or busy.overlaps(start, end):
                    continue
                slots.append(Slot(start, end))
        day += timedelta(days=1)
    return slots


def next_free_slots(doctor, *, days=14, limit=None, now=None):
    """The doctor's free slots over the coming `days`, for the doctor's page."""
    first, _ = bookable_dates(now)
    slots = free_slots(doctor, first, first + timedelta(days=days - 1), now=now)
    return slots[:limit] if limit else slots


def slots_by_day(slots):
    """Group slots into (local date, [slots]) pairs, in order."""
    days = {}
    for slot in slots:
        days.setdefault(slot.local_date, []).append(slot)
    return list(days.items())


def find_free_slot(doctor, start, *, now=None, exclude=None, notice=None):
    """The free slot that starts exactly at `start`, or None."""
    start = timezone.localtime(start)
    day = start.date()
    for slot in free_slots(doctor, day, day, now=now, exclude=exclude, notice=notice):
        if slot.start == start:
            return slot
    return None


def active_feed(user):
    """The calendar address of `user` that works now, or None."""
    return CalendarFeed.objects.active().filter(user=user).first()


def feed_appointments(user, now=None):
    """What a person's calendar shows: their appointments, not cancelled, recent or ahead."""
    since = (now or timezone.now()) - FEED_HISTORY
    if (doctor := user.doctor_profile) is not None:
        appointments = Appointment.objects.for_doctor(doctor)
    elif (patient := user.patient_profile) is not None:
        appointments = Appointment.objects.for_patient(patient)
    else:
        return Appointment.objects.none()
    return (
        appointments.active()
        .filter(end__gt=since)
        .select_related("patient__user", "doctor__user")
        .order_by("start")
    )


def visible_patients(user):
    """Who a user may see: themself (patient), their patients (doctor), all (staff whose
    role works with patients).

    A doctor's patients are those with an appointment with them that was not cancelled.
    Every read of patients goes through this, so a patient outside it does not exist
    for the user (404).
    """
    if not user.is_authenticated:
        return Patient.objects.none()
    if can_see_all_patients(user):
        return Patient.objects.all()
    if (doctor := user.doctor_profile) is not None:
        visits = Appointment.objects.active().filter(patient=OuterRef("pk"))
        return Patient.objects.filter(Exists(visits.filter(doctor=doctor)))
    if user.is_patient:
        return Patient.objects.filter(user=user)
    return Patient.objects.none()


def _months_before(moment, months):
    """The same local wall-clock time `months` calendar months earlier (the 31st becomes
    the month's last day where it has fewer)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def care_relationship_window(now=None):
    """The first and last start of a visit that makes a care relationship now."""
    now = now or timezone.now()
    return (
        _months_before(now, settings.CARE_RELATIONSHIP_PAST_MONTHS),
        now + timedelta(days=settings.CARE_RELATIONSHIP_AHEAD_DAYS),
    )


def patients_in_care_of(doctor, now=None):
    """The ids of the patients `doctor` looks after now: those with a visit with them in
    the care-relationship window (CARE_RELATIONSHIP_PAST_MONTHS back, _AHEAD_DAYS on).

    A visit counts unless it was cancelled or the patient did not come (a no-show: no care
    was given); a booked or checked-in one counts whether it lies ahead or has just passed.
    """
    since, until = care_relationship_window(now)
    return Appointment.objects.filter(
        doctor=doctor,
        status__in=[
            Appointment.Status.BOOKED,
            Appointment.Status.CHECKED_IN,
            Appointment.Status.FULFILLED,
        ],
        start__gte=since,
        start__lte=until,
    ).values("patient")


def with_visits(patients, doctor, now):
    """Annotate each patient's last and next visit (with `doctor`, or with anyone for staff)."""
    visits = Appointment.objects.active().filter(patient=OuterRef("pk"))
    if doctor is not None:
        visits = visits.filter(doctor=doctor)
    last = visits.filter(start__lt=now).order_by("-start").values("start")[:1]
    upcoming = visits.upcoming(now).filter(start__gte=now).values("start")[:1]
    return patients.annotate(last_visit=Subquery(last), next_visit=Subquery(upcoming))


def appointments_during(doctor, start, end):
    """The doctor's open appointments that a time off from `start` to `end` would hit."""
    return list(
        Appointment.objects.filter(
            doctor=doctor,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN],
        )
        .overlapping(start, end)
        .select_related("patient__user")
        .order_by("start")
    )


def appointment_pages(user):
    """The appointments `user` may see, with what an appointment's page shows: both
    parties, the specialty, who cancelled and the record."""
    return Appointment.objects.visible_to(user).select_related(
        "doctor__user", "doctor__specialty", "patient__user", "cancelled_by", "medical_record"
    )


def _midnight(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def schedule_windows(doctor, today, *, days, later_offset, later_count):
    """The doctor's dashboard: today's appointments, the open ones of the next `days` days,
    and `later_count` open ones after that from `later_offset` on (paged without a count).

    Each is one query however full the diary is.
    """
    tomorrow = _midnight(today + timedelta(days=1))
    week_end = _midnight(today + timedelta(days=days + 1))
    appointments = Appointment.objects.for_doctor(doctor)
    todays = list(
        appointments.filter(start__gte=_midnight(today), start__lt=tomorrow).order_by("start")
    )
    week = list(appointments.upcoming().filter(start__gte=tomorrow, start__lt=week_end))
    later = list(
        appointments.upcoming().filter(start__gte=week_end)[
            later_offset : later_offset + later_count
        ]
    )
    return todays, week, later


def visits_without_record(doctor, now):
    """The doctor's visits marked fulfilled without a record whose record may still be
    written (Appointment.record_deadline), oldest first: the dashboard's to-do list."""
    return (
        Appointment.objects.filter(
            doctor=doctor,
            status=Appointment.Status.FULFILLED,
            medical_record__isnull=True,
            end__gte=now - settings.RECORD_WRITING_WINDOW,
        )
        .select_related("patient__user")
        .order_by("start")
    )


def earlier_visits(appointment):
    """The patient's visits before this one (not cancelled), newest first, with their records."""
    return (
        Appointment.objects.filter(patient=appointment.patient, start__lt=appointment.start)
        .active()
        .select_related("doctor__user", "doctor__specialty", "medical_record")
        .order_by("-start")
    )
