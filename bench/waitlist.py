"""The waitlist's two figures (issue 16): `python bench/waitlist.py latency|month`.

latency — on PostgreSQL (database `bench_waitlist`, made afresh): one real task worker
    (`manage.py db_worker`, its own process, default settings) while threads book free
    slots through `book_appointment` back to back (each booking queues its confirmation
    emails for that same worker). Every FREE_EVERY seconds a booked visit is cancelled;
    the figure is the time from that cancellation's commit to the first offer email for
    the freed slot (the offer's `emailed_at`, stamped as the worker sends it). Wall-clock
    time: it is a latency, and it includes whatever else the shared machine was doing.
    Target: p95 ≤ 60 s.

month — a simulated month of a busy clinic (SQLite, in process, the clock moved by
    time-machine from event to event; the real services and task code, the tasks run by
    `db_worker --batch` whenever one is due): the month's slots are almost all booked,
    10 % of visits are cancelled at a random time before they start, patients keep joining
    the waitlist, and an offered patient takes the time with probability ACCEPT after a
    random delay (mean RESPONSE_MINUTES), or never. Reports the share of freed slot-minutes
    the waitlist refilled, the median time from freeing to claim, and the offer emails per
    refilled slot. Not gated.

Writes its figures to bench/results/waitlist-<mode>.md as well as printing them.
"""

import argparse
import contextlib
import datetime
import heapq
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
RESULTS = ROOT / "bench" / "results"

# latency
FREEINGS = 40
FREE_EVERY = 3.0  # seconds between cancellations
BOOKING_THREADS = 2
LATENCY_DOCTORS = 10
ENTRIES_PER_DOCTOR = 16

# month
MONTH_DOCTORS = 8
DAYS = 30
CANCEL_SHARE = 0.10
ACCEPT = 0.6
RESPONSE_MINUTES = 20
JOINS_PER_DAY = 12


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    import django

    django.setup()


