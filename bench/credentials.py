"""Prepare what the load driver needs from a seeded benchmark database, as JSON.

    python bench/credentials.py OUT.json      (same environment as the servers)

Logging in through the site would measure password hashing and hit the login rate
limit (every virtual user comes from 127.0.0.1), so this mints the credentials the
site itself would issue: JWT access tokens of an API log-in (as POST /api/auth/token
does) and database sessions (as the login form does; a doctor's with the second factor
given, as the code page leaves it, from an authenticator set up here if they have none).
It also picks free slots for the booking scenario (each used once) and, for the race
check, one doctor's 10 free slots and 200 patients.
"""

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts import second_factor  # noqa: E402
from accounts.api import TokenObtainSerializer  # noqa: E402
from accounts.models import User  # noqa: E402
from appointments.selectors import bookable_dates, free_slots  # noqa: E402
from doctors.models import Doctor  # noqa: E402

BOOKING_TOKENS = 3000
# Enough for every booking run, warm-ups included, to aim at slots of its own (run.py).
BOOKING_SLOTS = 24000
SESSIONS = 300
RACE_PATIENTS = 200
RACE_SLOTS = 10


def session_for(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend that logged the user in must be one of AUTHENTICATION_BACKENDS, or
    # Django treats the session as anonymous (the dashboard would answer the log-in page).
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[second_factor.REQUIRED] = second_factor.required_for(user)
    if session[second_factor.REQUIRED]:
        device = second_factor.authenticator(user) or TOTPDevice.objects.create(
            user=user, name=second_factor.AUTHENTICATOR, confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


def token_for(user):
    return str(TokenObtainSerializer.get_token(user).access_token)


def main(out):
    rng = random.Random(7)
    first, _ = bookable_dates()
    last = first + timedelta(days=13)
    doctors = list(Doctor.objects.directory().order_by("pk"))
    race_doctor, pool_doctors = doctors[-1], doctors[:-1]
    patients = list(
        User.objects.filter(role=User.Role.PATIENT, email__endswith="@bench.example")
        .select_related("patient")
        .order_by("?")[: BOOKING_TOKENS + RACE_PATIENTS + SESSIONS]
    )
    booking_patients = patients[:BOOKING_TOKENS]
    race_patients = patients[BOOKING_TOKENS : BOOKING_TOKENS + RACE_PATIENTS]
    session_patients = patients[BOOKING_TOKENS + RACE_PATIENTS :]

    slots = []
    rng.shuffle(pool_doctors)
    for doctor in pool_doctors:
        if len(slots) >= BOOKING_SLOTS:
            break
        # Days 3 to 14 only: the first days' slots may fall inside the minimum notice later.
        found = free_slots(doctor, first + timedelta(days=2), last)
        slots += [[doctor.pk, slot.start.isoformat()] for slot in found[:60]]
    rng.shuffle(slots)
    race_slots = free_slots(race_doctor, first + timedelta(days=2), last)[:RACE_SLOTS]
    if len(race_slots) < RACE_SLOTS:
        raise SystemExit("The race doctor has fewer than 10 free slots.")

    doctor_users = User.objects.filter(doctor__in=doctors[:SESSIONS])
    data = {
        "today": timezone.localdate().isoformat(),
        "slots_start": first.isoformat(),
        "slots_end": last.isoformat(),
        "doctor_ids": [doctor.pk for doctor in doctors],
        "directory_pages": max(1, (len(doctors) + 19) // 20),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "patient_sessions": [session_for(user) for user in session_patients],
        "doctor_sessions": [session_for(user) for user in doctor_users],
        "booking_tokens": [token_for(user) for user in booking_patients],
        "booking_slots": slots,
        "race": {
            "doctor": race_doctor.pk,
            "slots": [slot.start.isoformat() for slot in race_slots],
            "tokens": [token_for(user) for user in race_patients],
        },
    }
    Path(out).write_text(json.dumps(data))
    print(
        f"credentials: {len(data['booking_tokens'])} tokens, {len(slots)} free slots, "
        f"{len(data['patient_sessions'])} patient and {len(data['doctor_sessions'])} doctor "
        f"sessions -> {out}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
