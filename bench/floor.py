"""What each main request costs in CPU, in process, as a ratio to the trivial view measured
in the same run, and how many SQL statements it sends (issue #18).

    python bench/floor.py OUT.md      (DATABASE_URL: a seeded bench database, as run.py sets)

CPU, not wall time: these machines are shared, and a request's wall time is mostly other
people's work. A request's cost is this process's CPU (`time.process_time`: Django, DRF,
the ORM, the cache client) plus the CPU of the PostgreSQL backend serving this
connection (`/proc/<backend pid>/schedstat`, nanoseconds on the CPU; the database runs
on the same machine). Redis's own CPU is left out (a few microseconds a command).

Each scenario runs one request at a time through Django's whole handler and middleware
(django.test.Client, no HTTP server), the request log written to /dev/null; figures are
the median of BATCHES batches, and each scenario's batches alternate with batches of the
trivial view, whose median beside it is the ratio's reference (the machine's load shifts
CPU times too: cache and frequency; interleaving puts both under the same). The
statement counts are of one request after the warm-up; they are deterministic, and CI
holds them to the budgets in tests/test_query_budgets.py (shown beside them): only the
times are merely reported.
"""

import datetime
import json
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.api import TokenObtainSerializer  # noqa: E402
from accounts.models import User  # noqa: E402
from doctors.models import Doctor  # noqa: E402

BATCHES = int(os.environ.get("FLOOR_BATCHES", "7"))
PER_BATCH = int(os.environ.get("FLOOR_PER_BATCH", "40"))
BOOKINGS_PER_BATCH = int(os.environ.get("FLOOR_BOOKINGS_PER_BATCH", "20"))
# (key, what, target as × the trivial view's CPU, or None)
SCENARIOS = [
    ("ceiling", "trivial JSON view `GET /bench/ceiling` (the reference)", None),
    ("me", "`GET /api/auth/me` (bearer token)", 4),
    ("doctor_list_authenticated", "doctor directory, API `GET /api/doctors/` (bearer token)", 10),
    ("home", "HTML home page `GET /` with the next free times (anonymous)", None),
    ("directory", "doctor directory, HTML `GET /doctors/` with next free times (anonymous)", 10),
    ("doctor_slots", "free slots for 14 days `GET /api/doctors/<id>/slots`", 10),
    ("booking_page", "HTML booking page `GET /appointments/book/<id>/`, one week (patient)", 25),
    ("booking", "booking `POST /api/appointments/` (bearer token)", 15),
]


def budgets():
    """The statement budgets CI holds each scenario to (tests/test_query_budgets.py)."""
    try:
        from tests import test_query_budgets as tests
    except ImportError:  # the dev extra (pytest, factory-boy) is not installed
        return {}
    return {**tests.PAGE_BUDGETS, **tests.API_BUDGETS}


def backend_cpu_seconds():
    """CPU time the PostgreSQL backend of this connection has used so far."""
    if connection.vendor != "postgresql":
        return 0.0
    pid = connection.connection.info.backend_pid
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):  # not on this machine, or no schedstat
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _batch(call, count):
    app, db = time.process_time(), backend_cpu_seconds()
    for _ in range(count):
        call()
    app = (time.process_time() - app) / count * 1000
    db = (backend_cpu_seconds() - db) / count * 1000
    return app + db, app, db


