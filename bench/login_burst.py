"""Do log-ins stall the site? The doctor list's latency, quiet and during a burst of 8
concurrent log-ins, against one production server (issue #18: p95 within 2× of quiet).

    python bench/login_burst.py OUT.md [--seconds 10] [--rounds 2] [--readers 2]
        (environment as run.py gives the servers: PRODUCTION, DATABASE_URL of a seeded
         bench database, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS)

It sets a known password on 8 patients (hashed as the site hashes: accounts/hashers.py),
starts `gunicorn -c gunicorn.conf.py healthcare.wsgi` on a spare port (its default
workers; the log-in limits raised so that they do not answer instead of the hasher),
then alternates quiet phases (`--readers` clients reading `GET /api/doctors/` with a
bearer token, back to back) and burst phases (the same, plus 8 clients logging in back
to back through `POST /api/auth/token`). Latencies are wall time (what a patient waits),
measured by the clients; the load driver shares the machine's cores with the server.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

from accounts.api import TokenObtainSerializer  # noqa: E402
from accounts.models import User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "burst-bench-correct-horse-7"  # nosec B105 (the bench's own test accounts)
LOGINS = 8
PORT = int(os.environ.get("BURST_PORT", "8311"))


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.retry_after = 0

    def request(self, method, path, body=None, headers=None):
        headers = {"Host": "localhost", **(headers or {})}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            status = response.status
            self.retry_after = float(response.getheader("Retry-After") or 0)
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status = 0
        return status, (time.perf_counter() - started) * 1000


def loop(stop, call, out):
    """`call` back to back; after a 503 it waits what Retry-After says, as an app would."""
    client = Client()
    while not stop.is_set():
        status, ms = call(client)
        out.append((status, ms))
        if status == 503:
            stop.wait(client.retry_after)


def phase(seconds, readers, bearer, users=None):
    stop = threading.Event()
    reads, logins = [], []
    threads = [
        threading.Thread(
            target=loop,
            args=(
                stop,
                lambda c: c.request("GET", "/api/doctors/", headers={"Authorization": bearer}),
                reads,
            ),
        )
        for _ in range(readers)
    ]
    for user in users or []:
        body = {"email": user.email, "password": PASSWORD}
        threads.append(
            threading.Thread(
                target=loop,
                args=(
                    stop,
                    lambda c, body=body: c.request("POST", "/api/auth/token", body),
                    logins,
                ),
            )
        )
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return reads, logins


def summary(reads, logins, seconds):
    latencies = [ms for status, ms in reads if status == 200]
    statuses = {}
    for status, _ms in logins:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "reads": len(reads),
        "read_errors": sum(1 for status, _ in reads if status != 200),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 95),
        "reads_per_s": len(latencies) / seconds,
        "logins": statuses,
        "logins_ok_per_s": statuses.get(200, 0) / seconds,
    }


def start_server():
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_PROC_NAME": "burst-bench",
        "RATE_LIMIT_LOGIN_IP": "1000000/15m",
        "RATE_LIMIT_LOGIN_ACCOUNT": "1000000/15m",
        "REQUEST_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "healthcare.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        status, _ms = Client().request("GET", "/healthz")
        if status == 200:
            return server
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not come up")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()

    users = list(User.objects.filter(role=User.Role.PATIENT, is_active=True).order_by("-pk")[:8])
    encoded = make_password(PASSWORD)
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=encoded)
    reader = User.objects.filter(role=User.Role.PATIENT, is_active=True).order_by("pk").first()
    bearer = f"Bearer {TokenObtainSerializer.get_token(reader).access_token}"

    server = start_server()
    try:
        phase(2, args.readers, bearer)  # warm the workers
        quiet, burst = ([], []), ([], [])
        for _ in range(args.rounds):
            for store, with_logins in ((quiet, False), (burst, True)):
                reads, logins = phase(
                    args.seconds, args.readers, bearer, users if with_logins else None
                )
                store[0].extend(reads)
                store[1].extend(logins)
    finally:
        server.terminate()
        server.wait(timeout=30)

    seconds = args.seconds * args.rounds
    quiet, burst = summary(*quiet, seconds), summary(*burst, seconds)
    ratio = burst["p95"] / quiet["p95"]
    workers = os.environ.get("WEB_CONCURRENCY", f"{(os.cpu_count() or 1) * 2 + 1} (default)")
    lines = [
        f"One gunicorn server ({workers} workers, gunicorn.conf.py), {os.cpu_count()} cores; "
        f"{args.readers} clients reading `GET /api/doctors/` back to back; {args.rounds} "
        f"rounds of {args.seconds:.0f} s quiet then {args.seconds:.0f} s with {LOGINS} clients "
        "logging in back to back (`POST /api/auth/token`; after a 503, each waits the "
        "Retry-After it was given, as the apps do). Wall-clock latency seen by the "
        "clients.",
        "",
        "| phase | reads | p50 ms | p95 ms | reads/s | log-in answers | log-ins/s |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name, s in (("quiet", quiet), ("8 log-ins at once", burst)):
        lines.append(
            f"| {name} | {s['reads']} | {s['p50']:.1f} | {s['p95']:.1f} | "
            f"{s['reads_per_s']:.0f} | {s['logins'] or '—'} | {s['logins_ok_per_s']:.1f} |"
        )
    lines += [
        "",
        f"Doctor list p95 during the burst: **{ratio:.2f}× quiet** (target ≤ 2×). "
        "503s are log-ins refused beyond the hashing queue, each with Retry-After.",
        "",
    ]
    text = "\n".join(lines)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
