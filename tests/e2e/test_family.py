"""A parent adds their child on "My family", books a visit for the child and sees it under
"My appointments", marked as the child's: at 390 px and 1280 px, JavaScript on and off,
every page axe-checked (with JavaScript)."""

import datetime
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from patients.models import Guardianship
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.conftest import DESKTOP, PHONE_390, Pages
from tests.e2e.helpers import human, message
from tests.patients.factories import PatientFactory


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_parent_books_for_their_child(new_context, clinic_now, js, viewport):
    pages = Pages(js=js)
    parent = PatientFactory(user__first_name="Nora", user__last_name="Quinn")
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    page = new_context(js=js, viewport=viewport, user=parent.user).new_page()
    start = at(clinic_now.date() + datetime.timedelta(days=1), "09:30")  # Tuesday

    # Add the child from the profile's "Family" section.
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="My family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My family")
    pages.check(page, "Family - empty")
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Date of birth").fill("2019-05-02")
    page.get_by_label("They are").select_option(label="My child")
    page.get_by_role("button", name="Add").click()
    expect(message(page)).to_contain_text("Mia Quinn is added to your family.")
    expect(page.locator(".family-member")).to_contain_text("Mia Quinn")
    pages.check(page, "Family - a child")

    # Book Tuesday 09:30 for her (the slot's link leads to this confirmation page).
    page.goto(f"/appointments/book/{doctor.pk}/confirm/?{urlencode({'start': start.isoformat()})}")
    who = page.get_by_label("Who is the visit for?")
    expect(who).to_have_value(str(parent.pk))  # themself by default
    pages.check(page, "Book for a child - confirm")
    who.select_option(label="Mia Quinn")
    page.get_by_role("button", name="Confirm booking").click()
    expect(message(page)).to_contain_text(f"Mia Quinn is booked with {doctor} on {human(start)}.")
    expect(page.locator("dl.summary")).to_contain_text("Mia Quinn")

    # Under "My appointments", marked as hers.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    card = page.locator(".appointment-card").filter(has_text=human(start))
    expect(card).to_contain_text("Mia Quinn")
    expect(card.locator(".visit-for")).to_have_text("Mia Quinn")
    pages.check(page, "My appointments - a child's visit")

    appointment = Appointment.objects.get()
    child = Guardianship.objects.get().dependant
    assert (appointment.patient, appointment.booked_by) == (child, parent.user)
