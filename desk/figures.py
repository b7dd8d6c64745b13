"""The reports' summary tables (DailyFigures, FirstVisit), kept exact.

They follow every save and delete of an appointment, in the same transaction as the
change (desk.apps connects the signals), whatever wrote it (the services, the admin, a
fixture):

* a new appointment adds its counts to its doctor's day with one upsert of increments,
  and lowers its patient's first visit (clinic-wide and at its site) with another;
* a change or a deletion recounts the doctor's day (and the day it left, when it moved)
  and the patient's first visits from the appointments themselves, after locking the
  patient's and the doctor's rows (as booking does), so a recount never races a booking.

Bulk writes that bypass save() (seed_bench, a restore) are followed by `manage.py
rebuild_daily_figures`, which recounts everything (the function the data migration runs).
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from appointments.models import Appointment
from desk.models import ALL_SITES, DailyFigures, FirstVisit
from doctors.models import Doctor
from patients.models import Patient

CANCELLED = "cancelled"
NOSHOW = "noshow"
HOURS = [f"h{hour:02d}" for hour in range(24)]
COUNTS = ["visits", "active", "cancelled", "noshow", "booked_seconds"]
BATCH = 5000


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


def _contribution(status, start, end):
    """What one appointment adds to its day's row."""
    counts = dict.fromkeys(COUNTS + HOURS, 0)
    counts["visits"] = 1
    if status == CANCELLED:
        counts["cancelled"] = 1
        return counts
    counts["active"] = 1
    counts["noshow"] = int(status == NOSHOW)
    counts["booked_seconds"] = int((end - start).total_seconds())
    counts[HOURS[timezone.localtime(start).hour]] = 1
    return counts


# -- a new appointment: increments --------------------------------------------------------


def _add(appointment):
    columns = COUNTS + HOURS
    counts = _contribution(appointment.status, appointment.start, appointment.end)
    table = DailyFigures._meta.db_table
    names = ", ".join(["day", "doctor_id", "site_id", *columns])
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    placeholders = ", ".join(["%s"] * (3 + len(columns)))
    day = connection.ops.adapt_datefield_value(timezone.localdate(appointment.start))
    start = connection.ops.adapt_datetimefield_value(appointment.start)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders}) "  # nosec B608 (names are ours)
            f"ON CONFLICT (doctor_id, day, site_id) DO UPDATE SET {sums}",
            [day, appointment.doctor_id, appointment.site_id, *(counts[c] for c in columns)],
        )
        if appointment.status == CANCELLED:
            return
        first = FirstVisit._meta.db_table
        earlier = "LEAST" if connection.vendor == "postgresql" else "MIN"
        cursor.execute(
            f"INSERT INTO {first} (patient_id, site, start) VALUES (%s, %s, %s), (%s, %s, %s) "  # nosec B608
            f"ON CONFLICT (patient_id, site) DO UPDATE SET "
            f"start = {earlier}({first}.start, excluded.start)",
            [
                appointment.patient_id,
                ALL_SITES,
                start,
                appointment.patient_id,
                appointment.site_id,
                start,
            ],
        )


# -- a change: recounts -------------------------------------------------------------------


def refresh_day(doctor_id, day):
    """Recount one doctor's local day at every site from its appointments."""
    since, until = _day_bounds(day)
    rows = defaultdict(lambda: dict.fromkeys(COUNTS + HOURS, 0))
    visits = Appointment.objects.filter(
        doctor_id=doctor_id, start__gte=since, start__lt=until
    ).values_list("site_id", "status", "start", "end")
    for site_id, status, start, end in visits:
        row = rows[site_id]
        for name, value in _contribution(status, start, end).items():
            row[name] += value
    DailyFigures.objects.filter(doctor_id=doctor_id, day=day).delete()
    DailyFigures.objects.bulk_create(
        DailyFigures(day=day, doctor_id=doctor_id, site_id=site_id, **row)
        for site_id, row in rows.items()
    )


def refresh_patient(patient_id):
    """Recount a patient's first visits (clinic-wide and per site)."""
    firsts = dict(
        Appointment.objects.filter(patient_id=patient_id)
        .exclude(status=CANCELLED)
        .order_by()
        .values("site_id")
        .annotate(first=Min("start"))
        .values_list("site_id", "first")
    )
    if firsts:
        firsts[ALL_SITES] = min(firsts.values())
    FirstVisit.objects.filter(patient_id=patient_id).delete()
    FirstVisit.objects.bulk_create(
        FirstVisit(patient_id=patient_id, site=site, start=start) for site, start in firsts.items()
    )


