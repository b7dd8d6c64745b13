"""`manage.py db_worker`: django-tasks-db's worker, with a claim that reads one index entry
however many tasks wait (issue #18; bench/worker.py measures it).

The library claims the next task with one query: READY, and either enqueued to run at
once or due, ordered by priority, then run_after, then enqueued_at. A task enqueued to
run at once carries run_after = 9999-01-01, so it sorts after every reminder waiting for
its time (each upcoming visit has one), and the OR keeps PostgreSQL from looking only
where the candidates are: every claim read all the waiting reminders first. Here the
claim takes the head of each kind, the due ones and the ones to run at once, each from
an index that holds them in claim order (`tasks_ready_run_after_idx`, migration
core.0001), and runs the first of the two in the library's order. Locks and claim are
the library's: SELECT … FOR UPDATE SKIP LOCKED, then `claim()`, in one transaction, so
two workers never run the same task. Everything else (options, signals, batch mode,
shutdown) is django-tasks-db's own; `Worker.run` below is its loop with that one change
(django-tasks-db 0.13).
"""

import time

from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

CLAIM_ORDER = ("-priority", "run_after", "enqueued_at")


def _order_key(task):
    return (-task.priority, task.run_after, task.enqueued_at)


def next_task(tasks):
    """Lock and return the task to run next among `tasks` (inside a transaction), or None:
    the library's choice, from two index reads instead of a scan."""
    ready = tasks.filter(status=TaskResultStatus.READY).order_by(*CLAIM_ORDER)
    heads = [
        ready.filter(run_after__lte=timezone.now()).select_for_update(skip_locked=True).first(),
        ready.filter(run_after=get_date_max()).select_for_update(skip_locked=True).first(),
    ]
    heads = [task for task in heads if task is not None]
    return min(heads, key=_order_key) if heads else None


class Worker(library.Worker):
    def run(self):
        library.logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(library.random.random())

        while self.running:
            library.close_old_connections()  # looked up there: the tests patch it
            tasks = DBTaskResult.objects.filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            if self.excluded_queue_names:
                tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)

            with exclusive_transaction(tasks.db):
                try:
                    task_result = next_task(tasks)
                    retrieved_task_result = True
                    if task_result is not None:
                        task_result.claim(self.worker_id)
                except OperationalError as e:
                    retrieved_task_result = False
                    if is_locked_database_exception(e):
                        task_result = None
                    else:
                        raise

            if task_result is not None:
                self.run_task(task_result)

            if self.batch and retrieved_task_result and task_result is None:
                library.logger.info(
                    "No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id
                )
                return None

            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                library.logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return None

            library.close_old_connections()
            if self.running and not task_result:
                time.sleep(self.interval)


class Command(library.Command):
    help = library.Command.help + " (claiming from an index: healthcare/core's db_worker)"

    def handle(self, *args, **options):
        library.Worker, original = Worker, library.Worker
        try:
            return super().handle(*args, **options)
        finally:
            library.Worker = original
