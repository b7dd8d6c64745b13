"""The clinic's figures for a period (and optionally one doctor): aggregate counts only,
never a patient's name or anything clinical.

Every figure is aggregated by the database (GROUP BY, conditional counts, window
functions for medians); Python only lays out what comes back (a row per doctor, per
specialty or per hour), so the number of queries and the rows fetched do not grow with
the period or the number of appointments. A report costs the same handful of queries for
a week as for a year (tests/desk/test_reports.py holds the budget).

Available minutes are the doctors' weekly working hours (as they are now) on each day of
the period, less their time off; booked minutes are the lengths of the visits that were
not cancelled.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.expressions import Window
from django.db.models.functions import ExtractIsoWeekDay, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from desk.models import ALL_SITES, HOURS, DailyFigures, FirstSlotWait, FirstVisit
from doctors.models import Doctor, Site, TimeOff, WorkingHours

Status = Appointment.Status
NOT_CANCELLED = ~Q(status=Status.CANCELLED)

# How long before the visit people cancel: the bands of the lead-time chart.
LEAD_BANDS = [
    ("under_24h", _("Under 24 hours"), timedelta(0), timedelta(hours=24)),
    ("1_2_days", _("1–2 days"), timedelta(hours=24), timedelta(hours=48)),
    ("2_7_days", _("2–7 days"), timedelta(hours=48), timedelta(days=7)),
    ("over_7_days", _("Over 7 days"), timedelta(days=7), None),
]


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive, and optionally one doctor and one site."""

    start: date
    end: date
    doctor: Doctor | None = None
    site: Site | None = None

    @property
    def bounds(self):
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def scoped(self, queryset):
        """`queryset` (appointments or daily figures) of the doctor and site, if chosen."""
        if self.doctor is not None:
            queryset = queryset.filter(doctor=self.doctor)
        if self.site is not None:
            queryset = queryset.filter(site=self.site)
        return queryset.order_by()

    def appointments(self):
        """The appointments whose visit starts in the period (of the doctor and at the
        site, if chosen)."""
        since, until = self.bounds
        return self.scoped(Appointment.objects.filter(start__gte=since, start__lt=until))

    def figures(self):
        """The period's rows of the summary table (of the doctor and site, if chosen)."""
        return self.scoped(DailyFigures.objects.filter(day__gte=self.start, day__lte=self.end))


def _ratio(part, whole):
    return None if not whole else part / whole


def _duration(a, b):
    return ExpressionWrapper(F(a) - F(b), output_field=DurationField())


def _minutes(delta):
    return 0 if delta is None else round(delta.total_seconds() / 60)


# -- utilisation ------------------------------------------------------------------------


@dataclass
class DoctorRow:
    doctor_id: int
    name: str
    available: int = 0
    booked: int = 0
    visits: int = 0
    cancelled: int = 0
    due: int = 0
    noshow: int = 0

    @property
    def utilisation(self):
        return _ratio(self.booked, self.available)

    @property
    def noshow_rate(self):
        return _ratio(self.noshow, self.due)

    @property
    def cancellation_rate(self):
        return _ratio(self.cancelled, self.visits)


def _weekday_counts(period):
    """How many Mondays, Tuesdays, … the period holds (7 numbers, by arithmetic)."""
    weeks, extra = divmod(period.days, 7)
    counts = [weeks] * 7
    for i in range(extra):
        counts[(period.start.weekday() + i) % 7] += 1
    return counts


def _wall_minutes(start_time, end_time):
    return (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)


def _time_off_minutes(period, hours_by_doctor, doctor_ids):
    """Working minutes lost to time off in the period, per doctor: each time off (few
    rows) clipped to the period and laid over that doctor's working intervals day by day."""
    since, until = period.bounds
    lost = Counter()
    time_off = TimeOff.objects.filter(doctor_id__in=doctor_ids, start__lt=until, end__gt=since)
    tz = timezone.get_current_timezone()
    for off in time_off.values_list("doctor_id", "start", "end"):
        doctor_id, start, end = off
        start, end = max(start, since), min(end, until)
        day = timezone.localtime(start).date()
        last = timezone.localtime(end).date()
        while day <= last:
            for weekday, start_time, end_time in hours_by_doctor.get(doctor_id, ()):
                if weekday != day.weekday():
                    continue
                a = max(start, datetime.combine(day, start_time, tzinfo=tz))
                b = min(end, datetime.combine(day, end_time, tzinfo=tz))
                if b > a:
                    lost[doctor_id] += round((b - a).total_seconds() / 60)
            day += timedelta(days=1)
    return lost