def cpu_ms(call, *, reference, batches=BATCHES, per_batch=PER_BATCH, warmup=None):
    """Median over batches of (app CPU, database CPU) per call, in ms; and the same of
    `reference` (the trivial view), measured in batches interleaved with these, so that
    the ratio compares times taken under the same load on the machine."""
    for _ in range(per_batch // 4 if warmup is None else warmup):
        call()
    samples, references = [], []
    for _ in range(batches):
        references.append(_batch(reference, PER_BATCH)[0])
        samples.append(_batch(call, per_batch))
    total = statistics.median(s[0] for s in samples)
    return {
        "ms": total,
        "app_ms": statistics.median(s[1] for s in samples),
        "db_ms": statistics.median(s[2] for s in samples),
        "reference_ms": statistics.median(references),
    }


def statements(call):
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


class Requests:
    """The calls of each scenario, with the data they need from the seeded database."""

    def __init__(self):
        host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"
        secure = settings.SECURE_SSL_REDIRECT
        self.client = Client(HTTP_HOST=host, secure=secure)
        patients = list(
            User.objects.filter(role=User.Role.PATIENT, is_active=True).order_by("pk")[:2000]
        )
        self.reader = self.bearer(patients[0])
        self.booking_tokens = iter([self.bearer(user) for user in patients[1:]])
        self.browser = Client(HTTP_HOST=host, secure=secure)
        self.browser.force_login(patients[0])
        self.doctors = list(Doctor.objects.directory().order_by("pk").values_list("pk", flat=True))
        self.doctor = self.doctors[len(self.doctors) // 2]
        today = timezone.localdate()
        self.start, self.end = today + datetime.timedelta(days=7), today + datetime.timedelta(20)
        self.slots = iter(self.free_slots())
        self.answers = {}

    @staticmethod
    def bearer(user):
        return f"Bearer {TokenObtainSerializer.get_token(user).access_token}"

    def free_slots(self):
        """Free slots of many doctors, each booked once (through the API, as a client would)."""
        far = timezone.localdate() + datetime.timedelta(days=30)
        slots = []
        for pk in self.doctors[-80:]:
            answer = self.client.get(
                f"/api/doctors/{pk}/slots",
                {"start": far.isoformat(), "end": (far + datetime.timedelta(13)).isoformat()},
            )
            slots += [(pk, slot["start"]) for slot in answer.json()[:12]]
        return slots

    def call(self, key):
        if key == "ceiling":
            return self.client.get("/bench/ceiling")
        if key == "me":
            return self.client.get("/api/auth/me", HTTP_AUTHORIZATION=self.reader)
        if key == "doctor_list_authenticated":
            return self.client.get("/api/doctors/", HTTP_AUTHORIZATION=self.reader)
        if key == "home":
            return self.client.get("/")
        if key == "directory":
            return self.client.get("/doctors/")
        if key == "doctor_slots":
            return self.client.get(
                f"/api/doctors/{self.doctor}/slots",
                {"start": self.start.isoformat(), "end": self.end.isoformat()},
            )
        if key == "booking_page":
            return self.browser.get(f"/appointments/book/{self.doctor}/")
        if key == "booking":
            doctor, start = next(self.slots)
            response = self.client.post(
                "/api/appointments/",
                {"doctor": doctor, "start": start, "reason": "Benchmark"},
                content_type="application/json",
                HTTP_AUTHORIZATION=next(self.booking_tokens),
            )
            self.answers[response.status_code] = self.answers.get(response.status_code, 0) + 1
            return response
        raise KeyError(key)


def quiet_request_log():
    """The request log still formats its line and writes it, to /dev/null."""
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    for handler in logging.getLogger("healthcare.request").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def measure():
    quiet_request_log()
    requests = Requests()
    results = {}
    reference = lambda: requests.call("ceiling")  # noqa: E731
    for key, _what, _target in SCENARIOS:
        call = lambda key=key: requests.call(key)  # noqa: E731
        status = call().status_code
        if key == "booking":
            figures = cpu_ms(call, reference=reference, per_batch=BOOKINGS_PER_BATCH, warmup=3)
        else:
            figures = cpu_ms(call, reference=reference)
        results[key] = {**figures, "status": status, "statements": statements(call)}
    return results, requests.answers


def report(results, answers):
    limits = budgets()
    lines = [
        f"CPU per request, in process (this process + its PostgreSQL backend), median of "
        f"{BATCHES} batches of {PER_BATCH} ({BOOKINGS_PER_BATCH} bookings; their answers: "
        f"{answers}); as a ratio to the trivial view, measured in batches interleaved with "
        "each scenario's:",
        "",
        "| request | CPU ms (app + db) | trivial view beside it, ms | × trivial | target "
        "| statements | CI budget |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, what, target in SCENARIOS:
        r = results[key]
        ratio = r["ms"] / r["reference_ms"] if r["reference_ms"] else float("nan")
        verdict = "" if target is None else (" ✓" if ratio <= target else " ✗")
        lines.append(
            f"| {what} | {r['ms']:.2f} ({r['app_ms']:.2f} + {r['db_ms']:.2f}) | "
            f"{r['reference_ms']:.2f} | {ratio:.1f}×{verdict} | "
            f"{'—' if target is None else f'≤ {target}×'} | "
            f"{r['statements']} | {limits.get(key, '—')} |"
        )
    lines += [
        "",
        "✓/✗: within the target or not (reported, never failed on). Statement counts above "
        "their CI budget fail `make test` (tests/test_query_budgets.py).",
        "",
    ]
    return "\n".join(lines)


def main(out):
    results, answers = measure()
    text = report(results, answers)
    Path(out).write_text(text)
    Path(out).with_suffix(".json").write_text(json.dumps(results, indent=2))
    print(text)


if __name__ == "__main__":
    main(sys.argv[1])
