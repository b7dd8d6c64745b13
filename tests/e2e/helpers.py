"""Small helpers the browser tests share: dates as the pages write them, and assertions."""


def human(moment):
    """A datetime as the pages show it, e.g. "Tue 1 Dec 2026, 09:30"."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def long_day(day):
    """A day as the booking headings show it, e.g. "Tuesday 1 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def message(page):
    """The messages shown after an action (the `role=status` list under the header)."""
    return page.locator("ul.messages")
