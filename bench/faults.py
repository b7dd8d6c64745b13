"""Faults under load, against running app servers (run by bench/run.py, or alone):

    python bench/faults.py DATA.json HOST1,HOST2     (DATABASE_URL: the servers' database)

1. PostgreSQL restarted while readers and bookers keep going. Expected: requests during
   the outage answer 503 quickly (no 500, no hanging), the servers recover by themselves,
   and every booking answered 201 is in the database exactly once (nothing lost, nothing
   duplicated).
2. Redis stopped while pages are read. Recorded as observed: which pages keep serving,
   what /healthz and the login endpoint (whose rate limit lives in the cache) answer.
   Redis is started again afterwards with the CI's own command.

Bounded: each phase runs a few seconds of load from a few threads, to loopback only.
Prints a JSON summary on stdout.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import psycopg

TIMEOUT = 15
PG_RESTART = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def request(url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST" if body is not None else "GET",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = f"error:{error.__class__.__name__}"
    return status, time.perf_counter() - started


def user_id(token):
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["user_id"])  # simplejwt writes the id as a string


class Load:
    """Threads sending requests back to back until stopped; every answer is kept."""

    def __init__(self):
        self.events = []  # (time, kind, status, seconds, extra)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = []

    def record(self, kind, status, seconds, extra=None):
        with self.lock:
            self.events.append((time.monotonic(), kind, status, seconds, extra))

    def run(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def reader(load, hosts, paths, index):
    n = index
    while not load.stop.is_set():
        kind, path = paths[n % len(paths)]
        status, seconds = request(hosts[n % len(hosts)] + path)
        load.record(kind, status, seconds)
        n += 1
        time.sleep(0.02)


def booker(load, hosts, jobs, index):
    n = index
    while not load.stop.is_set() and jobs:
        try:
            doctor, start, token = jobs.pop()
        except IndexError:
            return
        status, seconds = request(
            f"{hosts[n % len(hosts)]}/api/appointments/",
            {"doctor": doctor, "start": start, "reason": "Fault test"},
            {"Authorization": f"Bearer {token}"},
        )
        load.record("booking", status, seconds, (doctor, start, token))
        n += 1
        time.sleep(0.02)


def summarise(events, since=None, until=None):
    out = defaultdict(lambda: {"statuses": Counter(), "max_seconds": 0.0})
    for at, kind, status, seconds, _ in events:
        if (since is not None and at < since) or (until is not None and at > until):
            continue
        out[kind]["statuses"][str(status)] += 1
        out[kind]["max_seconds"] = round(max(out[kind]["max_seconds"], seconds), 3)
    return {kind: {**v, "statuses": dict(v["statuses"])} for kind, v in out.items()}


def free_jobs(hosts, data, count):
    """Distinct free slots (from the API itself), each with another patient's token."""
    jobs, tokens = [], data["booking_tokens"][-count:]
    for doctor in data["doctor_ids"][: count // 5]:
        status_slots = urllib.request.urlopen(
            f"{hosts[0]}/api/doctors/{doctor}/slots?start={data['slots_start']}"
            f"&end={data['slots_end']}",
            timeout=TIMEOUT,
        )
        slots = json.loads(status_slots.read())
        jobs += [(doctor, slot["start"]) for slot in slots[-5:]]
    return [(d, s, t) for (d, s), t in zip(jobs, tokens, strict=False)]


def wait_for_quiet_database(seconds=90):
    """Other sessions may be running tests on this PostgreSQL: restart between their queries."""
    own = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    deadline = time.monotonic() + seconds
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND state = 'active' AND datname <> %s AND pid <> pg_backend_pid()",
                (own,),
            ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.5)


