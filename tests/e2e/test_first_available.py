"""A new patient books "New patient consultation" through "first available" at a site
they choose, from the home page's "What do you need?" — with and without JavaScript,
axe-checked at 360, 390 and 1280 px on every page (issues 14 and 15)."""

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from doctors.models import VisitType
from tests.doctors.factories import DoctorFactory, SiteFactory, VisitTypeFactory, main_site
from tests.e2e.conftest import Pages
from tests.e2e.helpers import message
from tests.patients.factories import PatientFactory


@pytest.fixture
def clinic(clinic_now):
    new_patients = VisitTypeFactory(
        name="New patient consultation",
        description="A first visit with a doctor you have not seen before.",
        length_minutes=30,
        online_booking=VisitType.OnlineBooking.NEW_PATIENTS,
    )
    main_site()
    north = SiteFactory(name="Northgate Clinic", address="48 Northgate Street\nLondon N1 2AB")
    DoctorFactory(user__first_name="Ben", user__last_name="Okafor", offers=[new_patients])
    at_north = DoctorFactory(
        user__first_name="Asha",
        user__last_name="Patel",
        offers=[new_patients],
        working_hours=[(day, "13:00", "17:00", north) for day in range(5)],
    )
    return new_patients, north, at_north


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_new_patient_books_the_first_available_new_patient_visit_at_a_site(
    new_context, clinic, js
):
    new_patients, north, at_north = clinic
    patient = PatientFactory(user__first_name="Nora", user__last_name="Quinn")
    pages = Pages(js=js)
    page = new_context(js=js, user=patient.user).new_page()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you need?")
    pages.check(page, "Home - what do you need")
    page.get_by_label("I need").select_option(label="New patient consultation")
    page.get_by_label("At", exact=True).select_option(label="Northgate Clinic")
    page.get_by_role("button", name="Earliest first").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("free times")
    pages.check(page, "First available - results")
    first = page.locator(".first-available li").first
    expect(first).to_contain_text("Dr Asha Patel")
    expect(first).to_contain_text("Northgate Clinic, 48 Northgate Street, London N1 2AB")
    first.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("3. Confirm your booking")
    expect(page.locator(".summary")).to_contain_text("New patient consultation")
    pages.check(page, "First available - confirm")
    page.get_by_role("button", name="Confirm booking").click()

    expect(message(page)).to_contain_text("You are booked with Dr Asha Patel")
    pages.check(page, "First available - booked")
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.doctor, appointment.visit_type, appointment.site) == (
        at_north,
        new_patients,
        north,
    )
    assert appointment.start.astimezone(appointment.start.tzinfo).hour >= 13
