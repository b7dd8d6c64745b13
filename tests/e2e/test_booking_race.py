"""Flow 4: two patients have the same free time on screen and both confirm it. The first
gets it; the second is told plainly that it is gone and sees that day's fresh times."""

import datetime

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.helpers import human, long_day, message
from tests.patients.factories import PatientFactory


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_two_patients_confirm_the_same_slot_one_wins(new_context, clinic_now, pages, js):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    first, second = PatientFactory(), PatientFactory()
    tuesday = clinic_now.date() + datetime.timedelta(days=1)
    slot = at(tuesday, "10:00")
    slot_link = f"Book {tuesday:%A} {tuesday.day} {tuesday:%B}, 10:00"

    confirm_pages = []
    for patient in (first, second):
        page = new_context(user=patient.user, js=js).new_page()
        page.goto(f"/appointments/book/{doctor.pk}/?day={tuesday.isoformat()}")
        page.get_by_role("link", name=slot_link).click()
        expect(page.get_by_text(human(slot))).to_be_visible()
        page.get_by_label("Reason for the visit").fill("Same slot, two people")
        confirm_pages.append(page)
    winner, loser = confirm_pages

    winner.get_by_role("button", name="Confirm booking").click()
    expect(message(winner)).to_contain_text(f"You are booked with {doctor} on {human(slot)}.")

    loser.get_by_role("button", name="Confirm booking").click()
    expect(message(loser)).to_contain_text("no longer available")
    expect(loser.locator("#times-heading")).to_contain_text(long_day(tuesday))
    expect(loser.get_by_role("link", name=slot_link)).to_have_count(0)
    expect(
        loser.get_by_role("link", name=f"Book {tuesday:%A} {tuesday.day} {tuesday:%B}, 10:30")
    ).to_be_visible()
    if js:
        pages.check(loser, "Book - slot taken")

    booked = Appointment.objects.filter(doctor=doctor, start=slot).active()
    assert list(booked.values_list("patient", flat=True)) == [first.pk]
