"""Emails about appointments, sent by the background worker: confirmations and reminders.

Booking, moving and cancelling enqueue `announce` inside their own transaction (the
services' transactional outbox): the worker emails both sides and, for a booked or
moved appointment, sets up its reminder.

Two ways lead to a reminder, and both end in `remind()`:

* `announce`, for a booked or moved appointment, enqueues `send_appointment_reminder`
  (Django's tasks framework, stored by django-tasks-db) to run `CLINIC_REMINDER_BEFORE`
  ahead of the start; `manage.py db_worker` runs it when it is due.
* `manage.py send_due_reminders` (or the `send_due_reminders_task`) sweeps for every
  booked appointment whose reminder is due and not sent: the safety net for lost tasks,
  appointments written behind the services' back, or a worker that was down.

`remind()` claims the reminder with one conditional UPDATE (booked, not reminded yet,
still at the start the task was made for, inside the reminder window) before sending.
The database lets exactly one claimer win however many workers race or retry, so a
reminder goes out at most once; a cancelled appointment fails the claim, and a moved
one fails it for its old time (moving clears `reminder_sent_at`, and the new time has
a task of its own); one booked or moved inside the window was written already claimed,
because its confirmation is reminder enough. If the email cannot be sent the claim is
released, so a later sweep tries again.
"""

import datetime
import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from appointments import notifications
from appointments.models import Appointment

logger = logging.getLogger(__name__)


def reminder_time(start):
    """When the reminder for an appointment at `start` is due: elapsed time, DST-proof."""
    # Subtract in UTC: aware arithmetic in the local zone would move by wall-clock hours.
    return start.astimezone(datetime.UTC) - settings.CLINIC_REMINDER_BEFORE


def confirmation_is_reminder(start, now=None):
    """For a visit booked or moved to `start` now: the time to mark its reminder sent, if any.

    Inside the reminder window the confirmation going out now is reminder enough, so the
    appointment is written with its reminder already claimed (None outside the window).
    """
    now = now or timezone.now()
    return now if reminder_time(start) <= now else None


def due_for_reminder(now=None):
    """Booked appointments inside the reminder window whose reminder has not gone out."""
    now = now or timezone.now()
    return Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + settings.CLINIC_REMINDER_BEFORE,
    )


def claim_reminder(appointment_id, *, start, now):
    """Mark the reminder as sent if nobody has; True for the one caller that did."""
    claimed = (
        due_for_reminder(now).filter(pk=appointment_id, start=start).update(reminder_sent_at=now)
    )
    return claimed == 1


def remind(appointment_id, *, start, now=None):
    """Send the reminder for the appointment at `start`, at most once. True if sent."""
    now = now or timezone.now()
    if not claim_reminder(appointment_id, start=start, now=now):
        return False
    try:
        notifications.appointment_reminder(appointment_id)
    except Exception:
        # Give the reminder back, so that the next sweep or retry can send it.
        Appointment.objects.filter(pk=appointment_id, reminder_sent_at=now).update(
            reminder_sent_at=None
        )
        raise
    return True


def send_due_reminders(now=None):
    """Send every due reminder; safe to run as often and from as many places as wanted."""
    now = now or timezone.now()
    sent = 0
    for appointment_id, start in due_for_reminder(now).values_list("pk", "start"):
        try:
            sent += remind(appointment_id, start=start, now=now)
        except Exception:
            # One bad address must not hold up everybody else's reminders.
            logger.exception("Could not send the reminder for appointment %s.", appointment_id)
    return sent


@task()
def send_appointment_reminder(appointment_id, start):
    """The deferred reminder of one appointment; `start` is the time it was made for."""
    return remind(appointment_id, start=datetime.datetime.fromisoformat(start))


@task()
def send_due_reminders_task():
    return send_due_reminders()


def schedule_reminder(appointment_id, start):
    """Set up the reminder for an appointment booked or moved to `start`.

    A task that runs when the reminder is due (at once, if that time has passed while
    the worker was busy or down). A task made for an earlier start finds the appointment
    moved and does nothing, and one for an appointment booked inside the window finds
    its reminder already claimed.
    """
    return send_appointment_reminder.using(run_after=reminder_time(start)).enqueue(
        appointment_id, start.astimezone(datetime.UTC).isoformat()
    )


@task()
def announce(event, appointment_id, start, previous_start=None):
    """Email both sides that the appointment at `start` was booked, moved or cancelled.

    Enqueued by the services in the same transaction as the change. A booked or moved
    appointment's reminder is set up first, so an email that fails (the task is then
    kept as failed, with its traceback) cannot cost the reminder too. If the appointment
    has changed again before the worker got here (moved on, or cancelled), the
    invitation and the reminder are stale: the later change's own task tells the
    current story.
    """
    start = datetime.datetime.fromisoformat(start)
    if event == notifications.CANCELLED:
        return notifications.appointment_cancelled(appointment_id)
    current = Appointment.objects.filter(
        pk=appointment_id, status=Appointment.Status.BOOKED, start=start
    )
    if not current.exists():
        logger.info("Appointment %s changed again before its %s email.", appointment_id, event)
        return 0
    schedule_reminder(appointment_id, start)
    if event == notifications.RESCHEDULED:
        return notifications.appointment_rescheduled(
            appointment_id, previous_start=datetime.datetime.fromisoformat(previous_start)
        )
    return notifications.appointment_booked(appointment_id)
