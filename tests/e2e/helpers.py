"""Small helpers the browser tests share: dates as the pages write them, and assertions."""

import datetime

from django.utils import timezone


def at(day, hhmm):
    """An aware datetime in the clinic's zone: `day` at "HH:MM"."""
    return datetime.datetime.combine(
        day, datetime.time.fromisoformat(hhmm), tzinfo=timezone.get_current_timezone()
    )


def human(moment):
    """A datetime as the pages show it, e.g. "Tue 1 Dec 2026, 09:30"."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def long_day(day):
    """A day as the booking headings show it, e.g. "Tuesday 1 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def message(page):
    """The messages shown after an action (the `role=status` list under the header)."""
    return page.locator("ul.messages")
