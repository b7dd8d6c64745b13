"""The whole load benchmark, one command: `bench/run.sh` (which runs this file).

For each data size (10 000 and 1 000 000 appointments by default) it seeds a PostgreSQL
database of its own (`bench_small`, `bench_large`) with `manage.py seed_bench`, starts
the app as in production (gunicorn with gunicorn.conf.py, PRODUCTION=true, DEBUG off,
whitenoise's compressed hashed static files, Redis as the cache) as two servers on two
ports over that one database and one Redis, and drives each scenario with locust
(headless, a separate process, loopback only), load spread over both servers. Then, on
the large data: EXPLAIN ANALYZE of free-slot search and booking, the 200-bookings race
and the login limit through both servers, and the fault script (PostgreSQL restarted,
Redis stopped). It writes a Markdown report to bench/results/ with the figures, the
ratios to the trivial view measured on the same servers, the machine and the commands.

Options: see `bench/run.sh --help`. Bounded: every locust run has a fixed duration.
"""

import argparse
import contextlib
import csv
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything runs from a snapshot of the tree taken at the start (see snapshot()).
SRC = ROOT
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/7"  # a database of its own: tests use /1
SCENARIOS = [
    # (locust class, request name in the stats, label)
    ("Ceiling", "ceiling", "trivial JSON view (ceiling)"),
    ("Directory", "directory", "doctor directory (HTML)"),
    ("FreeSlots", "free slots (14 days)", "free slots, one doctor, 14 days (API)"),
    ("Booking", "booking", "booking (API POST)"),
    ("MyAppointments", "my appointments", "a patient's appointments (HTML)"),
    ("DoctorDay", "doctor's day", "a doctor's day (HTML dashboard)"),
]
COMMANDS = []


def log(message):
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def run(cmd, env=None, capture=False, check=True, record=True):
    if record:
        COMMANDS.append(cmd if isinstance(cmd, str) else " ".join(str(c) for c in cmd))
    return subprocess.run(
        cmd,
        env=env,
        cwd=SRC,
        shell=isinstance(cmd, str),
        check=check,
        text=True,
        capture_output=capture,
    )


def psql(sql, database="postgres"):
    """The query's output, or "" if it fails (e.g. a database without tables)."""
    return run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],
        capture=True,
        check=False,
        record=False,
    ).stdout.strip()


def snapshot(workdir, attempts=10):
    """Copy the tree and run from the copy: servers that fork new workers (and import
    modules lazily) then run one consistent version of the code for the whole run, even
    if the working tree is edited meanwhile. Retries until `manage.py check` passes."""
    global SRC
    target = workdir / "src"
    excludes = [".venv", ".git", "media", "staticfiles", "db.sqlite3", "__pycache__"]
    excludes += [".pytest_cache", ".ruff_cache", "results", "node_modules"]
    for attempt in range(attempts):
        run(
            [
                *("rsync", "-a", "--delete"),
                *(f"--exclude={e}" for e in excludes),
                *(f"{ROOT}/", f"{target}/"),
            ],
            record=attempt == 0,
        )
        check = subprocess.run(
            [PY, "manage.py", "check"], cwd=target, capture_output=True, text=True
        )
        if check.returncode == 0:
            SRC = target
            return
        log(f"the tree does not pass `manage.py check` yet; retrying: {check.stderr[-300:]}")
        time.sleep(15)
    raise SystemExit("no consistent snapshot of the tree could be taken")


def services():
    if run("pg_isready -q -h 127.0.0.1 -p 5432", check=False, record=False).returncode:
        run("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    if run("redis-cli -h 127.0.0.1 ping", check=False, capture=True, record=False).returncode:
        run(
            'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
            "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
        )
    for _ in range(30):
        if not run("pg_isready -q -h 127.0.0.1", check=False, record=False).returncode:
            break
        time.sleep(1)


def app_env(database, workdir, extra=None):
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": REDIS_URL,
        "CONN_MAX_AGE": "600",
        "STATIC_ROOT": str(workdir / "static"),
        "DJANGO_SETTINGS_MODULE": "healthcare.settings",
    }
    env.update(extra or {})
    return env


