"""Reading back what the clinic emailed: bodies and the attached iCalendar event."""

import email
from email import policy

import icalendar


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
