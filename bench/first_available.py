"""First available across 50 doctors, 3 sites and 14 days: CPU per search at two data
sizes, and its query count as the number of doctors grows.

    python bench/first_available.py SMALL_DB LARGE_DB [OUT.md]

Each database is one seeded by `manage.py seed_bench --doctors 600 --appointments N`
(600 doctors: 50 per specialty; three sites, a doctor at one of them each weekday; one
visit type; N appointments over two years ending at the booking horizon). bench/README.md
says how to make them; `bench/first_available.sh` does it all.

What is measured, per search (appointments.selectors.first_available, one specialty =
50 doctors, every site, the 14 days from the first bookable one): CPU, not wall time
(the machine's 2 cores are shared, and wall-clock figures swing 5-7x with other load):
this process's `time.process_time()` plus the PostgreSQL backend's user+system CPU from
`/proc/<pid>/stat` (the server runs on this machine). p50 and p95 over the runs after a
warm-up, the sizes interleaved so that other load falls on both alike. Query counts for
one site, one specialty (50 doctors) and every doctor (600) show the count does not grow
with the doctors.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

import django

django.setup()

from django.db import connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = 40
WARMUP = 5
TICKS = os.sysconf("SC_CLK_TCK")


def add_database(alias, name):
    settings = dict(connections.settings["default"])
    settings["NAME"] = name
    connections.settings[alias] = settings
    return alias


def backend_cpu(connection):
    """The PostgreSQL backend's CPU seconds so far (user + system)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def search(alias, visit_type, specialty, first, site=None):
    from appointments.selectors import first_available

    # The selectors use the default connection: point it at this database for the call.
    connections["default"], saved = connections[alias], connections["default"]
    try:
        return first_available(
            visit_type=visit_type,
            specialty=specialty,
            site=site,
            start_date=first,
            end_date=first + timedelta(days=13),
        )
    finally:
        connections["default"] = saved


def measure(alias, args):
    connection = connections[alias]
    pg_before = backend_cpu(connection)
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    slots = search(alias, *args)
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    pg = backend_cpu(connection) - pg_before
    return cpu + pg, cpu, pg, wall, len(slots)


def fixtures(alias):
    from appointments.models import Appointment
    from appointments.selectors import bookable_dates
    from doctors.models import Site, Specialty, VisitType

    visit_type = VisitType.objects.using(alias).get(name="Consultation")
    specialty = (
        Specialty.objects.using(alias).annotate(n=Count("doctors")).order_by("-n", "name").first()
    )
    first, _ = bookable_dates()
    return {
        "visit_type": visit_type,
        "specialty": specialty,
        "doctors": specialty.n,
        "site": Site.objects.using(alias).order_by("pk").first(),
        "first": first,
        "appointments": Appointment.objects.using(alias).count(),
    }


def query_count(alias, args):
    connection = connections[alias]
    with CaptureQueriesContext(connection) as captured:
        search(alias, *args)
    return len(captured)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(small, large, out):
    aliases = {"10k": add_database("small", small), "1M": add_database("large", large)}
    data = {label: fixtures(alias) for label, alias in aliases.items()}
    runs = {label: [] for label in aliases}
    for i in range(WARMUP + RUNS):
        order = list(aliases.items()) if i % 2 == 0 else list(aliases.items())[::-1]
        for label, alias in order:
            d = data[label]
            result = measure(alias, (d["visit_type"], d["specialty"], d["first"]))
            if i >= WARMUP:
                runs[label].append(result)
    lines = [
        "# First available: 50 doctors, 3 sites, 14 days",
        "",
        f"`python bench/first_available.py {small} {large}`; {RUNS} runs per size after "
        f"{WARMUP} warm-ups, sizes interleaved. CPU = this process's CPU + the PostgreSQL "
        "backend's CPU per search (wall time is shown too, but swings with the machine's "
        "other load).",
        "",
        "| size | appointments | doctors searched | slots found | CPU p50 | CPU p95 "
        "| of which PostgreSQL p95 | wall p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    p95 = {}
    for label in aliases:
        rows = runs[label]
        total = [r[0] * 1000 for r in rows]
        pg = [r[2] * 1000 for r in rows]
        wall = [r[3] * 1000 for r in rows]
        p95[label] = percentile(total, 95)
        lines.append(
            f"| {label} | {data[label]['appointments']:,} | {data[label]['doctors']} "
            f"| {rows[0][4]} | {statistics.median(total):.1f} ms | {p95[label]:.1f} ms "
            f"| {percentile(pg, 95):.1f} ms | {percentile(wall, 95):.1f} ms |"
        )
    ratio = p95["1M"] / p95["10k"]
    verdict = "met" if ratio <= 1.3 else "MISSED"
    lines += [
        "",
        f"**p95 CPU at 1M / at 10k: {ratio:.2f}x** (target at most 1.3x: {verdict}).",
        "",
        "Queries per search (1M database):",
        "",
    ]
    alias, d = aliases["1M"], data["1M"]
    from doctors.models import Doctor

    everyone = Doctor.objects.using(alias).count()
    for what, args in (
        (f"one specialty ({d['doctors']} doctors)", (d["visit_type"], d["specialty"], d["first"])),
        (
            f"one specialty at one site ({d['site'].name})",
            (d["visit_type"], d["specialty"], d["first"], d["site"]),
        ),
        (f"every doctor ({everyone})", (d["visit_type"], None, d["first"])),
    ):
        lines.append(f"- {what}: {query_count(alias, args)} queries")
    text = "\n".join(lines) + "\n"
    if out:
        Path(out).write_text(text)
    print(text)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
