"""The load benchmark's scenarios, for locust (headless). bench/run.py runs one at a time:

    locust -f bench/locustfile.py --headless -u 16 -r 16 -t 20s Booking

Environment: BENCH_HOSTS (comma-separated base URLs; each virtual user sticks to one, in
turn, so load is spread over every app server), BENCH_DATA (the JSON written by
bench/credentials.py), BENCH_OUTCOMES (a JSON file where the booking scenario writes how
many bookings answered 201 and 409).

Every user sends requests back to back (no think time): the figures are what the
servers sustain at that concurrency. Status codes other than the expected one count as
errors, and so does a 409 except where noted.
"""

import itertools
import json
import os
import random
from collections import Counter
from pathlib import Path

from locust import FastHttpUser, constant, events, task

HOSTS = [h.strip().rstrip("/") for h in os.environ.get("BENCH_HOSTS", "").split(",") if h.strip()]
DATA = (
    json.loads(Path(os.environ["BENCH_DATA"]).read_text()) if os.environ.get("BENCH_DATA") else {}
)
_host_turn = itertools.count()
# The warm-up run books from further down the list than the measured run (BENCH_SLOT_START).
_slots = iter(DATA.get("booking_slots", [])[int(os.environ.get("BENCH_SLOT_START", "0")) :])
_tokens = itertools.cycle(DATA.get("booking_tokens", []) or [""])
OUTCOMES = Counter()


def _next_host():
    return HOSTS[next(_host_turn) % len(HOSTS)]


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    host = HOSTS[0] if HOSTS else "http://127.0.0.1:8000"

    def on_start(self):
        self.base = _next_host()
        self.rng = random.Random()

    def get(self, path, name, **kwargs):
        with self.client.get(
            self.base + path, name=name, catch_response=True, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Ceiling(BenchUser):
    """The trivial Django JSON view: what the stack alone costs."""

    @task
    def ceiling(self):
        self.get("/bench/ceiling", "ceiling")


class Directory(BenchUser):
    """The public doctor directory, a random page of it (HTML)."""

    @task
    def directory(self):
        page = self.rng.randint(1, DATA["directory_pages"])
        self.get(f"/doctors/?page={page}", "directory")


class FreeSlots(BenchUser):
    """One doctor's free slots over the next 14 days (JSON API, anonymous)."""

    @task
    def slots(self):
        doctor = self.rng.choice(DATA["doctor_ids"])
        self.get(
            f"/api/doctors/{doctor}/slots?start={DATA['slots_start']}&end={DATA['slots_end']}",
            "free slots (14 days)",
        )


class Booking(BenchUser):
    """POST /api/appointments/: a patient books a free slot; each slot is aimed at once.

    A 409 (someone else's seeded visit at that time) is a correct answer, counted apart.
    """

    @task
    def book(self):
        try:
            doctor, start = next(_slots)
        except StopIteration:
            self.environment.runner.quit()
            return
        token = next(_tokens)
        with self.client.post(
            self.base + "/api/appointments/",
            json={"doctor": doctor, "start": start, "reason": "Benchmark"},
            headers={"Authorization": f"Bearer {token}"},
            name="booking",
            catch_response=True,
        ) as response:
            OUTCOMES[response.status_code] += 1
            if response.status_code in (201, 409):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


class MyAppointments(BenchUser):
    """A patient's appointments page (HTML, logged in)."""

    def on_start(self):
        super().on_start()
        self.cookie = f"{DATA['session_cookie']}={self.rng.choice(DATA['patient_sessions'])}"

    @task
    def mine(self):
        self.get("/appointments/", "my appointments", headers={"Cookie": self.cookie})


class DoctorDay(BenchUser):
    """A doctor's dashboard: today, this week, later (HTML, logged in)."""

    def on_start(self):
        super().on_start()
        self.cookie = f"{DATA['session_cookie']}={self.rng.choice(DATA['doctor_sessions'])}"

    @task
    def schedule(self):
        self.get("/appointments/schedule/", "doctor's day", headers={"Cookie": self.cookie})


@events.quitting.add_listener
def _write_outcomes(environment, **kwargs):
    path = os.environ.get("BENCH_OUTCOMES")
    if path and OUTCOMES:
        with open(path, "w") as out:
            json.dump({str(code): n for code, n in OUTCOMES.items()}, out)