def log(message):
    print(f"[waitlist-bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def seed_people(doctors, patients, *, hours=((0, 7), "08:00", "18:00")):
    """`doctors` doctors (one specialty, working `hours` every day) and `patients` patients,
    written in bulk (no password hashing)."""
    from accounts.models import User
    from doctors.models import Doctor, Specialty, WorkingHours
    from patients.models import Patient

    specialty, _ = Specialty.objects.get_or_create(name="General practice", slug="gp")
    tag = random.randrange(10**6)
    users = User.objects.bulk_create(
        User(
            email=f"d{tag}-{n}@bench.example",
            first_name="Doc",
            last_name=f"Tor{n}",
            role=User.Role.DOCTOR,
            password="!",
        )
        for n in range(doctors)
    )
    docs = Doctor.objects.bulk_create(
        Doctor(user=u, specialty=specialty, license_number=f"B{tag}-{n}")
        for n, u in enumerate(users)
    )
    (first, last), start, end = hours
    WorkingHours.objects.bulk_create(
        WorkingHours(
            doctor=d,
            weekday=day,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
        )
        for d in docs
        for day in range(first, last)
    )
    users = User.objects.bulk_create(
        User(
            email=f"p{tag}-{n}@bench.example", first_name="Pat", last_name=f"Ient{n}", password="!"
        )
        for n in range(patients)
    )
    pats = Patient.objects.bulk_create(Patient(user=u) for u in users)
    docs = list(Doctor.objects.filter(pk__in=[d.pk for d in docs]).select_related("user"))
    pats = list(Patient.objects.filter(pk__in=[p.pk for p in pats]).select_related("user"))
    return docs, pats


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def write(name, lines):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"waitlist-{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


# -- latency -------------------------------------------------------------------------------


def latency(args):
    database = "bench_waitlist"
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    url = f"{PG}/{database}"
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_URL": "consolemail://", "DEBUG": "false"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    setup(url)
    from django.db import connection
    from django.utils import timezone

    from appointments.models import Appointment
    from appointments.selectors import free_slots
    from appointments.services import SlotUnavailable, book_appointment, cancel_appointment
    from waitlist.models import Offer, WaitlistEntry

    log("seeding")
    doctors, patients = seed_people(LATENCY_DOCTORS, 3000)
    today = timezone.localdate()
    # The visits to cancel: each doctor's first free slots from day 3 on, one patient each.
    victims = []
    pool = iter(patients)
    for n in range(args.freeings):
        doctor = doctors[n % len(doctors)]
        day = today + datetime.timedelta(days=3 + n // len(doctors))
        slot = free_slots(doctor, day, day)[0]
        patient = next(pool)
        victims.append(
            Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                start=slot.start,
                end=slot.end,
                booked_by=patient.user,
            )
        )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient=next(pool),
            doctor=doctor,
            earliest=today,
            latest=today + datetime.timedelta(days=40),
        )
        for doctor in doctors
        for _ in range(ENTRIES_PER_DOCTOR)
    )
    bookers = [p for p in pool]
    connection.close()

    log("starting one task worker")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()
    booked = []

    def book_load(n):
        rng = random.Random(n)
        mine = bookers[n::BOOKING_THREADS]
        try:
            while not stop.is_set() and mine:
                patient = mine.pop()
                doctor = rng.choice(doctors)
                day = today + datetime.timedelta(days=rng.randrange(10, 50))
                slots = free_slots(doctor, day, day)
                if not slots:
                    continue
                try:
                    book_appointment(
                        patient=patient,
                        doctor=doctor,
                        start=rng.choice(slots).start,
                        booked_by=patient.user,
                    )
                    booked.append(1)
                except SlotUnavailable:
                    pass
        finally:
            connection.close()

    threads = [threading.Thread(target=book_load, args=(n,)) for n in range(BOOKING_THREADS)]
    time.sleep(3)  # the worker's start-up
    started = time.monotonic()
    for thread in threads:
        thread.start()
    freed = []
    for victim in victims:
        time.sleep(FREE_EVERY)
        cancel_appointment(appointment=victim, actor=victim.patient.user)
        freed.append((victim.doctor_id, victim.start, timezone.now()))
    log("all freed; waiting for the offers")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        done = (
            Offer.objects.filter(emailed_at__isnull=False)
            .values("doctor", "start")
            .distinct()
            .count()
        )
        if done >= len(freed):
            break
        time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    load_seconds = time.monotonic() - started
    worker.terminate()
    worker.wait(timeout=30)
    delays = []
    missing = 0
    for doctor_id, start, committed in freed:
        first = (
            Offer.objects.filter(doctor_id=doctor_id, start=start, emailed_at__isnull=False)
            .order_by("emailed_at")
            .values_list("emailed_at", flat=True)
            .first()
        )
        if first is None:
            missing += 1
        else:
            delays.append((first - committed).total_seconds())
    from django_tasks_db.models import DBTaskResult

    announcements = DBTaskResult.objects.filter(task_path__endswith="announce").count()
    load = os.getloadavg()
    p95 = percentile(delays, 0.95) if delays else float("nan")
    lines = [
        "# Waitlist: from freeing to the first offer email (wall clock)",
        "",
        f"Command: `python bench/waitlist.py latency --freeings {args.freeings}` "
        f"({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC).",
        "",
        f"PostgreSQL, one `manage.py db_worker` (default settings); {BOOKING_THREADS} threads "
        f"booking through `book_appointment` back to back ({len(booked)} bookings in "
        f"{load_seconds:.0f} s, {len(booked) / load_seconds:.1f}/s, each queueing its "
        f"confirmation emails for the same worker: {announcements} announcement tasks); "
        f"a visit cancelled every {FREE_EVERY:.0f} s, {len(freed)} in all, "
        f"{ENTRIES_PER_DOCTOR} waiting entries per doctor.",
        "",
        "| freed slots | offered | p50 | p95 | max | target p95 |",
        "|---|---|---|---|---|---|",
        f"| {len(freed)} | {len(delays)} | {statistics.median(delays):.2f} s | {p95:.2f} s | "
        f"{max(delays):.2f} s | ≤ 60 s: {'met' if p95 <= 60 and not missing else 'MISSED'} |",
        "",
        f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, shared).",
    ]
    write("latency", lines)


