"""Flow 1: a new patient registers, finds a doctor by specialty, books, downloads the
visit's .ics, reschedules it, and cancels another visit — with and without JavaScript.

With JavaScript, choosing a day swaps only the slot picker (htmx): the page is not
reloaded, the address bar follows, and the keyboard focus stays on the day link.
"""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.appointments.mail_support import run_worker
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SpecialtyFactory
from tests.e2e.conftest import Pages
from tests.e2e.helpers import human, long_day, message

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def cardiologist(clinic_now):
    SpecialtyFactory(name="Dermatology", slug="dermatology")
    DoctorFactory(user__first_name="Ben", user__last_name="Okafor", specialty__slug="dermatology")
    return DoctorFactory(
        user__first_name="Asha",
        user__last_name="Patel",
        specialty=SpecialtyFactory(name="Cardiology", slug="cardiology"),
    )


def choose_day(page, day, *, js):
    """Pick a day in the slot picker; with JavaScript, prove the page was not reloaded."""
    if js:
        page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}", exact=True).click()
    expect(page.locator("#slot-heading")).to_contain_text(long_day(day))
    assert page.url.endswith(f"?day={day.isoformat()}")
    expect(page.locator(f"#day-{day.isoformat()}")).to_have_attribute("aria-current", "date")
    if js:
        assert page.evaluate("window.stillTheSamePage === true"), "the day link reloaded the page"
        expect(page.locator(f"#day-{day.isoformat()}")).to_be_focused()
        expect(page.locator("#slot-picker-status")).to_contain_text("free times on")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_new_patient_books_reschedules_and_cancels(new_context, cardiologist, clinic_now, js):
    pages = Pages(js=js)
    page = new_context(js=js).new_page()
    monday = clinic_now.date()
    tuesday, wednesday, thursday = (monday + datetime.timedelta(days=n) for n in (1, 2, 3))

    # Register.
    page.goto("/")
    pages.check(page, "Home")
    page.get_by_role("link", name="Register").click()
    pages.check(page, "Register")
    page.get_by_label("Email").fill("nora.quinn@example.org")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.locator("#id_password1").fill(PASSWORD)  # its label is a prefix of the next one
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    pages.check(page, "Register - check your email")

    # Activate the account from the emailed link, then log in.
    run_worker()  # the task worker sends it
    (email,) = [m for m in mail.outbox if m.to == ["nora.quinn@example.org"]]
    page.goto(re.search(r"/accounts/activate/\S+", email.body)[0])
    expect(message(page)).to_contain_text("Your account is active. Please log in.")
    page.get_by_label("Email").fill("nora.quinn@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")
    expect(page.get_by_text("You have no upcoming appointments.")).to_be_visible()
    pages.check(page, "My appointments (empty)")

    # Find a cardiologist from the home page.
    page.goto("/")
    page.get_by_label("Specialty").select_option(label="Cardiology")
    page.get_by_role("button", name="Find a doctor").click()
    expect(page.get_by_text("1 doctor found.")).to_be_visible()
    expect(page.get_by_text("Okafor")).to_have_count(0)
    pages.check(page, "Directory filtered by specialty")
    page.get_by_role("link", name=str(cardiologist), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(cardiologist))
    pages.check(page, "Doctor page")

    # Book Tuesday 09:30.
    page.get_by_role("link", name="See more days").or_(
        page.get_by_role("link", name="Choose a day")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Book a visit with")
    pages.check(page, "Book - choose a day")
    choose_day(page, tuesday, js=js)
    pages.check(page, "Book - choose a time")
    page.get_by_role("link", name=f"Book {tuesday:%A} {tuesday.day} {tuesday:%B}, 09:30").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("3. Confirm your booking")
    expect(page.get_by_text(human(at(tuesday, "09:30")))).to_be_visible()
    pages.check(page, "Book - confirm")
    page.get_by_label("Reason for the visit").fill("Chest pain when climbing stairs")
    page.get_by_role("button", name="Confirm booking").click()
    expect(message(page)).to_contain_text(
        f"You are booked with {cardiologist} on {human(at(tuesday, '09:30'))}."
    )
    pages.check(page, "Appointment page")

    # It is under "My appointments"; its .ics downloads.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    card = page.locator(".appointment-card").filter(has_text=human(at(tuesday, "09:30")))
    expect(card).to_contain_text(str(cardiologist))
    expect(card).to_contain_text("Booked")
    pages.check(page, "My appointments")
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Add to calendar (.ics)").click()
    ics = download_info.value.path().read_text()
    assert "BEGIN:VCALENDAR" in ics and "BEGIN:VEVENT" in ics
    assert download_info.value.suggested_filename.endswith(".ics")

    # Reschedule it to Wednesday 10:00.
    card.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reschedule appointment")
    pages.check(page, "Reschedule")
    choose_day(page, wednesday, js=js)
    page.get_by_role(
        "button", name=f"Move to {wednesday:%A} {wednesday.day} {wednesday:%B}, 10:00"
    ).click()
    # Nothing moves until the old and the new time are confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the new time")
    page.get_by_role("button", name="Move my visit").click()
    expect(message(page)).to_contain_text(
        f"Your appointment is moved to {human(at(wednesday, '10:00'))}."
    )

    # Book another visit (Thursday 14:00), then cancel that one.
    page.goto(f"/appointments/book/{cardiologist.pk}/?day={thursday.isoformat()}")
    page.get_by_role("link", name=f"Book {thursday:%A} {thursday.day} {thursday:%B}, 14:00").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(message(page)).to_contain_text(human(at(thursday, "14:00")))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    other = page.locator(".appointment-card").filter(has_text=human(at(thursday, "14:00")))
    other.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel appointment")
    pages.check(page, "Cancel")
    page.get_by_label("Reason for cancelling").fill("Feeling better")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(message(page)).to_contain_text(
        f"The appointment on {human(at(thursday, '14:00'))} is cancelled."
    )
    expect(page.locator(".status")).to_have_text("Cancelled")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    expect(upcoming.locator(".appointment-card")).to_have_count(1)
    expect(upcoming).to_contain_text(human(at(wednesday, "10:00")))
    past = page.locator("section", has=page.get_by_role("heading", name="Past and cancelled"))
    expect(past).to_contain_text(human(at(thursday, "14:00")))

    statuses = sorted(
        Appointment.objects.filter(patient__user__email="nora.quinn@example.org").values_list(
            "status", flat=True
        )
    )
    assert statuses == ["booked", "cancelled"]