def doctor_rows(period, now=None, doctors=None):
    """Per doctor: available and booked minutes, visits, cancellations, no-shows.

    Five queries whatever the period: the summary rows summed by doctor, the visits
    already due today (the one day the summary cannot split at "now"), the working
    hours, the time off, the doctors' names (none when `doctors`, {pk: Doctor} of every
    doctor, is given: the report form has them).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    summed = (
        period.figures()
        .values("doctor_id")
        .annotate(
            booked=Sum("booked_seconds"),
            visits=Sum("visits"),
            cancelled=Sum("cancelled"),
            due=Sum("active", filter=Q(day__lt=today)),
            noshow=Sum("noshow"),
        )
    )
    by_doctor = {row["doctor_id"]: row for row in summed}
    since, until = period.bounds
    today_start = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    due_today = dict(
        period.appointments()
        .filter(NOT_CANCELLED, start__gte=max(since, today_start), start__lt=min(until, now))
        .values("doctor_id")
        .annotate(n=Count("pk"))
        .values_list("doctor_id", "n")
    )

    hours = WorkingHours.objects.all()
    if period.doctor is not None:
        hours = hours.filter(doctor=period.doctor)
    if period.site is not None:
        hours = hours.filter(site=period.site)
    hours_by_doctor = {}
    for doctor_id, weekday, start_time, end_time in hours.values_list(
        "doctor_id", "weekday", "start_time", "end_time"
    ):
        hours_by_doctor.setdefault(doctor_id, []).append((weekday, start_time, end_time))

    doctor_ids = set(by_doctor) | set(hours_by_doctor) | set(due_today)
    weekdays = _weekday_counts(period)
    lost = _time_off_minutes(period, hours_by_doctor, doctor_ids)
    if doctors is not None:
        names = [
            (pk, doctors[pk].user.first_name, doctors[pk].user.last_name)
            for pk in doctor_ids
            if pk in doctors
        ]
    else:
        names = Doctor.objects.filter(pk__in=doctor_ids).values_list(
            "pk", "user__first_name", "user__last_name"
        )
    rows = []
    for doctor_id, first, last in names:
        row = DoctorRow(doctor_id=doctor_id, name=f"Dr {first} {last}".strip())
        available = sum(
            _wall_minutes(start_time, end_time) * weekdays[weekday]
            for weekday, start_time, end_time in hours_by_doctor.get(doctor_id, ())
        )
        row.available = max(available - lost[doctor_id], 0)
        found = by_doctor.get(doctor_id, {})
        row.booked = round((found.get("booked") or 0) / 60)
        for name in ("visits", "cancelled", "noshow"):
            setattr(row, name, found.get(name) or 0)
        row.due = (found.get("due") or 0) + due_today.get(doctor_id, 0)
        rows.append(row)
    rows.sort(key=lambda r: r.name)
    return rows


def totals(rows):
    total = DoctorRow(doctor_id=0, name=str(_("All doctors")))
    for row in rows:
        for name in ("available", "booked", "visits", "cancelled", "due", "noshow"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


# -- medians ----------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's exact median (an ordered-set aggregate) of a duration, in seconds."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def _postgresql():
    return connection.vendor == "postgresql"


def _as_delta(seconds):
    return None if seconds is None else timedelta(seconds=seconds)


def _window_medians(queryset, value, partition=None):
    """{group: median of `value`} in one query where there is no PERCENTILE_CONT
    (SQLite): the database numbers each group's rows in order and hands back only the
    middle one or two of each."""
    partition_by = [F(partition)] if partition else []
    ranked = queryset.annotate(
        _value=value,
        _rank=Window(RowNumber(), partition_by=partition_by, order_by=[value.asc(), F("pk").asc()]),
        _size=Window(Count("pk"), partition_by=partition_by),
    ).filter(_rank__gte=F("_size") / 2.0, _rank__lte=F("_size") / 2.0 + 1)
    fields = ["_value", "_rank", "_size"] + ([partition] if partition else [])
    middles = {}
    for row in ranked.values(*fields):
        size, rank = row["_size"], row["_rank"]
        # The middle rank (odd size), or the two middle ranks (even size).
        if rank * 2 < size or rank * 2 > size + 2:
            continue
        middles.setdefault(row.get(partition), []).append(row["_value"])
    return {group: sum(values, timedelta(0)) / len(values) for group, values in middles.items()}


# -- cancellations ----------------------------------------------------------------------


@dataclass
class LeadTimes:
    cancelled: int
    median: timedelta | None
    bands: list = field(default_factory=list)  # (key, label, count)


def cancellation_lead_times(period):
    """How long before the visit the period's cancellations came: median and bands (one
    query on PostgreSQL, two elsewhere)."""
    cancelled = period.appointments().filter(status=Status.CANCELLED, cancelled_at__isnull=False)
    lead = _duration("start", "cancelled_at")
    figures = {
        key: Count(
            "pk", filter=Q(_lead__gte=low) & (Q(_lead__lt=high) if high is not None else Q())
        )
        for key, _label, low, high in LEAD_BANDS
    }
    if _postgresql():
        figures["median"] = Median(lead)
    counts = cancelled.annotate(_lead=lead).aggregate(total=Count("pk"), **figures)
    if _postgresql():
        median = _as_delta(counts["median"])
    else:
        median = _window_medians(cancelled, lead).get(None) if counts["total"] else None
    bands = [(key, label, counts[key]) for key, label, _low, _high in LEAD_BANDS]
    return LeadTimes(cancelled=counts["total"], median=median, bands=bands)


# -- waiting ----------------------------------------------------------------------------


@dataclass
class WaitRow:
    specialty: str
    days_measured: int
    median_days: float | None


def waits_by_specialty(period):
    """Per specialty, the median of the days from the moment it was measured (once a day,
    desk.tasks) to the first free slot, over the days of the period it was measured: how
    long someone asking then would have waited. Clinic-wide: the same whatever doctor or
    site is chosen. One query over a small table (a row per specialty and day: at most
    400 per specialty), whose median Python takes."""
    measured = (
        FirstSlotWait.objects.filter(day__gte=period.start, day__lte=period.end)
        .exclude(days__isnull=True)
        .values_list("specialty__name", "days")
        .order_by("specialty__name")
    )
    by_specialty = {}
    for specialty, days in measured:
        by_specialty.setdefault(specialty, []).append(days)
    return [
        WaitRow(specialty=name, days_measured=len(days), median_days=round(median(days), 1))
        for name, days in by_specialty.items()
    ]


# -- patients ---------------------------------------------------------------------------


@dataclass
class PatientMix:
    new: int
    returning: int

    @property
    def total(self):
        return self.new + self.returning


def new_and_returning(period):
    """Patients seen in the period (a visit not cancelled): new if they had no earlier
    such visit (with the doctor and at the site, when the report is for one).

    Two queries: the distinct patients seen (read from a partial index of the visits
    not cancelled), and the new among them: for the clinic or a site, those whose first
    visit there (FirstVisit, kept by desk.figures) falls in the period; for one doctor
    (a few thousand visits a year at most), those with no earlier visit with them.
    """
    since, until = period.bounds
    visits = period.appointments().filter(NOT_CANCELLED)
    # COUNT over a DISTINCT subquery: PostgreSQL hashes it (COUNT(DISTINCT) sorts).
    seen = visits.values("patient_id").distinct().count()
    if period.doctor is None:
        site = period.site.pk if period.site is not None else ALL_SITES
        new = FirstVisit.objects.filter(site=site, start__gte=since, start__lt=until).count()
    else:
        earlier = period.scoped(
            Appointment.objects.filter(NOT_CANCELLED, patient=OuterRef("patient"), start__lt=since)
        )
        new = visits.filter(~Exists(earlier)).values("patient_id").distinct().count()
    return PatientMix(new=new, returning=seen - new)


# -- busiest hours ----------------------------------------------------------------------


@dataclass
class HeatMap:
    hours: list  # the hours of the day shown, e.g. [7, 8, …, 19]
    rows: list  # (weekday label, [count per hour])
    peak: int


WEEKDAYS = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def busiest_hours(period):
    """Visits (not cancelled) by local weekday and hour of their start: one query over
    the summary rows, grouped by weekday, a sum per hour."""
    counts = (
        period.figures()
        .annotate(_day=ExtractIsoWeekDay("day"))
        .values("_day")
        .annotate(**{f"_{name}": Sum(name) for name in HOURS})
    )
    grid = {
        (row["_day"], hour): row[f"_{name}"]
        for row in counts
        for hour, name in enumerate(HOURS)
        if row[f"_{name}"]
    }
    busy_hours = [hour for _day, hour in grid]
    first, last = (min(busy_hours), max(busy_hours)) if busy_hours else (8, 17)
    hours = list(range(min(first, 8), max(last, 17) + 1))
    rows = [
        (WEEKDAYS[day - 1], [grid.get((day, hour), 0) for hour in hours]) for day in range(1, 8)
    ]
    return HeatMap(hours=hours, rows=rows, peak=max(grid.values(), default=0))


# -- the whole report -------------------------------------------------------------------


@dataclass
class Report:
    period: Period
    doctors: list
    total: DoctorRow
    lead_times: LeadTimes
    waits: list
    patients: PatientMix
    heat_map: HeatMap


def report(period, now=None, doctors=None):
    rows = doctor_rows(period, now, doctors)
    return Report(
        period=period,
        doctors=rows,
        total=totals(rows),
        lead_times=cancellation_lead_times(period),
        waits=waits_by_specialty(period),
        patients=new_and_returning(period),
        heat_map=busiest_hours(period),
    )
