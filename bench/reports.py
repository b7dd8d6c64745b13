"""The reports page at a million appointments: how long it takes for a week, a month, a
quarter and a year, and how many queries it sends (which must not grow with the period).

    bench/reports.sh                 # seeds bench_reports (1 000 000 appointments) if empty
    python bench/reports.py OUT.md   # DATABASE_URL: a database seeded by seed_bench

In process, through Django's test client, logged in as the seed's IT superuser (with
its second factor given): the whole request (middleware, the report's queries, the
template with its SVG charts). Each period is asked REPEATS times after a warm-up; the
figures are wall time (p50/p95), this process's CPU time and the PostgreSQL backend's
CPU time (from /proc/<pid>/stat), since wall time on this shared machine swings with
other load (DESIGN.md). The ceiling view (/bench/ceiling) is timed alike for a ratio.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts import second_factor  # noqa: E402
from accounts.models import User  # noqa: E402
from appointments.models import Appointment  # noqa: E402

REPEATS = int(os.environ.get("REPORT_REPEATS", "20"))
WARM_UP = 3
PERIODS = [("week", 7), ("month", 30), ("quarter", 91), ("year", 365)]
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(pid):
    """User + system CPU of the PostgreSQL backend serving this connection."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def staff_client():
    user = User.objects.get(email="admin@bench.example")
    device = second_factor.authenticator(user) or TOTPDevice.objects.create(
        user=user, name=second_factor.AUTHENTICATOR, confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[second_factor.REQUIRED] = True
    session.save()
    return client


def measure(client, url, backend_pid):
    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200
    walls, cpus, dbs, queries = [], [], [], set()
    for _ in range(REPEATS):
        db_before = backend_cpu_seconds(backend_pid) if backend_pid else 0.0
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        walls.append(time.perf_counter() - wall_before)
        cpus.append(time.process_time() - cpu_before)
        dbs.append((backend_cpu_seconds(backend_pid) - db_before) if backend_pid else 0.0)
        assert response.status_code == 200, response.status_code
        queries.add(len(captured))
    return walls, cpus, dbs, queries


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main(out):
    client = staff_client()
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    today = timezone.localdate()
    total = Appointment.objects.count()
    lines = [
        "# Reports page at scale",
        "",
        f"{total:,} appointments in the database ({connection.vendor}); each period ends "
        f"today ({today}); {REPEATS} requests each after {WARM_UP} to warm up; one at a "
        f"time, in process. Load average at the start: {os.getloadavg()[0]:.2f} "
        f"({os.cpu_count()} cores).",
        "",
        "| period | appointments in it | queries | wall p50 | wall p95 | app CPU p95 "
        "| PostgreSQL CPU p95 | app + PostgreSQL CPU p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ceiling_walls, ceiling_cpus, _dbs, _q = measure(client, "/bench/ceiling", None)
    for name, days in PERIODS:
        start = today - timedelta(days=days - 1)
        in_period = Appointment.objects.filter(
            start__date__gte=start, start__date__lte=today
        ).count()
        url = f"/desk/reports/?start={start.isoformat()}&end={today.isoformat()}"
        walls, cpus, dbs, queries = measure(client, url, backend_pid)
        both = [a + b for a, b in zip(cpus, dbs, strict=True)]
        lines.append(
            f"| {name} | {in_period:,} | {', '.join(map(str, sorted(queries)))} "
            f"| {statistics.median(walls) * 1000:.0f} ms | {p95(walls) * 1000:.0f} ms "
            f"| {p95(cpus) * 1000:.0f} ms | {p95(dbs) * 1000:.0f} ms | {p95(both) * 1000:.0f} ms |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"The ceiling view in the same process: wall p50 "
        f"{statistics.median(ceiling_walls) * 1000:.1f} ms, CPU p50 "
        f"{statistics.median(ceiling_cpus) * 1000:.1f} ms.",
        "",
        "Target (issue 17): a year's report with p95 under 1 s, and a query count that does "
        "not grow with the period.",
    ]
    Path(out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/reports.md")