def _key(doctor_id, start):
    if doctor_id is None or start is None:
        return None
    return doctor_id, timezone.localdate(start)


def remember(instance):
    """Note the doctor and day an appointment was loaded with (no query: only the fields
    already loaded), so that a move recounts the day it left."""
    loaded = instance.__dict__
    instance._figures_key = _key(loaded.get("doctor_id"), loaded.get("start"))


def before_save(instance):
    """A row loaded without its doctor or start: read them before they change."""
    if instance.pk is not None and getattr(instance, "_figures_key", None) is None:
        old = Appointment.objects.filter(pk=instance.pk).values_list("doctor_id", "start")
        instance._figures_key = _key(*old[0]) if old else None


def after_change(instance, *, created=False, deleted=False):
    if created:
        _add(instance)
    elif connection.in_atomic_block:
        _recount(instance, deleted)
    else:  # a save outside any transaction (a script): the recount makes its own
        with transaction.atomic():
            _recount(instance, deleted)
    remember(instance)


def _recount(instance, deleted):
    keys = {getattr(instance, "_figures_key", None)}
    if not deleted:
        keys.add(_key(instance.doctor_id, instance.start))
    keys = sorted(key for key in keys if key is not None)
    # The rows booking locks (the patient, then the doctor; appointments.services._lock),
    # in the same order: a recount waits for a booking of the same patient or doctor to
    # commit, and the other way round.
    doctors = sorted({doctor_id for doctor_id, _day in keys})
    list(Patient.objects.select_for_update().filter(pk=instance.patient_id).values_list("pk"))
    list(Doctor.objects.select_for_update().filter(pk__in=doctors).values_list("pk"))
    for key in keys:
        refresh_day(*key)
    refresh_patient(instance.patient_id)


# -- everything: the rebuild ----------------------------------------------------------------


def rebuild(*, appointment_model=None, figures_model=None, first_model=None):
    """Recount both tables from the appointments, aggregated by the database. Returns
    the rows of daily figures written."""
    appointment_model = appointment_model or Appointment
    figures_model = figures_model or DailyFigures
    first_model = first_model or FirstVisit
    tz = timezone.get_current_timezone()
    appointments = appointment_model.objects.order_by()
    active = ~Q(status=CANCELLED)
    grouped = (
        appointments.annotate(
            _day=TruncDate("start", tzinfo=tz), _hour=ExtractHour("start", tzinfo=tz)
        )
        .values("_day", "doctor_id", "site_id")
        .annotate(
            _visits=Count("pk"),
            _active=Count("pk", filter=active),
            _cancelled=Count("pk", filter=~active),
            _noshow=Count("pk", filter=Q(status=NOSHOW)),
            _booked=Sum(
                ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
                filter=active,
            ),
            **{f"_{name}": Count("pk", filter=active & Q(_hour=h)) for h, name in enumerate(HOURS)},
        )
    )
    firsts = (
        appointments.filter(active)
        .values("patient_id", "site_id")
        .annotate(first=Min("start"))
        .order_by("patient_id")
    )
    written = 0
    with transaction.atomic():
        figures_model.objects.all().delete()
        first_model.objects.all().delete()
        batch = []
        for row in grouped.iterator(chunk_size=BATCH):
            booked = row["_booked"]
            counts = {name: row[f"_{name}"] for name in ["visits", "active", "cancelled", "noshow"]}
            batch.append(
                figures_model(
                    day=row["_day"],
                    doctor_id=row["doctor_id"],
                    site_id=row["site_id"],
                    booked_seconds=int(booked.total_seconds()) if booked else 0,
                    **counts,
                    **{name: row[f"_{name}"] for name in HOURS},
                )
            )
            if len(batch) >= BATCH:
                written += len(figures_model.objects.bulk_create(batch))
                batch = []
        written += len(figures_model.objects.bulk_create(batch))
        batch, patient, earliest = [], None, None
        for row in firsts.iterator(chunk_size=BATCH):
            if row["patient_id"] != patient:
                if patient is not None:
                    batch.append(first_model(patient_id=patient, site=ALL_SITES, start=earliest))
                patient, earliest = row["patient_id"], row["first"]
            earliest = min(earliest, row["first"])
            batch.append(first_model(patient_id=patient, site=row["site_id"], start=row["first"]))
            if len(batch) >= BATCH:
                first_model.objects.bulk_create(batch)
                batch = []
        if patient is not None:
            batch.append(first_model(patient_id=patient, site=ALL_SITES, start=earliest))
        first_model.objects.bulk_create(batch)
    return written
