"""Background work of the records app: the retention purge, on a schedule.

Django's tasks framework has no clock of its own: cron runs `manage.py purge_due_records`
(daily is plenty), or anything that can enqueue `purge_due_records_task`.
"""

from django.tasks import task

from records.services import purge_due


@task()
def purge_due_records_task():
    return purge_due()
