"""Flow: a doctor's first log-in sets up two-step verification (scanning the QR code, or
typing its key, into an authenticator app), logs out, and logs in again with a code from
the app; a recovery code works once.

The authenticator app is played by django-otp's own TOTP (RFC 6238) on the key the page
shows, as a person would type it into their app.
"""

import base64
import re

from django_otp.oath import totp
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.doctors.factories import DoctorFactory
from tests.e2e.helpers import give_code, message


def app_code(secret, *, steps_ahead=0):
    """What an authenticator app holding `secret` (as typed, in groups) shows now; with
    `steps_ahead=1`, its next code (accepted too: a phone's clock may run a little fast)."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def log_in_with_password(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(message(page)).to_contain_text("You have been logged out")


def test_doctor_sets_up_two_step_verification_and_logs_in_with_codes(
    new_context, clinic_now, pages
):
    doctor = DoctorFactory(user__first_name="Ines", user__last_name="Duarte")
    page = new_context().new_page()

    # First log-in: the password, then the set-up page before anything else.
    log_in_with_password(page, doctor.user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    qr = page.locator(".qr-code svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 100  # big enough to scan
    pages.check(page, "Two-step set-up")
    secret = page.locator(".otp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)

    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-code").all_inner_texts()
    assert len(set(codes)) == 10
    pages.check(page, "Recovery codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    log_out(page)

    # Again: the password, then a code from the app. (The code just used is spent; the
    # app's next one is accepted, as from a phone whose clock runs a little fast.)
    log_in_with_password(page, doctor.user)
    pages.check(page, "Log-in code")
    give_code(page, app_code(secret, steps_ahead=1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    log_out(page)

    # Without the phone: a recovery code works, once.
    log_in_with_password(page, doctor.user)
    give_code(page, codes[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(message(page)).to_contain_text("You used a recovery code: 9 are left")
    log_out(page)

    log_in_with_password(page, doctor.user)
    give_code(page, codes[0])
    expect(page.get_by_role("alert").or_(page.locator(".errorlist"))).to_contain_text(
        "That code is not right"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")

    # The security page lists this browser and says the recovery codes left. (After a
    # wrong code django-otp accepts the next one a second later: wait that second.)
    page.wait_for_timeout(1500)
    give_code(page, codes[1])
    page.goto("/accounts/security/")
    expect(page.get_by_text("Two-step verification is on")).to_be_visible()
    expect(page.get_by_text("You have 8 recovery codes left.")).to_be_visible()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    pages.check(page, "Log-in and security")
