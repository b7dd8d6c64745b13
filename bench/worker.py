"""The task worker's rate: emails per second of one `db_worker` process, with 1,000 and
with 100,000 tasks queued (issue #18: ≥ 100 emails/s, flat whatever the queue).

    python bench/worker.py OUT.md [--sizes 1000,100000] [--run 1000]
        (DATABASE_URL: a seeded bench database; it empties the task table first)

For each size it empties the task table, queues that many tasks: booking announcements
(`appointments.tasks.announce`, as the booking service enqueues them: each emails the
patient and the doctor and sets up the reminder) of booked upcoming appointments, and a
fifth of them reminders not yet due (as every upcoming visit has one). It runs
`EXPLAIN ANALYZE` on the worker's claim queries, then one `manage.py db_worker --batch
--max-tasks RUN` (console email to /dev/null). The rate is the tasks' own timestamps:
from the first task's start to the last one's end, so process start-up is left out.
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult, get_date_max  # noqa: E402

from appointments import notifications  # noqa: E402
from appointments.models import Appointment  # noqa: E402
from healthcare.core.management.commands.db_worker import next_task  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ANNOUNCE = "appointments.tasks.announce"
REMIND = "appointments.tasks.send_appointment_reminder"
EMAILS_PER_TASK = 2  # the patient and the doctor


def queue(size):
    DBTaskResult.objects.all().delete()
    booked = list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, start__gt=timezone.now()
        ).values_list("pk", "start")[:5000]
    )
    never = get_date_max()
    rows = [
        DBTaskResult(
            args_kwargs={
                "args": [notifications.BOOKED, pk, start.isoformat()],
                "kwargs": {},
            },
            priority=0,
            task_path=ANNOUNCE,
            queue_name="default",
            backend_name="default",
            run_after=never,
            exception_class_path="",
            traceback="",
        )
        for pk, start in (booked[n % len(booked)] for n in range(size))
    ]
    # As in a live clinic, a fifth of the queue is reminders waiting for their time (each
    # booking sets one up, due a day before the visit): queued, not yet due.
    later = timezone.now() + datetime.timedelta(days=7)
    for row in rows[: size // 5]:
        row.task_path, row.run_after = REMIND, later
        row.args_kwargs = {"args": row.args_kwargs["args"][1:], "kwargs": {}}
    DBTaskResult.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")


def explain_claim():
    """The worker's claim (healthcare/core's db_worker: two queries), EXPLAIN ANALYZEd in a
    transaction that is rolled back."""
    tasks = DBTaskResult.objects.filter(backend_name="default", queue_name__in=["default"])
    out = []
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            next_task(tasks)
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"{query['sql']}\n\n{plan}")
        transaction.set_rollback(True)
    return "\n\n".join(out)


def run_worker(tasks):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v0"]
    subprocess.run(
        [sys.executable, "manage.py", *command, "--max-tasks", str(tasks)],
        cwd=ROOT,
        env={**os.environ, "EMAIL_URL": "consolemail://", "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done = DBTaskResult.objects.filter(task_path=ANNOUNCE).exclude(finished_at=None)
    span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    ran = done.count()
    failed = done.filter(status="FAILED").count()
    return {
        "tasks": ran,
        "failed": failed,
        "seconds": seconds,
        "emails_per_s": ran * EMAILS_PER_TASK / seconds if seconds else 0,
        "process_wall_s": wall,
        "process_cpu_s": cpu,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--run", type=int, default=1000)
    args = parser.parse_args()
    lines = [
        f"One `db_worker` process running {args.run} booking announcements "
        f"({EMAILS_PER_TASK} emails each, console backend to /dev/null), the queue holding "
        "the number below when it starts; rate from the tasks' start and end times "
        "(wall clock, process start-up excluded; the worker's whole CPU time beside it).",
        "",
        "| queued | tasks run | failed | seconds | emails/s | worker CPU s (incl. start-up) "
        "| emails per worker CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    plans = []
    for size in (int(s) for s in args.sizes.split(",")):
        queue(size)
        plans_sql = explain_claim()
        r = run_worker(min(args.run, size))
        lines.append(
            f"| {size:,} | {r['tasks']} | {r['failed']} | {r['seconds']:.2f} | "
            f"**{r['emails_per_s']:.0f}** | {r['process_cpu_s']:.2f} | "
            f"{r['tasks'] * EMAILS_PER_TASK / r['process_cpu_s']:.0f} |"
        )
        plans += [f"Claim queries with {size:,} queued:", "", "```", plans_sql, "```", ""]
    DBTaskResult.objects.all().delete()
    text = "\n".join([*lines, "", *plans])
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
