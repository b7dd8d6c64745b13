"""An index for the task worker's claim (healthcare/core/management/commands/db_worker.py):
the waiting tasks by when they may run, so that finding the next one reads one entry of
it, however many reminders wait for their time. Plain SQL that PostgreSQL and SQLite both
take (a partial index); the task table is django-tasks-db's."""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
INDEX = "tasks_ready_run_after_idx"


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} "
            "(run_after, priority DESC, enqueued_at) WHERE status = 'READY'",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
