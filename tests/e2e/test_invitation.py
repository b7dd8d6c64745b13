"""Staff invite a doctor instead of setting their password: the doctor follows the emailed
link, chooses a password and goes straight on to set up their second factor. And a
patient who logs in before activating is told so and offered the link again."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, StaffFactory, UserFactory
from tests.appointments.mail_support import run_worker
from tests.doctors.factories import SpecialtyFactory
from tests.e2e.helpers import log_in


def test_an_invited_doctor_chooses_a_password_then_sets_up_a_second_factor(new_context, pages):
    staff = StaffFactory()
    SpecialtyFactory(name="Neurology", slug="neurology")
    page = new_context().new_page()
    log_in(page, staff, url="/admin/")

    page.goto("/admin/doctors/doctor/add/")
    page.get_by_label("Email address").fill("lena.moreau@clinic.example")
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Moreau")
    page.get_by_label("Specialty").select_option(label="Neurology")
    page.get_by_label("Licence number").or_(page.get_by_label("License number")).fill("NEU-0042")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("An invitation to choose a password")

    run_worker()  # the task worker sends it
    (email,) = [m for m in mail.outbox if m.to == ["lena.moreau@clinic.example"]]
    link = re.search(r"https?://[^/\s]+(/accounts/invitation/\S+/)", email.body)[1]
    doctor_page = new_context().new_page()
    doctor_page.goto(link)
    expect(doctor_page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    pages.check(doctor_page, "Invitation")
    doctor_page.locator("#id_new_password1").fill("an-unusual-doctor-passphrase-17")
    doctor_page.locator("#id_new_password2").fill("an-unusual-doctor-passphrase-17")
    doctor_page.get_by_role("button", name="Set my password").click()

    expect(doctor_page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    again = new_context().new_page()
    again.goto(link)  # the link worked once
    expect(again.get_by_role("heading", level=1)).to_have_text("This link no longer works")


def test_logging_in_before_activation_offers_the_link_again(new_context, pages):
    UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)
    page = new_context().new_page()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nia@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("This account is waiting for activation")).to_be_visible()
    pages.check(page, "Log in awaiting activation")
    page.get_by_role("button", name="Send the activation link again").click()
    expect(page.locator(".messages")).to_contain_text("If an account with this address")
    run_worker()
    assert [m.to for m in mail.outbox] == [["nia@example.org"]]