def seed(database, appointments, workdir, reuse):
    env = app_env(database, workdir)
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    if reuse and exists:
        count = psql("SELECT count(*) FROM appointments_appointment", database)
        if count.isdigit() and int(count) >= appointments:
            log(f"{database}: reusing {count} appointments (migrated to the current code)")
            run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=env)
            return None
    log(f"{database}: creating, migrating and seeding {appointments:,} appointments")
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database])
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database])
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=env)
    started = time.perf_counter()
    run([PY, "manage.py", "seed_bench", "--appointments", str(appointments)], env=env)
    run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", "VACUUM ANALYZE"])
    return round(time.perf_counter() - started, 1)


class Servers:
    """`count` gunicorn servers on consecutive ports over one database and one Redis."""

    def __init__(self, database, workdir, count, workers, first_port=8101):
        self.env = app_env(database, workdir)
        self.hosts = [f"http://127.0.0.1:{first_port + i}" for i in range(count)]
        self.workers = workers
        self.workdir = workdir
        self.procs = []

    def __enter__(self):
        if not (self.workdir / "static" / "staticfiles.json").exists():  # once per run
            run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=self.env)
        for i, host in enumerate(self.hosts):
            env = {
                **self.env,
                "GUNICORN_BIND": host.removeprefix("http://"),
                "WEB_CONCURRENCY": str(self.workers),
                "GUNICORN_PROC_NAME": f"bench-{i + 1}",
            }
            out = open(self.workdir / f"server-{host.rsplit(':', 1)[1]}.log", "a")
            cmd = [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "healthcare.wsgi"]
            COMMANDS.append(
                f"GUNICORN_BIND={env['GUNICORN_BIND']} WEB_CONCURRENCY={self.workers} "
                "PRODUCTION=true DATABASE_URL=… REDIS_URL=… " + " ".join(cmd[1:])
            )
            self.procs.append(
                subprocess.Popen(cmd, cwd=SRC, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
        for host in self.hosts:
            wait_healthy(host)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_healthy(host, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{host}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{host} did not become healthy; see its log in the work folder")


def locust(cls, hosts, data_file, seconds, users, prefix, outcomes=None, slot_start=0):
    env = {
        **os.environ,
        "BENCH_SLOT_START": str(slot_start),
        "BENCH_HOSTS": ",".join(hosts),
        "BENCH_DATA": str(data_file),
        "BENCH_OUTCOMES": str(outcomes or ""),
    }
    cmd = [
        PY, "-m", "locust", "-f", str(SRC / "bench" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--reset-stats",
        "--only-summary", "--loglevel", "WARNING", "--csv", str(prefix), cls,
    ]  # fmt: skip
    run(cmd, env=env, capture=True, check=False)


def read_stats(prefix, name):
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == name:
                return {
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                }
    return None


def measure(labels, workdir, args):
    """Every scenario at every size, interleaved (A B, then B A, …) so that a change in
    the machine's other load during the run falls on both sizes alike. Each size has its
    own servers (ports 81xx for the first, 82xx for the second), all up at once."""
    results = {label: {} for label in labels}
    explains, extra = {}, {}
    with contextlib.ExitStack() as stack:
        servers, data = {}, {}
        for n, label in enumerate(labels):
            servers[label] = stack.enter_context(
                Servers(f"bench_{label}", workdir, args.servers, args.workers, 8101 + 100 * n)
            )
            data[label] = workdir / f"{label}.json"
            run(
                [PY, str(SRC / "bench" / "credentials.py"), str(data[label])],
                env=servers[label].env,
            )
        for cls, name, _ in SCENARIOS:
            if args.scenarios and cls not in args.scenarios:
                continue
            rounds = {label: [] for label in labels}
            for r in range(args.rounds):
                for label in labels if r % 2 == 0 else labels[::-1]:
                    hosts = servers[label].hosts
                    prefix = workdir / f"{label}-{cls}-{r + 1}"
                    # Each booking run, warm-ups included, aims at free slots of its own:
                    # an equal share of the minted list each.
                    share = len(minted_slots(data[label])) // (2 * args.rounds)
                    locust(
                        cls, hosts, data[label], args.warmup, args.users,
                        f"{prefix}-warmup", slot_start=(2 * r + 1) * share,
                    )  # fmt: skip
                    outcomes = workdir / f"{label}-{cls}-{r + 1}-outcomes.json"
                    locust(
                        cls, hosts, data[label], args.seconds, args.users, prefix,
                        outcomes, slot_start=2 * r * share,
                    )  # fmt: skip
                    stats = read_stats(prefix, name)
                    if stats and outcomes.exists():
                        stats["statuses"] = json.loads(outcomes.read_text())
                    if stats:
                        rounds[label].append(stats)
                    log(f"{label} {cls} round {r + 1}: {stats}")
            for label in labels:
                results[label][cls] = combine(rounds[label])
        for label in labels:
            explain = workdir / f"explain-{label}.md"
            run([PY, str(SRC / "bench" / "explain.py"), str(explain)], env=servers[label].env)
            explains[label] = explain.read_text()
        first, last = labels[0], labels[-1]
        floor = workdir / "floor.md"
        run([PY, str(SRC / "bench" / "floor.py"), str(floor)], env=servers[first].env)
        extra["floor"] = floor.read_text()
        extra["worker"] = drain_emails(servers[last].env, workdir)
        log(f"worker: {extra['worker']}")
        hosts = ",".join(servers[last].hosts)
        out = run(
            [PY, str(SRC / "bench" / "race.py"), str(data[last]), hosts],
            env=servers[last].env,
            capture=True,
        )
        extra["race"] = json.loads(out.stdout)
        log(f"race: {extra['race']}")
        if args.faults:
            out = run(
                [PY, str(SRC / "bench" / "faults.py"), str(data[last]), hosts],
                env=servers[last].env,
                capture=True,
            )
            extra["faults"] = json.loads(out.stdout)
            log(f"faults: {extra['faults']}")
    return results, explains, extra


def minted_slots(data_file):
    """The free slots bench/credentials.py minted for the booking runs."""
    return json.loads(Path(data_file).read_text())["booking_slots"]


ANNOUNCE = "appointments.tasks.announce"
DRAIN_TASKS = 500


def drain_emails(env, workdir):
    """The task worker sending the booking emails the load left queued (the app servers
    only enqueue them): `DRAIN_TASKS` of them, one worker process, timed."""

    def queued():
        sql = (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            f"WHERE task_path = '{ANNOUNCE}' AND status = 'READY'"
        )
        return int(psql(sql, env["DATABASE_URL"].rsplit("/", 1)[1]) or 0)

    before = queued()
    cmd = [PY, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload",
           "--max-tasks", str(DRAIN_TASKS), "-v0"]  # fmt: skip
    COMMANDS.append(" ".join(cmd[1:]) + "   # after the booking runs, console email")
    started = time.perf_counter()
    with open(workdir / "worker.log", "w") as out:
        subprocess.run(cmd, cwd=SRC, env={**env, "EMAIL_URL": "consolemail://"}, stdout=out,
                       stderr=subprocess.STDOUT, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    sent = before - queued()
    return {
        "queued_before": before,
        "tasks_run": sent,
        "seconds": round(seconds, 1),
        "tasks_per_second": round(sent / seconds, 1) if seconds else 0,
    }


def combine(rounds):
    """Several measured runs of one scenario: counts added, rates and latencies averaged."""
    if not rounds:
        return None
    combined = {
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "rounds": len(rounds),
    }
    for key in ("rps", "p50", "p95", "p99"):
        combined[key] = sum(r[key] for r in rounds) / len(rounds)
    statuses = {}
    for r in rounds:
        for code, n in r.get("statuses", {}).items():
            statuses[code] = statuses.get(code, 0) + n
    if statuses:
        combined["statuses"] = statuses
    return combined


def machine():
    def out(cmd):
        result = run(cmd, capture=True, check=False, record=False)
        return (result.stdout or result.stderr).strip().splitlines()[0] if result else ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
    return {
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": out([PY, "-c", "import django; print(django.get_version())"]),
        "gunicorn": out([PY, "-m", "gunicorn", "--version"]),
        "locust": out([PY, "-m", "locust", "--version"]),
        "postgresql": psql("SHOW server_version"),
        "redis": out(["redis-server", "--version"]),
    }


def ms(value):
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def table(results, ceiling_rps):
    lines = [
        "| scenario | requests | req/s | × ceiling | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cls, _, label in SCENARIOS:
        stats = results.get(cls)
        if not stats:
            continue
        ratio = stats["rps"] / ceiling_rps if ceiling_rps else 0
        note = ""
        if stats.get("statuses"):
            note = " (" + ", ".join(f"{k}: {v}" for k, v in sorted(stats["statuses"].items())) + ")"
        lines.append(
            f"| {label} | {stats['requests']} | {stats['rps']:.1f} | {ratio:.2f} | "
            f"{ms(stats['p50'])} | {ms(stats['p95'])} | {ms(stats['p99'])} | "
            f"{stats['errors']}{note} |"
        )
    return lines


def verdicts(small, large):
    lines = ["| budget | target | measured | met |", "|---|---|---|---|"]
    # The same trivial view can run slower on one pair of servers than on the other (it
    # touches no data): the second figure divides that out.
    base = 1.0
    if small.get("Ceiling") and large.get("Ceiling"):
        base = large["Ceiling"]["p95"] / small["Ceiling"]["p95"]
    for cls, label in (("FreeSlots", "free slots"), ("Booking", "booking")):
        if small.get(cls) and large.get(cls):
            ratio = large[cls]["p95"] / small[cls]["p95"]
            lines.append(
                f"| p95 of {label}, 1M vs 10k appointments | ≤ 1.3× | "
                f"{large[cls]['p95']:.0f} / {small[cls]['p95']:.0f} ms = {ratio:.2f}× "
                f"(÷ the trivial view's own 1M/10k p95 ratio {base:.2f}: "
                f"{ratio / base:.2f}×) | {'yes' if ratio <= 1.3 else 'no'} |"
            )
    for label, results in (("10k", small), ("1M", large)):
        if results.get("Booking") and results.get("Ceiling"):
            ratio = results["Booking"]["rps"] / results["Ceiling"]["rps"]
            lines.append(
                f"| booking throughput vs trivial view ({label}) | reported (the targets "
                "are CPU ratios: below) | "
                f"{results['Booking']['rps']:.1f} / {results['Ceiling']['rps']:.1f} req/s = "
                f"{ratio:.2f}× | — |"
            )
    return lines


def report(args, sizes, seeds, explains, extra, started):
    small, large = sizes.get("small", {}), sizes.get("large", {})
    lines = [
        "# Load benchmark",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {time.perf_counter() - T0:.0f} s in all. "
        f"{args.servers} gunicorn server(s) × {args.workers} sync workers on loopback, "
        "PRODUCTION=true, DEBUG off, PostgreSQL + Redis; locust headless in a separate "
        f"process, {args.users} users sending back to back (no think time), "
        f"users spread over the servers. Each scenario: {args.rounds} measured runs of "
        f"{args.seconds} s per size (after {args.warmup} s of warm-up each), the sizes "
        "interleaved (small, large, then large, small) against servers of their own that "
        "are all up at once; figures are the runs' means (requests and errors: sums). "
        "Latencies in ms (locust rounds them to 2 significant figures above 100 ms). "
        "× ceiling = req/s ÷ the trivial view's req/s at the same size.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine().items()],
        "",
    ]
    for label, count in (("small", args.small), ("large", args.large)):
        if label not in sizes:
            continue
        seeded = f"seeded in {seeds[label]} s" if seeds.get(label) else "reused"
        ceiling = (sizes[label].get("Ceiling") or {}).get("rps", 0)
        lines += [
            f"## {count:,} appointments (`bench_{label}`, {seeded})",
            "",
            *table(sizes[label], ceiling),
            "",
        ]
    lines += ["## Budgets", "", *verdicts(small, large), ""]
    if extra.get("race"):
        race, limit = extra["race"]["race"], extra["race"]["login_limit"]
        lines += [
            "## Through two app servers at once",
            "",
            f"- {race['requests']} concurrent bookings aimed at {race['slots']} slots over "
            f"{race['servers']} servers: answers {race['statuses']}; rows in the database "
            f"for those slots: {race['rows_in_database']} "
            f"({race['distinct_slots_taken']} distinct); {race['seconds']} s. "
            f"**{'OK' if race['ok'] else 'FAILED'}**",
            f"- Login limit: {limit['attempts']} wrong-password logins from one address, "
            f"alternating over {limit['servers']} servers: the first 429 came after "
            f"{limit['answered_before_first_429']} answered attempts "
            f"(answers {limit['statuses']}).",
            "",
        ]
    if extra.get("floor"):
        lines += ["## What each request costs in CPU, and its SQL statements", ""]
        lines += [extra["floor"], ""]
    if extra.get("worker"):
        worker = extra["worker"]
        lines += [
            "## Task worker",
            "",
            "The app servers only enqueue each booking's emails (in the booking's "
            "transaction); no worker ran during the load. Afterwards one `db_worker` process "
            f"sent {worker['tasks_run']} of the {worker['queued_before']} queued "
            f"announcements (2 emails each, console backend) in {worker['seconds']} s, "
            f"process start included: {worker['tasks_per_second']} bookings' emails per "
            "second per worker.",
            "",
        ]
    if extra.get("faults"):
        lines += [
            "## Faults",
            "",
            "```json",
            json.dumps(extra["faults"], indent=2),
            "```",
            "",
        ]
    for label, text in explains.items():
        lines += [f"## EXPLAIN ({label})", "", text, ""]
    lines += ["## Commands", "", "```sh", *COMMANDS, "```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000, help="appointments, small size")
    parser.add_argument("--large", type=int, default=1_000_000, help="appointments, large")
    parser.add_argument("--only", choices=["small", "large"], help="one size only")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--users", type=int, default=16, help="concurrent locust users")
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="measured runs per scenario")
    # Long enough to warm PostgreSQL's caches over a million rows, not only the servers.
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep seeded databases")
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--scenarios", nargs="*", help="locust classes to run (default: all)")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on errors, a failed race or fault check"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    args = parser.parse_args()

    started = datetime.now(UTC)
    workdir = Path(os.environ.get("BENCH_WORKDIR", f"/tmp/bench-{started:%Y%m%d-%H%M%S}"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"work folder (server logs, raw stats): {workdir}")
    snapshot(workdir)
    services()
    # The bench's own Redis database starts empty: no rate-limit counts from a last run.
    run(["redis-cli", "-h", "127.0.0.1", "-n", REDIS_URL.rsplit("/", 1)[1], "flushdb"])
    labels = [label for label in ("small", "large") if not args.only or args.only == label]
    counts = {"small": args.small, "large": args.large}
    seeds = {label: seed(f"bench_{label}", counts[label], workdir, args.reuse) for label in labels}
    sizes, explains, extra = measure(labels, workdir, args)
    explains = {f"{counts[label]:,} appointments": text for label, text in explains.items()}
    text = report(args, sizes, seeds, explains, extra, started)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    if out.resolve() != (workdir / out.name).resolve():
        shutil.copy(out, workdir / out.name)
    log(f"report -> {out}")
    problems = failures(sizes, extra)
    for problem in problems:
        log(f"FAILED: {problem}")
    if args.strict and problems:
        raise SystemExit(1)


def failures(sizes, extra):
    """What must hold whatever the machine: no errors, the race and the faults as expected."""
    problems = []
    for label, results in sizes.items():
        for cls, stats in results.items():
            if stats is None or stats["errors"] or not stats["requests"]:
                problems.append(f"{label} {cls}: {stats}")
    race = extra.get("race", {}).get("race")
    if race is not None and not race["ok"]:
        problems.append(f"booking race: {race}")
    pg = extra.get("faults", {}).get("postgres_restart")
    if pg is not None:
        codes = {
            code
            for phase in ("during_restart", "after")
            for kind in pg[phase].values()
            for code in kind["statuses"]
        }
        if codes - {"200", "201", "409", "503"}:
            problems.append(f"answers during/after the restart: {sorted(codes)}")
        if pg["bookings"]["lost_201"] or pg["bookings"]["duplicated_slots"]:
            problems.append(f"bookings across the restart: {pg['bookings']}")
        if pg["recovered_seconds_after_restart"] is None:
            problems.append("the servers did not recover after the restart")
    return problems


T0 = time.perf_counter()
SECRET_KEY = secrets.token_urlsafe(50)

if __name__ == "__main__":
    main()
