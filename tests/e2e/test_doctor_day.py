"""Flow 2: a doctor logs in, sees today's agenda, checks a patient in and writes the
record; the patient then reads it under "My records"."""

from playwright.sync_api import expect

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.helpers import log_in, message
from tests.patients.factories import PatientFactory


def test_doctor_checks_in_and_writes_the_record_the_patient_reads(new_context, clinic_now, pages):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    patient = PatientFactory(user__first_name="Nora", user__last_name="Quinn")
    today = clinic_now.date()
    visit = AppointmentFactory(
        doctor=doctor, patient=patient, start=at(today, "09:00"), reason="Persistent cough"
    )
    AppointmentFactory(doctor=doctor, start=at(today, "11:00"), reason="Check-up")

    page = new_context().new_page()
    page.goto("/accounts/login/")
    pages.check(page, "Log in")
    log_in(page, doctor.user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    today_section = page.locator("section", has=page.locator("#today-heading"))
    rows = today_section.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("09:00")
    expect(rows.first).to_contain_text("Nora Quinn")
    pages.check(page, "Doctor dashboard")

    rows.first.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("09:00")
    pages.check(page, "Doctor appointment page")
    page.get_by_role("button", name="Check in").click()
    expect(message(page)).to_contain_text("marked “Checked in”")
    expect(page.locator("p .status")).to_have_text("Checked in")

    page.get_by_role("link", name="Write record").click()
    pages.check(page, "Write record")
    page.get_by_label("Diagnosis").fill("Acute bronchitis")
    page.get_by_label("Prescription").fill("Rest and fluids")
    page.get_by_label("Notes").fill("Review in two weeks if no better.")
    page.get_by_role("button", name="Save record").click()
    expect(message(page)).to_contain_text("The record is saved and the appointment is marked")
    expect(page.get_by_text("Acute bronchitis")).to_be_visible()
    pages.check(page, "Record (doctor)")
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.FULFILLED

    patient_page = new_context().new_page()
    log_in(patient_page, patient.user)
    patient_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My records"
    ).click()
    row = patient_page.locator("tbody tr").filter(has_text="Acute bronchitis")
    expect(row).to_contain_text(str(doctor))
    pages.check(patient_page, "My records")
    row.get_by_role("link", name="Read").click()
    expect(patient_page.get_by_text("Rest and fluids")).to_be_visible()
    pages.check(patient_page, "Record (patient)")