def postgres_restart(data, hosts):
    wait_for_quiet_database()
    jobs = free_jobs(hosts, data, 400)
    paths = [("directory", "/doctors/"), ("health", "/healthz")]
    load = Load()
    for i in range(2):
        load.run(reader, load, hosts, paths, i)
        load.run(booker, load, hosts, jobs, i)
    time.sleep(3)
    outage_start = time.monotonic()
    restart = subprocess.run(PG_RESTART, shell=True, capture_output=True, text=True)
    outage_end = time.monotonic()
    time.sleep(8)
    load.finish()

    # Recovery: the first moment after the restart from which directory reads succeed.
    after = [e for e in load.events if e[0] >= outage_end and e[1] == "directory"]
    recovered_at = None
    for i, event in enumerate(after):
        if all(e[2] == 200 for e in after[i:]):
            recovered_at = event[0]
            break

    bookings = [e for e in load.events if e[1] == "booking"]
    created = [e for e in bookings if e[2] == 201]
    keys = [(e[4][0], e[4][1]) for e in bookings]
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT a.doctor_id, a.start, p.user_id FROM appointments_appointment a "
            "JOIN patients_patient p ON p.id = a.patient_id "
            "WHERE a.status <> 'cancelled' AND (a.doctor_id, a.start) IN "
            "(SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]))",
            ([k[0] for k in keys], [k[1] for k in keys]),
        ).fetchall()
    by_slot = Counter((doctor, start) for doctor, start, _ in rows)
    holder = {(doctor, start): str(uid) for doctor, start, uid in rows}

    def slot_key(doctor, start):
        return (doctor, datetime.fromisoformat(start))

    lost = [e for e in created if by_slot[slot_key(e[4][0], e[4][1])] != 1]
    wrong_holder = [
        e for e in created if holder.get(slot_key(e[4][0], e[4][1])) != user_id(e[4][2])
    ]
    committed_but_failed = [
        e
        for e in bookings
        if e[2] != 201 and holder.get(slot_key(e[4][0], e[4][1])) == user_id(e[4][2])
    ]
    return {
        "restart_command_seconds": round(outage_end - outage_start, 2),
        "restart_ok": restart.returncode == 0,
        "before": summarise(load.events, until=outage_start),
        "during_restart": summarise(load.events, since=outage_start, until=outage_end),
        "after": summarise(load.events, since=outage_end),
        "recovered_seconds_after_restart": (
            round(recovered_at - outage_end, 2) if recovered_at else None
        ),
        "bookings": {
            "attempted": len(bookings),
            "answered_201": len(created),
            "rows_for_attempted_slots": len(rows),
            "duplicated_slots": sum(1 for n in by_slot.values() if n > 1),
            "lost_201": len(lost),
            "201_held_by_someone_else": len(wrong_holder),
            "committed_but_answered_error": len(committed_but_failed),
        },
    }


def redis_stopped(data, hosts):
    doctor = data["doctor_ids"][0]
    paths = [
        ("directory", "/doctors/"),
        ("doctor page", f"/doctors/{doctor}/"),
        (
            "free slots api",
            f"/api/doctors/{doctor}/slots?start={data['slots_start']}&end={data['slots_end']}",
        ),
        ("health", "/healthz"),
    ]
    load = Load()
    load.run(reader, load, hosts, paths, 0)

    def login(load):
        n = 0
        while not load.stop.is_set():
            status, seconds = request(
                f"{hosts[n % len(hosts)]}/api/auth/token",
                {"email": "nobody@bench.example", "password": "wrong"},
            )
            load.record("login api", status, seconds)
            n += 1
            time.sleep(0.2)

    load.run(login, load)
    time.sleep(2)
    stopped_at = time.monotonic()
    subprocess.run("redis-cli -h 127.0.0.1 shutdown nosave", shell=True, capture_output=True)
    time.sleep(5)
    started_at = time.monotonic()
    subprocess.run(REDIS_START, shell=True, check=True)
    for _ in range(30):
        if (
            subprocess.run(
                "redis-cli -h 127.0.0.1 ping", shell=True, capture_output=True
            ).returncode
            == 0
        ):
            break
        time.sleep(0.2)
    time.sleep(3)
    load.finish()
    return {
        "while_stopped": summarise(load.events, since=stopped_at + 0.2, until=started_at),
        "after_restart": summarise(load.events, since=started_at + 1),
    }


def main():
    data = json.loads(Path(sys.argv[1]).read_text())
    hosts = sys.argv[2].split(",")
    print(
        json.dumps(
            {
                "postgres_restart": postgres_restart(data, hosts),
                "redis_stopped": redis_stopped(data, hosts),
            }
        )
    )


if __name__ == "__main__":
    main()
