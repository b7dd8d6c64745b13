"""EXPLAIN ANALYZE of the queries that free-slot search and booking really run.

    python bench/explain.py OUT.md        (DATABASE_URL: a seeded benchmark database)

It runs appointments.selectors.free_slots (14 days) and appointments.services.
book_appointment for the busiest doctor, captures the SQL Django sends, and asks
PostgreSQL for the plan and timing of each statement. The booking happens inside a
transaction that is rolled back, so the database is left as it was.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appointments.models import Appointment  # noqa: E402
from appointments.selectors import bookable_dates, free_slots  # noqa: E402
from appointments.services import book_appointment  # noqa: E402
from doctors.models import Doctor  # noqa: E402
from patients.models import Patient  # noqa: E402


class Rollback(Exception):
    pass


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def plans(captured, keep):
    out = []
    for query in captured:
        sql = query["sql"]
        if keep(sql):
            out.append(f"```sql\n{sql}\n```\n\n```\n{explain(sql)}\n```\n")
    return out


def main(out):
    first, _ = bookable_dates()
    last = first + timedelta(days=13)
    window = Q(appointments__start__date__gte=first, appointments__start__date__lte=last)
    doctor = (
        Doctor.objects.directory()
        .annotate(n=Count("appointments", filter=window))
        .order_by("-n")
        .first()
    )
    doctor = Doctor.objects.select_related("user").get(pk=doctor.pk)
    total = Appointment.objects.count()

    timings = []
    for _ in range(30):
        started = time.perf_counter()
        free_slots(doctor, first, last)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as search:
        slots = free_slots(doctor, first, last)

    patient = Patient.objects.select_related("user").order_by("pk").first()
    slot = slots[len(slots) // 2]
    with CaptureQueriesContext(connection) as booking:
        try:
            with transaction.atomic():
                book_appointment(
                    patient=patient, doctor=doctor, start=slot.start, booked_by=patient.user
                )
                booking_plans = plans(
                    booking.captured_queries, lambda s: s.lstrip("(").startswith("SELECT")
                )
                raise Rollback
        except Rollback:
            pass

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'appointments_appointment' ORDER BY indexname"
        )
        indexes = cursor.fetchall()
    lines = [
        f"### {total:,} appointments: {connection.settings_dict['NAME']}",
        "",
        f"Doctor {doctor.pk} (the busiest in the 14 days from {first}): "
        f"{len(slots)} free slots; free_slots() ran {len(search.captured_queries)} queries, "
        f"median {statistics.median(timings):.2f} ms, "
        f"p95 {sorted(timings)[int(len(timings) * 0.95) - 1]:.2f} ms over {len(timings)} runs "
        "(in process, no HTTP).",
        "",
        "Indexes on appointments_appointment:",
        "",
        *[f"- `{name}`: `{definition}`" for name, definition in indexes],
        "",
        "#### Free-slot search (14 days)",
        "",
        *plans(search.captured_queries, lambda s: True),
        f"#### Booking ({len(booking.captured_queries)} statements; the SELECTs)",
        "",
        *booking_plans,
    ]
    Path(out).write_text("\n".join(lines))
    print(f"explain -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
