"""The reports' summary table (DailyFigures), kept exact.

Every save or delete of an appointment recounts the doctor's day (and the day it left,
when it moved) from the appointments themselves, in the same transaction as the change:
a handful of rows, three queries. Recounting rather than adding and subtracting means a
row can never drift, whatever path wrote the appointment (the services, the admin, a
fixture). Bulk writes that bypass save() (seed_bench, a restore) are followed by
`manage.py rebuild_daily_figures`, which recounts everything in the database (the same
function the data migration runs).
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from appointments.models import Appointment
from desk.models import DailyFigures

CANCELLED = "cancelled"
NOSHOW = "noshow"
HOURS = [f"h{hour:02d}" for hour in range(24)]
BATCH = 5000


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


def refresh_day(doctor_id, day, *, appointment_model=None, figures_model=None):
    """Recount one doctor's local day at every site from its appointments."""
    appointment_model = appointment_model or Appointment
    figures_model = figures_model or DailyFigures
    since, until = _day_bounds(day)
    counts = ("visits", "active", "cancelled", "noshow", "seconds")
    rows = defaultdict(lambda: dict.fromkeys(counts, 0))
    hours = defaultdict(lambda: [0] * 24)
    visits = appointment_model.objects.filter(
        doctor_id=doctor_id, start__gte=since, start__lt=until
    ).values_list("site_id", "status", "start", "end")
    for site_id, status, start, end in visits:
        row = rows[site_id]
        row["visits"] += 1
        if status == CANCELLED:
            row["cancelled"] += 1
            continue
        row["active"] += 1
        row["noshow"] += status == NOSHOW
        row["seconds"] += int((end - start).total_seconds())
        hours[site_id][timezone.localtime(start).hour] += 1
    figures_model.objects.filter(doctor_id=doctor_id, day=day).delete()
    figures_model.objects.bulk_create(
        figures_model(
            day=day,
            doctor_id=doctor_id,
            site_id=site_id,
            visits=row["visits"],
            active=row["active"],
            cancelled=row["cancelled"],
            noshow=row["noshow"],
            booked_seconds=row["seconds"],
            **dict(zip(HOURS, hours[site_id], strict=True)),
        )
        for site_id, row in rows.items()
    )


def _key(doctor_id, start):
    if doctor_id is None or start is None:
        return None
    return doctor_id, timezone.localdate(start)


def remember(instance):
    """Note the doctor and day an appointment was loaded with (no query: only the fields
    already loaded), so that a move recounts the day it left."""
    instance._figures_key = _key(instance.__dict__.get("doctor_id"), instance.__dict__.get("start"))


def before_save(instance):
    """A row loaded without its doctor or start: read them before they change."""
    if instance.pk is not None and getattr(instance, "_figures_key", None) is None:
        old = type(instance).objects.filter(pk=instance.pk).values_list("doctor_id", "start")
        instance._figures_key = _key(*old[0]) if old else None


def after_change(instance, deleted=False):
    keys = {getattr(instance, "_figures_key", None)}
    if not deleted:
        keys.add(_key(instance.doctor_id, instance.start))
    for key in sorted(k for k in keys if k is not None):
        refresh_day(*key)
    remember(instance)


def rebuild(*, appointment_model=None, figures_model=None, since=None, until=None):
    """Recount the whole table (or the local days from `since` to `until`, inclusive)
    from the appointments, aggregated by the database. Returns the rows written."""
    appointment_model = appointment_model or Appointment
    figures_model = figures_model or DailyFigures
    tz = timezone.get_current_timezone()
    appointments = appointment_model.objects.order_by()
    figures = figures_model.objects.all()
    if since is not None:
        appointments = appointments.filter(start__gte=_day_bounds(since)[0])
        figures = figures.filter(day__gte=since)
    if until is not None:
        appointments = appointments.filter(start__lt=_day_bounds(until)[1])
        figures = figures.filter(day__lte=until)
    active = ~Q(status=CANCELLED)
    grouped = (
        appointments.annotate(
            _day=TruncDate("start", tzinfo=tz), _hour=ExtractHour("start", tzinfo=tz)
        )
        .values("_day", "doctor_id", "site_id")
        .annotate(
            visits=Count("pk"),
            active=Count("pk", filter=active),
            cancelled=Count("pk", filter=~active),
            noshow=Count("pk", filter=Q(status=NOSHOW)),
            booked=Sum(
                ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
                filter=active,
            ),
            **{name: Count("pk", filter=active & Q(_hour=hour)) for hour, name in enumerate(HOURS)},
        )
    )
    written = 0
    with transaction.atomic():
        figures.delete()
        batch = []
        for row in grouped.iterator(chunk_size=BATCH):
            booked = row["booked"]
            batch.append(
                figures_model(
                    day=row["_day"],
                    doctor_id=row["doctor_id"],
                    site_id=row["site_id"],
                    visits=row["visits"],
                    active=row["active"],
                    cancelled=row["cancelled"],
                    noshow=row["noshow"],
                    booked_seconds=int(booked.total_seconds()) if booked else 0,
                    **{name: row[name] for name in HOURS},
                )
            )
            if len(batch) >= BATCH:
                figures_model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        figures_model.objects.bulk_create(batch)
        written += len(batch)
    return written
