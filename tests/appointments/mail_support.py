"""Reading back what the clinic emailed (bodies, the attached iCalendar event), and the
worker that sends it."""

import email
from email import policy
from unittest import mock

import icalendar
from django.core.management import call_command


def run_worker():
    """Run every task that is due now, as the production worker would, then stop."""
    # The worker drops connections that look stale; inside a test's transaction every
    # connection does (Django's test runner switches the same check off for requests).
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command(
            "db_worker",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            verbosity=0,
        )


def calendar_part(message):
    """The text/calendar part of a sent EmailMessage or a parsed email.message.Message."""
    parsed = message if hasattr(message, "walk") else message.message()
    if not hasattr(parsed, "iter_parts"):
        parsed = email.message_from_bytes(parsed.as_bytes(), policy=policy.default)
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            return part
    raise AssertionError("no text/calendar part in the message")


def calendar_of(message):
    part = calendar_part(message)
    return icalendar.Calendar.from_ical(part.get_content())


def event_of(message):
    (event,) = calendar_of(message).walk("VEVENT")
    return event


def html_of(message):
    (html,) = [body for body, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def by_recipient(messages):
    return {message.to[0]: message for message in messages}