# -- month ---------------------------------------------------------------------------------


def month(args):
    workdir = Path(tempfile.mkdtemp(prefix="waitlist-month-"))
    url = f"sqlite:///{workdir}/month.sqlite3"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ["EMAIL_URL"] = "memorymail://"
    setup(url)
    import time_machine
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from appointments.models import Appointment
    from appointments.selectors import free_slots
    from appointments.services import cancel_appointment
    from waitlist import services
    from waitlist.models import FreedTime, Offer

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    rng = random.Random(args.seed)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(
        datetime.date.today() + datetime.timedelta(days=1), datetime.time(7), tzinfo=tz
    )
    end = start + datetime.timedelta(days=DAYS)
    traveller = time_machine.travel(start, tick=False)
    traveller.start()
    log("seeding a busy month")
    doctors, patients = seed_people(MONTH_DOCTORS, 6000, hours=((0, 5), "09:00", "17:00"))
    pool = iter(patients)
    appointments = []
    for doctor in doctors:
        for slot in free_slots(doctor, start.date(), (end - datetime.timedelta(days=1)).date()):
            if rng.random() < 0.97:  # busy: almost everything is booked
                patient = next(pool)
                appointments.append(
                    Appointment(patient=patient, doctor=doctor, start=slot.start, end=slot.end)
                )
    appointments = Appointment.objects.bulk_create(appointments)
    log(f"{len(appointments)} visits booked over {DAYS} days, {MONTH_DOCTORS} doctors")

    events = []  # (time, seq, kind, payload)
    seq = iter(range(10**9))
    for appointment in appointments:
        if rng.random() < CANCEL_SHARE:
            # Cancelled at a random moment between now and an hour before the visit.
            span = (appointment.start - datetime.timedelta(hours=1) - start).total_seconds()
            if span > 0:
                when = start + datetime.timedelta(seconds=rng.uniform(0, span))
                heapq.heappush(events, (when, next(seq), "cancel", appointment.pk))
    for day in range(DAYS):
        for _ in range(JOINS_PER_DAY):
            when = start + datetime.timedelta(days=day, seconds=rng.uniform(0, 86400))
            heapq.heappush(events, (when, next(seq), "join", None))
    handled = set()

    def run_due_tasks():
        while DBTaskResult.objects.ready().filter(run_after__lte=timezone.now()).exists() or (
            DBTaskResult.objects.ready().filter(run_after__year=9999).exists()
        ):
            call_command(
                "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
            )

    def next_task_time():
        due = (
            DBTaskResult.objects.ready()
            .exclude(run_after__year=9999)
            .order_by("run_after")
            .values_list("run_after", flat=True)
            .first()
        )
        return due

    cancelled = 0
    while events or next_task_time():
        task_time = next_task_time()
        if events and (task_time is None or events[0][0] <= task_time):
            when, _n, kind, payload = heapq.heappop(events)
        else:
            when, kind, payload = task_time, "tasks", None
        if when >= end:
            break
        traveller.stop()
        traveller = time_machine.travel(max(when, timezone.now()), tick=False)
        traveller.start()
        now = timezone.now()
        if kind == "cancel":
            appointment = Appointment.objects.select_related("patient__user", "doctor__user").get(
                pk=payload
            )
            if appointment.status == Appointment.Status.BOOKED and appointment.start > now:
                if appointment.start - now >= settings.CLINIC_CANCELLATION_CUTOFF:
                    cancel_appointment(appointment=appointment, actor=appointment.patient.user)
                else:  # too late to cancel online: the patient phones the clinic
                    cancel_appointment(
                        appointment=appointment, actor=appointment.doctor.user, reason="Phoned"
                    )
                cancelled += 1
        elif kind == "join":
            doctor = rng.choice(doctors)
            first = timezone.localdate(now) + datetime.timedelta(days=rng.randrange(0, 10))
            _join(rng, doctor, first, next(pool), now)
        elif kind == "claim":
            offer = Offer.objects.select_related("entry__patient__user").get(pk=payload)
            with contextlib.suppress(services.DomainError):
                services.claim_offer(offer=offer, actor=offer.entry.patient.user)
        run_due_tasks()
        for offer in Offer.objects.exclude(pk__in=handled):
            handled.add(offer.pk)
            if rng.random() < ACCEPT:
                delay = datetime.timedelta(minutes=rng.expovariate(1 / RESPONSE_MINUTES))
                heapq.heappush(events, (offer.created_at + delay, next(seq), "claim", offer.pk))
    traveller.stop()

    freed = list(FreedTime.objects.all())
    freed_minutes = sum(f.minutes for f in freed)
    refilled = [f for f in freed if f.refilled_at]
    refilled_minutes = sum(f.minutes for f in refilled)
    claims = list(Offer.objects.filter(status=Offer.Status.CLAIMED))
    to_claim = [(o.claimed_at - o.freed_at).total_seconds() / 60 for o in claims]
    emails = Offer.objects.filter(emailed_at__isnull=False).count()
    lines = [
        "# Waitlist: a simulated month of a busy clinic",
        "",
        f"Command: `python bench/waitlist.py month --seed {args.seed}` "
        f"({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC).",
        "",
        f"{MONTH_DOCTORS} doctors, weekdays 09:00–17:00, 30-minute slots, {len(appointments)} "
        f"visits (97 % of the month's slots); {cancelled} cancelled "
        f"({CANCEL_SHARE:.0%} of visits, at a random time up to an hour before); "
        f"{JOINS_PER_DAY} patients join the waitlist a day (70 % for a named doctor, "
        f"windows of 2–14 days); an offered patient takes it with probability {ACCEPT} after "
        f"an exponential delay (mean {RESPONSE_MINUTES} min). Batch "
        f"{settings.WAITLIST_BATCH_SIZE}, links valid {settings.WAITLIST_OFFER_TIME}, one "
        f"email per entry per {settings.WAITLIST_EMAIL_INTERVAL}.",
        "",
        "| freed slot-minutes | refilled by the waitlist | share | median freeing → claim "
        "| offer emails | emails per refilled slot |",
        "|---|---|---|---|---|---|",
        f"| {freed_minutes} | {refilled_minutes} | "
        f"{refilled_minutes / freed_minutes:.0%} | "
        f"{statistics.median(to_claim) if to_claim else float('nan'):.0f} min | {emails} | "
        f"{emails / len(refilled) if refilled else float('nan'):.2f} |",
        "",
        "Freed time that was not refilled: inside the minimum notice when freed, or nobody "
        "waiting wanted it, or every offered patient let it pass.",
    ]
    write("month", lines)


def _join(rng, doctor, first, patient, now):
    from waitlist.models import WaitlistEntry

    named = rng.random() < 0.7
    return WaitlistEntry.objects.create(
        patient=patient,
        doctor=doctor if named else None,
        specialty=None if named else doctor.specialty,
        earliest=first,
        latest=first + datetime.timedelta(days=rng.randrange(2, 15)),
        time_of_day=rng.choice(["any", "any", "morning", "afternoon"]),
        created_at=now,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["latency", "month"])
    parser.add_argument("--freeings", type=int, default=FREEINGS)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    {"latency": latency, "month": month}[args.mode](args)


if __name__ == "__main__":
    main()
