"""Booking from the home page in at most three page loads (issue 15): the home page's next
free times link straight to the confirmation, whose button books. Counted as the main
frame's navigations (a redirect after the POST is part of one), with JavaScript on (and
off: it takes no more), axe-checked at 360, 390 and 1280 px."""

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.conftest import Pages
from tests.e2e.helpers import human, message
from tests.patients.factories import PatientFactory

MOST_PAGE_LOADS = 3


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_patient_books_from_the_home_page_in_three_page_loads(new_context, clinic_now, js):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    patient = PatientFactory()
    pages = Pages(js=js)
    page = new_context(js=js, user=patient.user).new_page()
    loads = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    # The clock ticks on from 08:00: with two hours' notice 10:00 has just gone.
    first = at(clinic_now.date(), "10:30")

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you need?")
    pages.check(page, "Home - next free times")  # resizes the page and runs axe: no navigation
    times = page.locator("section", has=page.get_by_role("heading", name="Next free times"))
    expect(times.locator("li").first).to_contain_text("Dr Asha Patel")
    times.locator("li").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("3. Confirm your booking")
    expect(page.get_by_text(human(first))).to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()
    expect(message(page)).to_contain_text(f"You are booked with {doctor} on {human(first)}.")

    assert len(loads) <= MOST_PAGE_LOADS, loads
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.doctor, appointment.start) == (doctor, first)
