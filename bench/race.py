"""Checks through every app server at once (stdlib only; run by bench/run.py).

    python bench/race.py DATA.json HOST1,HOST2        (DATABASE_URL: the same database)

1. Booking race: 200 patients book at the same moment, aimed at one doctor's 10 free
   slots, spread over the servers. Expected: exactly 10 answers 201 and 10 rows in the
   database, every other answer 409, no 5xx.
2. Login rate limit: wrong-password logins from one address, alternating between the
   servers, until refused. With a shared cache (Redis) the limit counts across servers.

Prints a JSON summary on stdout.
"""

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg

TIMEOUT = 30


def call(url, body, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return f"error: {error.__class__.__name__}"


def booking_race(data, hosts):
    race = data["race"]
    tokens = race["tokens"]
    barrier = threading.Barrier(len(tokens))
    results = [None] * len(tokens)

    def book(i):
        body = {"doctor": race["doctor"], "start": race["slots"][i % len(race["slots"])]}
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        barrier.wait()
        results[i] = call(f"{hosts[i % len(hosts)]}/api/appointments/", body, headers)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(tokens))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT count(*), count(DISTINCT start) FROM appointments_appointment "
            "WHERE doctor_id = %s AND start = ANY(%s::timestamptz[]) AND status <> 'cancelled'",
            (race["doctor"], race["slots"]),
        ).fetchone()
    statuses = Counter(str(result) for result in results)
    server_errors = sum(n for code, n in statuses.items() if not code.isdigit() or int(code) >= 500)
    return {
        "requests": len(tokens),
        "slots": len(race["slots"]),
        "servers": len(hosts),
        "statuses": dict(statuses),
        "rows_in_database": rows[0],
        "distinct_slots_taken": rows[1],
        "seconds": round(elapsed, 2),
        "ok": statuses.get("201") == len(race["slots"])
        and rows[0] == len(race["slots"])
        and statuses.get("409", 0) == len(tokens) - len(race["slots"])
        and server_errors == 0,
    }


def login_limit(hosts, attempts=40):
    email = f"nobody-{uuid.uuid4().hex[:8]}@bench.example"  # a fresh per-account counter
    answers = []
    for i in range(attempts):
        answers.append(
            call(
                f"{hosts[i % len(hosts)]}/api/auth/token",
                {"email": email, "password": "wrong-password"},
            )
        )
    refused = [i for i, code in enumerate(answers) if code == 429]
    return {
        "attempts": attempts,
        "servers": len(hosts),
        "answered_before_first_429": refused[0] if refused else None,
        "statuses": dict(Counter(str(code) for code in answers)),
    }


def main():
    data = json.loads(Path(sys.argv[1]).read_text())
    hosts = sys.argv[2].split(",")
    print(json.dumps({"race": booking_race(data, hosts), "login_limit": login_limit(hosts)}))


if __name__ == "__main__":
    main()
