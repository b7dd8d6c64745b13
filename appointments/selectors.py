"""Reads of the scheduling model: which slots of a doctor's calendar are free, the
appointments a page shows (an appointment's page, the doctor's dashboard, earlier
visits), which patients a user may see (a doctor: those with a visit with them), and
what a calendar feed shows.

Slots are laid out in the clinic's local wall-clock time (a 09:00 start stays 09:00 on
both sides of a DST change) and compared in UTC. A doctor's search costs a few queries
whatever the range: their offers, working hours (with sites), the sites' type
restrictions, and their busy time (time off, appointments with their buffers and the
clinic's closures, in one UNION). "First available" across doctors costs the same few
queries however many doctors there are.
"""

import bisect
import calendar
import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from appointments.models import Appointment, CalendarFeed
from appointments.permissions import open_to
from doctors.models import (
    DEFAULT_VISIT_TYPE,
    Closure,
    Doctor,
    Site,
    TimeOff,
    VisitType,
    VisitTypeOffer,
    WorkingHours,
)
from healthcare.core.clinic import contact
from healthcare.core.prepared import PreparedQuery
from patients.models import Patient
from patients.permissions import can_see_all_patients

# How far back a feed reaches: recent visits stay in the calendar, old ones drop out.
FEED_HISTORY = timedelta(days=90)


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable interval, with aware datetimes in the clinic's time zone: the visit is
    [start, end); the doctor is busy until `busy_until` (the end plus the type's buffer).
    """

    start: datetime
    end: datetime
    busy_until: datetime | None = field(default=None, compare=False)
    doctor: Doctor | None = field(default=None, compare=False, repr=False)
    visit_type: VisitType | None = field(default=None, compare=False, repr=False)
    site: Site | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.busy_until is None:
            object.__setattr__(self, "busy_until", self.end)

    @property
    def local_date(self):
        return self.start.date()

    @property
    def minutes(self):
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def booking_url(self):
        """The booking confirmation of this time (its type and site named): one click.

        Built by hand from one reversed pattern: a page of search results has dozens."""
        before, after = _confirm_url_parts(get_script_prefix())
        start = quote(self.start.isoformat(), safe="")
        return (
            f"{before}{self.doctor.pk}{after}?start={start}"
            f"&type={self.visit_type.pk}&site={self.site.pk}"
        )


_PK = 987_654_321


@functools.cache
def _confirm_url_parts(script_prefix):
    """The booking confirmation's address around a doctor's id (for Slot.booking_url)."""
    before, after = reverse("appointments:book_confirm", args=[_PK]).split(str(_PK))
    return before, after


def cancellation_policy(site=None):
    """The clinic's rule for changing a visit online, as pages and messages state it:
    `hours`, the patient's cut-off before the start, and `phone`, the number to call
    after it (the site's own, if it has one)."""
    return {
        "hours": int(settings.CLINIC_CANCELLATION_CUTOFF.total_seconds() // 3600),
        "phone": contact(site)["clinic_phone"],
    }


def taking_doctors(patient):
    """Which doctors take `patient` (a Patient, or None for someone not logged in), as a
    filter on doctors: anyone while they accept new patients, otherwise only patients
    they have seen before (a visit that was not cancelled)."""
    rule = Q(accepting_new_patients=True)
    if patient is not None:
        seen = Appointment.objects.filter(patient=patient).active().values("doctor_id")
        rule |= Q(pk__in=seen)
    return rule


def takes_patient(doctor, patient):
    """Whether `doctor` takes `patient` (taking_doctors, for one doctor): what the doctor's
    page, the booking pages and first available show a patient, and the refusal when
    booking (services.NotAcceptingPatients)."""
    if doctor.accepting_new_patients:
        return True
    return Doctor.objects.filter(taking_doctors(patient), pk=doctor.pk).exists()


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


def default_offer(offers):
    """The offer used when none is named: the clinic's default type if offered, else the
    first (by name)."""
    offers = [offer for offer in offers if offer.visit_type.is_active]
    for offer in offers:
        if offer.visit_type.name == DEFAULT_VISIT_TYPE:
            return offer
    return offers[0] if offers else None


def offer_of(doctor, visit_type):
    """The doctor's offer of `visit_type` (active), or None."""
    return (
        doctor.offers.select_related("visit_type")
        .filter(visit_type=visit_type, visit_type__is_active=True)
        .first()
    )


def _site_allows(site, visit_type, site_types):
    allowed = site_types.get(site.pk)
    return not allowed or visit_type.pk in allowed


def _site_types(site_ids):
    """{site id: {visit type ids}} for sites that restrict their visit types."""
    allowed = {}
    through = Site.visit_types.through.objects.filter(site_id__in=site_ids)
    for site_id, type_id in through.values_list("site_id", "visittype_id"):
        allowed.setdefault(site_id, set()).add(type_id)
    return allowed


def _window(start_date, end_date, now, notice=None):
    earliest, latest = booking_window(now, notice=notice)
    start_date = max(start_date, timezone.localdate(earliest))
    end_date = min(end_date, timezone.localdate(latest))
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(start_date, time.min, tzinfo=tz)
    window_end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=tz)
    return start_date, end_date, window_start, window_end, earliest, latest


def _lay_out(
    doctor,
    offer,
    hours,
    busy,
    closures,
    site_types,
    start_date,
    end_date,
    *,
    earliest,
    latest,
    site=None,
    limit=None,
):
    """The free starts of `offer` in `hours` ((weekday, start, end, site) rows)."""
    tz = timezone.get_current_timezone()
    visit_type = offer.visit_type
    length = timedelta(minutes=offer.length)
    spacing = timedelta(minutes=offer.spacing)
    buffer = timedelta(minutes=offer.buffer)
    hours_by_weekday = {}
    for interval in hours:
        if site is not None and interval.site_id != site.pk:
            continue
        if not _site_allows(interval.site, visit_type, site_types):
            continue
        hours_by_weekday.setdefault(interval.weekday, []).append(interval)
    slots = []
    day = start_date
    while day <= end_date:
        for interval in sorted(hours_by_weekday.get(day.weekday(), []), key=lambda i: i.start_time):
            closed = closures.get(interval.site_id)
            wall = datetime.combine(day, interval.start_time)
            wall_end = datetime.combine(day, interval.end_time)
            # The type's bookable hours narrow where the visit may lie, on the same grid.
            last_end = wall_end
            if visit_type.bookable_until is not None:
                last_end = min(last_end, datetime.combine(day, visit_type.bookable_until))
            first_start = None
            if visit_type.bookable_from is not None:
                first_start = datetime.combine(day, visit_type.bookable_from)
            while wall + length <= last_end:
                this = wall
                wall += spacing
                if first_start is not None and this < first_start:
                    continue
                # Working hours end before midnight: a visit never crosses into the next day.
                start = _local(day, this.time(), tz)
                end = _local(day, (this + length).time(), tz)
                if start is None or end is None:  # inside a DST gap
                    continue
                if start < earliest or start > latest:
                    continue
                until = end + buffer
                if busy.overlaps(start, until) or (closed and closed.overlaps(start, until)):
                    continue
                slots.append(Slot(start, end, until, doctor, visit_type, interval.site))
                if limit and len(slots) >= limit:
                    return slots
        day += timedelta(days=1)
    return slots


# Every free-slot search runs them: compiled once per process (healthcare.core.prepared).
DOCTOR_OFFERS = PreparedQuery(
    VisitTypeOffer,
    lambda doctor_id: VisitTypeOffer.objects.filter(doctor_id=doctor_id).select_related(
        "visit_type"
    ),
    doctor_id=-730_100_005,
)
DOCTOR_HOURS = PreparedQuery(
    WorkingHours,
    lambda doctor_id: WorkingHours.objects.filter(doctor_id=doctor_id).select_related("site"),
    doctor_id=-730_100_006,
)


def free_slots(
    doctor,
    start_date: date,
    end_date: date,
    *,
    now=None,
    exclude=None,
    visit_type=None,
    site=None,
    offer=None,
    notice=None,
):
    """The doctor's free slots for a visit type from `start_date` to `end_date` (local
    dates, inclusive), at `site` or any of theirs.

    A slot is a start on the type's spacing grid from the start of the doctor's working
    interval at a site, such that the visit fits in the interval (and the type's bookable
    hours) and [start, end + buffer) overlaps no busy time: appointments of any type with
    their buffers, time off, and closures of the clinic or that site; not before the
    minimum notice, not after the horizon. Without a type, the doctor's default offer.
    `exclude` leaves one appointment out of the busy time (the one being rescheduled);
    `notice` replaces the minimum notice.
    """
    now = now or timezone.now()
    if offer is None:
        offers = DOCTOR_OFFERS.all(doctor_id=doctor.pk)
        if visit_type is not None:
            offer = next((o for o in offers if o.visit_type_id == visit_type.pk), None)
            if offer is None or not offer.visit_type.is_active:
                return []
        else:
            offer = default_offer(offers)
    if offer is None or not doctor.user.is_active:
        return []
    start_date, end_date, window_start, window_end, earliest, latest = _window(
        start_date, end_date, now, notice
    )
    if end_date < start_date:
        return []
    hours = DOCTOR_HOURS.all(doctor_id=doctor.pk)
    appointments = (
        Appointment.objects.filter(doctor=doctor)
        .active()
        .filter(start__lt=window_end, busy_until__gt=window_start)
    )
    if exclude is not None:
        appointments = appointments.exclude(pk=exclude.pk)
    time_off = doctor.time_off.overlapping(window_start, window_end)
    closures = Closure.objects.overlapping(window_start, window_end)
    # One query for all busy time. Unordered, each part and the whole: _Busy sorts, and a
    # compound statement takes no ORDER BY from the models' default orderings. The third
    # column is the site a closure applies to (None: everywhere).
    no_site = Cast(Value(None), BigIntegerField())
    rows = (
        time_off.order_by()
        .annotate(where=no_site)
        .values_list("start", "end", "where")
        .union(
            appointments.order_by()
            .annotate(where=no_site)
            .values_list("start", "busy_until", "where"),
            closures.order_by().annotate(where=F("site_id")).values_list("start", "end", "where"),
            all=True,
        )
        .order_by()
    )
    busy, closed = _split_busy(rows, {interval.site_id for interval in hours})
    return _lay_out(
        doctor,
        offer,
        hours,
        busy,
        closed,
        _site_types({interval.site_id for interval in hours}),
        start_date,
        end_date,
        earliest=earliest,
        latest=latest,
        site=site,
    )


def _split_busy(rows, site_ids):
    """Busy time for everywhere, and per site the closures of that site."""
    everywhere, by_site = [], {}
    for start, end, where in rows:
        if where is None:
            everywhere.append((start, end))
        else:
            by_site.setdefault(where, []).append((start, end))
    return _Busy(everywhere), {site_id: _Busy(by_site[site_id]) for site_id in by_site}


def next_free_slots(doctor, *, days=14, limit=None, now=None, visit_type=None, site=None):
    """The doctor's free slots over the coming `days`, for the doctor's page."""
    first, _ = bookable_dates(now)
    slots = free_slots(
        doctor, first, first + timedelta(days=days - 1), now=now, visit_type=visit_type, site=site
    )
    return slots[:limit] if limit else slots


def slots_by_day(slots):
    """Group slots into (local date, [slots]) pairs, in order."""
    days = {}
    for slot in slots:
        days.setdefault(slot.local_date, []).append(slot)
    return list(days.items())


def _slot_hours(*, doctor_id, weekday, visit_type_id, start, until, exclude_id):
    """A doctor's hours on a weekday, each with whether its site takes a visit type at
    all (`restricted`, `takes_type`) and whether anything holds [start, until): time off,
    another visit with its buffer (not `exclude_id`'s), a closure of the clinic or of
    that site."""
    restrictions = Site.visit_types.through.objects.filter(site_id=OuterRef("site_id"))
    visits = (
        Appointment.objects.filter(doctor_id=doctor_id, start__lt=until, busy_until__gt=start)
        .active()
        .exclude(pk=exclude_id)
    )
    return (
        WorkingHours.objects.filter(doctor_id=doctor_id, weekday=weekday)
        .select_related("site")
        .annotate(
            restricted=Exists(restrictions),
            takes_type=Exists(restrictions.filter(visittype_id=visit_type_id)),
            time_off=Exists(TimeOff.objects.filter(doctor_id=doctor_id).overlapping(start, until)),
            booked=Exists(visits),
            closed=Exists(
                Closure.objects.overlapping(start, until).filter(
                    Q(site__isnull=True) | Q(site=OuterRef("site_id"))
                )
            ),
        )
    )


# Booking runs it for every request: compiled once per process (healthcare.core.prepared).
SLOT_HOURS = PreparedQuery(
    WorkingHours,
    _slot_hours,
    doctor_id=-730_100_001,
    weekday=31_337,
    visit_type_id=-730_100_002,
    start=datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC),
    until=datetime(1901, 2, 3, 4, 5, 7, tzinfo=UTC),
    exclude_id=-730_100_003,
)


def find_free_slot(doctor, start, *, now=None, exclude=None, offer=None, site=None, notice=None):
    """The free slot of `offer` (the doctor's default without one) that starts exactly at
    `start`, at `site` if given; or None.

    Laid out by the same rule as free_slots, from one query once the offer is known: the
    doctor's hours that weekday with their sites, each with whether its site takes the
    type and whether anything holds [start, end + buffer): time off, another visit with
    its buffer (not `exclude`), a closure of the clinic or of that site.
    """
    now = now or timezone.now()
    if offer is None:
        offer = default_offer(list(doctor.offers.select_related("visit_type")))
    if offer is None or not doctor.user.is_active:
        return None
    tz = timezone.get_current_timezone()
    wall = timezone.localtime(start).replace(tzinfo=None)
    day = wall.date()
    first, last, _, _, earliest, latest = _window(day, day, now, notice)
    if last < first or _local(day, wall.time(), tz) != start:
        return None  # outside the booking window, or a time no layout produces
    end = _local(day, (wall + timedelta(minutes=offer.length)).time(), tz)
    if end is None:
        return None
    until = end + timedelta(minutes=offer.buffer)
    hours = [
        interval
        for interval in SLOT_HOURS.all(
            doctor_id=doctor.pk,
            weekday=day.weekday(),
            visit_type_id=offer.visit_type_id,
            start=start,
            until=until,
            exclude_id=exclude.pk if exclude is not None else 0,
        )
        if not interval.restricted or interval.takes_type
    ]
    # The one candidate that matters is [start, until): busy time is that or nothing.
    held = [(start, until)]
    busy = _Busy(held if any(i.time_off or i.booked for i in hours) else [])
    closed = {interval.site_id: _Busy(held) for interval in hours if interval.closed}
    for slot in _lay_out(
        doctor,
        offer,
        hours,
        busy,
        closed,
        {},
        day,
        day,
        earliest=earliest,
        latest=latest,
        site=site,
    ):
        if slot.start == start:
            return slot
    return None


def kept_offer(appointment):
    """The offer a moved visit keeps: the doctor's offer of its type, or (if the doctor no
    longer offers it) the type at the visit's own length."""
    offer = (
        appointment.doctor.offers.select_related("visit_type")
        .filter(visit_type=appointment.visit_type_id)
        .first()
    )
    return offer or VisitTypeOffer(
        doctor=appointment.doctor,
        visit_type=appointment.visit_type,
        length_minutes=appointment.length_minutes,
    )


def why_not_bookable(doctor, start, *, offer, site=None):
    """Why `start` is not a slot of `offer` with the doctor, when the reason is not just
    that the time is taken or outside the hours: "site" (the doctor is not at that site
    that day), "grid" (in the doctor's hours but off the type's spacing grid), or None."""
    local = timezone.localtime(start)
    hours = [
        interval for interval in doctor.working_hours.all() if interval.weekday == local.weekday()
    ]
    if site is not None:
        hours = [interval for interval in hours if interval.site_id == site.pk]
        if not hours:
            return "site"
    wall = local.replace(tzinfo=None)
    spacing = timedelta(minutes=offer.spacing)
    for interval in hours:
        first = datetime.combine(local.date(), interval.start_time)
        last = datetime.combine(local.date(), interval.end_time)
        if first <= wall < last:
            return None if (wall - first) % spacing == timedelta(0) else "grid"
    return None


class _Interval(NamedTuple):
    """A working-hours interval as _lay_out reads it (WorkingHours' fields)."""

    weekday: int
    start_time: time
    end_time: time
    site_id: int
    site: Site


# Site's columns in the order of its fields (for Site(*row)), fetched with working hours.
_SITE_COLUMNS = tuple(f"site__{field.attname}" for field in Site._meta.concrete_fields)


def _calendars(doctor_ids, window_start, window_end):
    """What laying out the slots of many doctors needs, in four queries whatever their
    number: their working hours (with sites), busy time per doctor (time off and
    appointments with their buffers), the clinic's closures (everywhere, and per site) and
    the sites' type restrictions.

    Returns (hours by doctor, busy intervals by doctor, closures everywhere, _Busy
    closures by site, site types)."""
    # Plain rows, and one Site per site, rather than a model instance for every interval:
    # a page of doctors has a few hundred intervals and a few sites.
    hours, sites = {}, {}
    rows = WorkingHours.objects.filter(doctor_id__in=doctor_ids).values_list(
        "doctor_id", "weekday", "start_time", "end_time", *_SITE_COLUMNS
    )
    for doctor_id, weekday, start, end, site_id, *site in rows:
        if site_id not in sites:
            sites[site_id] = Site(site_id, *site)
        hours.setdefault(doctor_id, []).append(
            _Interval(weekday, start, end, site_id, sites[site_id])
        )
    site_ids = set(sites)
    # doctor_id 0 marks a closure (no doctor has id 0); the site column is its site.
    no_site = Cast(Value(None), BigIntegerField())
    rows = (
        TimeOff.objects.filter(doctor_id__in=doctor_ids)
        .overlapping(window_start, window_end)
        .order_by()
        .annotate(where=no_site)
        .values_list("doctor_id", "start", "end", "where")
        .union(
            Appointment.objects.filter(doctor_id__in=doctor_ids)
            .active()
            .filter(start__lt=window_end, busy_until__gt=window_start)
            .order_by()
            .annotate(where=no_site)
            .values_list("doctor_id", "start", "busy_until", "where"),
            Closure.objects.overlapping(window_start, window_end)
            .order_by()
            .annotate(who=Cast(Value(0), BigIntegerField()), where=F("site_id"))
            .values_list("who", "start", "end", "where"),
            all=True,
        )
        .order_by()
    )
    per_doctor, closure_rows = {}, []
    for doctor_id, start, end, where in rows:
        if doctor_id == 0:
            closure_rows.append((start, end, where))
        else:
            per_doctor.setdefault(doctor_id, []).append((start, end))
    everywhere = [(start, end) for start, end, where in closure_rows if where is None]
    closed = {}
    for start, end, where in closure_rows:
        if where is not None:
            closed.setdefault(where, []).append((start, end))
    closed = {site_id: _Busy(intervals) for site_id, intervals in closed.items()}
    return hours, per_doctor, everywhere, closed, _site_types(site_ids)


def patient_of(user):
    """The patient a page is shown to, or None (a visitor, a doctor, staff)."""
    return user.patient_profile if user.is_authenticated else None


def doctors_seen_by(patient, doctor_ids):
    """The ids among `doctor_ids` of the doctors `patient` has (or had) a visit with that
    was not cancelled (services.is_patient_of, for many doctors at once); none for a
    visitor (None)."""
    if patient is None:
        return set()
    return set(
        Appointment.objects.filter(patient=patient, doctor_id__in=doctor_ids)
        .active()
        .values_list("doctor_id", flat=True)
        .distinct()
    )


def first_available(
    *,
    visit_type,
    start_date,
    end_date,
    specialty=None,
    site=None,
    now=None,
    limit=None,
    online=False,
    patient=None,
):
    """Free slots of `visit_type` across every bookable doctor who offers it (by
    specialty and site if given), earliest first, from `start_date` to `end_date`.

    `online`: only the doctors with whom `patient` may book the type online themself
    (permissions.open_to; a visitor, None, counts as a new patient of every doctor).

    The cost does not grow with the number of doctors: five queries in all (offers with
    their doctors, working hours, site restrictions, and all busy time in one UNION), and
    for a patient online one more (the doctors they have seen).
    """
    now = now or timezone.now()
    start_date, end_date, window_start, window_end, earliest, latest = _window(
        start_date, end_date, now
    )
    if end_date < start_date or not visit_type.is_active:
        return []
    offers = VisitTypeOffer.objects.filter(
        visit_type=visit_type, doctor__user__is_active=True
    ).select_related("doctor__user", "doctor__specialty", "visit_type")
    if specialty is not None:
        offers = offers.filter(doctor__specialty=specialty)
    if site is not None:
        offers = offers.filter(doctor__working_hours__site=site).distinct()
    offers = list(offers)
    if online:
        seen = doctors_seen_by(patient, [offer.doctor_id for offer in offers]) if offers else set()
        offers = [
            offer
            for offer in offers
            if open_to(offer.doctor, visit_type, existing=offer.doctor_id in seen)
        ]
    doctor_ids = [offer.doctor_id for offer in offers]
    if not doctor_ids:
        return []
    hours, per_doctor, everywhere, closed, site_types = _calendars(
        doctor_ids, window_start, window_end
    )
    slots = []
    for offer in offers:
        busy = _Busy(per_doctor.get(offer.doctor_id, []) + everywhere)
        slots += _lay_out(
            offer.doctor,
            offer,
            hours.get(offer.doctor_id, []),
            busy,
            closed,
            site_types,
            start_date,
            end_date,
            earliest=earliest,
            latest=latest,
            site=site,
            limit=limit,
        )
    slots.sort(key=lambda slot: (slot.start, slot.doctor.name, slot.site.name))
    return slots[:limit] if limit else slots


def next_free_times(doctors, *, patient=None, per_doctor=3, days=14, now=None):
    """{doctor id: the first `per_doctor` free slots over the coming `days`} for each of
    `doctors` (a page of search results), each doctor's slots of the kind of visit the
    page offers: their default (default_offer) among the types `patient` may book online
    with them (permissions.open_to; a visitor, None, counts as a new patient). A doctor
    with none of those, or no free time, has an empty list.

    A fixed number of queries whatever the number of doctors: the offers, the doctors the
    patient has seen (for a patient), then _calendars' four.
    """
    now = now or timezone.now()
    first, _last = bookable_dates(now)
    start_date, end_date, window_start, window_end, earliest, latest = _window(
        first, first + timedelta(days=days - 1), now
    )
    doctors = {doctor.pk: doctor for doctor in doctors}
    times = {pk: [] for pk in doctors}
    if not doctors or end_date < start_date:
        return times
    seen = doctors_seen_by(patient, list(doctors))
    offers = {}
    for offer in VisitTypeOffer.objects.filter(
        doctor_id__in=list(doctors), visit_type__is_active=True
    ).select_related("visit_type"):
        doctor = doctors[offer.doctor_id]
        if doctor.user.is_active and open_to(
            doctor, offer.visit_type, existing=offer.doctor_id in seen
        ):
            offers.setdefault(offer.doctor_id, []).append(offer)
    chosen = {
        pk: default_offer(sorted(found, key=lambda o: o.visit_type.name))
        for pk, found in offers.items()
    }
    if not chosen:
        return times
    hours, per_doctor_busy, everywhere, closed, site_types = _calendars(
        list(chosen), window_start, window_end
    )
    for pk, offer in chosen.items():
        times[pk] = _lay_out(
            doctors[pk],
            offer,
            hours.get(pk, []),
            _Busy(per_doctor_busy.get(pk, []) + everywhere),
            closed,
            site_types,
            start_date,
            end_date,
            earliest=earliest,
            latest=latest,
            limit=per_doctor,
        )
    return times


def week_of(day):
    """The Monday of the week `day` is in (the booking page's weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


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
        .select_related("patient__user", "doctor__user", "visit_type", "site")
        .order_by("start")
    )


def visible_patients(user):
    """Who a user may see: themself and their dependants (patient), their patients
    (doctor), all (staff whose role works with patients).

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
        return Patient.objects.managed_by(user)
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


def upcoming_visits_of(patient):
    """The booked visits still to come of `patient` (what removing a dependant cancels)."""
    return (
        Appointment.objects.filter(
            patient=patient, status=Appointment.Status.BOOKED, start__gt=timezone.now()
        )
        .select_related("doctor__user", "visit_type")
        .order_by("start")
    )


def appointment_pages(user):
    """The appointments `user` may see, with what an appointment's page shows: both
    parties, the specialty, who cancelled and the record."""
    return Appointment.objects.visible_to(user).select_related(
        "doctor__user",
        "doctor__specialty",
        "patient__user",
        "booked_by",
        "cancelled_by",
        "medical_record",
        "visit_type",
        "site",
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
