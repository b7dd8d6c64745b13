"""What a request costs inside Django, in process: the ceiling view, an authenticated API
read, one committed INSERT and a whole API booking. From these and the ceiling's measured
throughput it bounds the booking throughput any correct booking can reach on this
machine with this stack (DRF, simplejwt, Django's ORM: DESIGN.md's, not optional).

    python bench/floor.py OUT.md CEILING_RPS      (DATABASE_URL: a seeded bench database)

Each figure is the median of several batches, one request at a time, with logging off.
Under load the machine spends `cores / ceiling req/s` per ceiling request; what the
ceiling view costs in process is part of it, the rest (HTTP parsing, gunicorn, the load
driver, the kernel) is paid by every request alike. A booking must at least do what the
authenticated read does (token, user, a query, a serialized answer) and commit one
INSERT.
"""

import datetime
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.api import TokenObtainSerializer  # noqa: E402
from accounts.models import User  # noqa: E402
from appointments.models import Appointment  # noqa: E402
from appointments.selectors import bookable_dates, free_slots  # noqa: E402
from doctors.models import Doctor  # noqa: E402

BATCHES, PER_BATCH = 5, 100


def median_ms(call, batches=BATCHES, per_batch=PER_BATCH):
    for _ in range(per_batch // 4):  # warm the code paths and the caches
        call()
    times = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(per_batch):
            call()
        times.append((time.perf_counter() - started) / per_batch * 1000)
    return statistics.median(times)


def main(out, ceiling_rps):
    logging.disable(logging.CRITICAL)  # no request log lines: a lower bound
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0]
    client = Client(HTTP_HOST=host)
    patients = list(
        User.objects.filter(role=User.Role.PATIENT, is_active=True).order_by("pk")[:1000]
    )
    tokens = iter(
        [f"Bearer {TokenObtainSerializer.get_token(user).access_token}" for user in patients]
    )
    bearer = next(tokens)

    ceiling = median_ms(lambda: client.get("/bench/ceiling"))
    read = median_ms(lambda: client.get("/api/auth/me", HTTP_AUTHORIZATION=bearer))

    # One committed INSERT of an appointment, far beyond the booking horizon; removed after.
    doctor = Doctor.objects.order_by("pk").first()
    patient = patients[1].patient
    far = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
    length = datetime.timedelta(minutes=doctor.slot_minutes)
    made = []

    def insert():
        start = far + length * len(made)
        with transaction.atomic():
            made.append(
                Appointment.objects.create(
                    patient=patient, doctor=doctor, start=start, end=start + length
                ).pk
            )

    write = median_ms(insert)
    Appointment.objects.filter(pk__in=made).delete()

    # Whole API bookings, each of a free slot of its own by a patient of its own.
    first, last = bookable_dates()
    slots = []
    for candidate in Doctor.objects.directory().order_by("-pk")[:60]:
        found = free_slots(candidate, first + datetime.timedelta(days=20), last)
        slots += [(candidate.pk, slot.start.isoformat()) for slot in found[:15]]
    slots = iter(slots)
    answers = {}

    def book():
        doctor_id, start = next(slots)
        response = client.post(
            "/api/appointments/",
            {"doctor": doctor_id, "start": start, "reason": "Benchmark"},
            content_type="application/json",
            HTTP_AUTHORIZATION=next(tokens),
        )
        answers[response.status_code] = answers.get(response.status_code, 0) + 1

    booking = median_ms(book, batches=3, per_batch=100)

    cores = os.cpu_count() or 1
    per_request = cores / ceiling_rps * 1000  # ms of machine time per ceiling request
    outside = max(per_request - ceiling, 0)
    floor = outside + read + write
    lines = [
        f"In process, one request at a time (median of {BATCHES} batches; bookings: 3 "
        f"batches of {PER_BATCH}, answers {answers}):",
        "",
        "| what | ms in process |",
        "|---|---:|",
        f"| trivial JSON view (the ceiling) | {ceiling:.2f} |",
        f"| authenticated API read (`GET /api/auth/me`: the token, the user, one more "
        f"query, a serializer) | {read:.2f} |",
        f"| one committed INSERT (`BEGIN`, ORM `create`, `COMMIT`) | {write:.2f} |",
        f"| a whole API booking (`POST /api/appointments/`) | {booking:.2f} |",
        "",
        f"Under load the ceiling ran at {ceiling_rps:.0f} req/s on {cores} cores: "
        f"{per_request:.2f} ms of machine time per request, of which {outside:.2f} ms is "
        "spent outside Django's handler (HTTP, gunicorn, the load driver, the kernel) and "
        "is paid by every request alike.",
        "",
        f"- A booking cannot cost much less than that plus an authenticated read plus one "
        f"committed INSERT: {outside:.2f} + {read:.2f} + {write:.2f} = {floor:.2f} ms, so no "
        f"correct booking on this machine and stack gets much beyond "
        f"{per_request / floor:.2f}× the ceiling's throughput, even before it checks the "
        "calendar's rules (the database's waits count: it runs on the same cores).",
        f"- The booking as built costs {outside:.2f} + {booking:.2f} = "
        f"{outside + booking:.2f} ms by the same reckoning: "
        f"{per_request / (outside + booking):.2f}× (compare the measured ratio above).",
        "",
    ]
    Path(out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
