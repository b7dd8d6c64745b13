"""Small helpers the browser tests share: dates as the pages write them, assertions, and
logging in through the form (with the second factor where the role needs one)."""

import datetime
import time

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import second_factor
from accounts.second_factor import current_code
from tests.accounts.factories import PASSWORD


def human(moment):
    """A datetime as the pages show it, e.g. "Tue 1 Dec 2026, 09:30"."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def long_day(day):
    """A day as the booking headings show it, e.g. "Tuesday 1 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def message(page):
    """The messages shown after an action (the `role=status` list under the header)."""
    return page.locator("ul.messages")


def fresh_code(device):
    """A code `device` accepts now, as its authenticator app shows it: the current one, or
    the next step's (inside the device's tolerance) when the current one was just used."""
    device.refresh_from_db()
    step = max(int(time.time()) // device.step, device.last_t + 1)
    return current_code(
        device, at=datetime.datetime.fromtimestamp(step * device.step, datetime.UTC)
    )


def log_in(page, user, password=PASSWORD, url="/accounts/login/"):
    """Log in through the form at `url` (the site's, or the admin's at "/admin/"). Doctors
    and staff then give their authenticator's code (an authenticator is set up for them
    first if they have none, as if done earlier)."""
    device = None
    if second_factor.required_for(user):
        device = second_factor.authenticator(user) or TOTPDevice.objects.create(
            user=user, name=second_factor.AUTHENTICATOR, confirmed=True
        )
    page.goto(url)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if device is not None:
        give_code(page, fresh_code(device))


def give_code(page, code):
    """On the code page after the password: type `code` and continue."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
