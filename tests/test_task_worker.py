"""The task worker claims tasks in django-tasks-db's order (priority, then due time, then
age; tasks to run at once after the due ones), never one that is not due yet, and finds
the next task however many reminders wait for their time."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appointments.tasks import send_due_reminders_task
from healthcare.core.management.commands.db_worker import next_task
from tests.appointments.mail_support import run_worker

pytestmark = pytest.mark.django_db


def queued(*, run_after=None, priority=0):
    task = send_due_reminders_task.using(priority=priority)
    if run_after is not None:
        task = task.using(run_after=run_after)
    return DBTaskResult.objects.get(pk=task.enqueue().id)


def claimed():
    with transaction.atomic():
        return next_task(DBTaskResult.objects.filter(backend_name="default"))


def test_a_due_task_comes_before_one_to_run_at_once_and_the_older_first():
    now = timezone.now()
    at_once = queued()
    due_later = queued(run_after=now - datetime.timedelta(minutes=1))
    due_first = queued(run_after=now - datetime.timedelta(minutes=5))

    assert claimed() == due_first
    due_first.delete()
    assert claimed() == due_later
    due_later.delete()
    assert claimed() == at_once


def test_a_higher_priority_comes_first_whatever_its_time():
    queued(run_after=timezone.now() - datetime.timedelta(minutes=5))
    urgent = queued(priority=10)

    assert claimed() == urgent


def test_a_task_not_due_yet_is_left_waiting_behind_which_the_others_are_found():
    for days in range(1, 30):
        queued(run_after=timezone.now() + datetime.timedelta(days=days))
    at_once = queued()

    assert claimed() == at_once
    at_once.delete()
    assert claimed() is None


def test_the_worker_runs_what_is_due_and_leaves_the_rest():
    later = queued(run_after=timezone.now() + datetime.timedelta(days=1))
    now = queued()

    run_worker()

    assert DBTaskResult.objects.get(pk=now.pk).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(pk=later.pk).status == "READY"
