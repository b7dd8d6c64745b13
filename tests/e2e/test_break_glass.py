"""Break the glass: a doctor who last saw a patient two years ago finds their records
closed, opens them with a reason, and the patient sees that reason under "Who looked at
my records"."""

import datetime

from playwright.sync_api import expect

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.helpers import message
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

FULFILLED = Appointment.Status.FULFILLED


def test_a_former_doctor_breaks_the_glass_and_the_patient_sees_why(new_context, clinic_now, pages):
    doctor = DoctorFactory(user__first_name="Iris", user__last_name="Mwangi")
    patient = PatientFactory(user__first_name="Omar", user__last_name="Haddad")
    today = clinic_now.date()
    AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=at(today - datetime.timedelta(days=730), "09:00"),
        status=FULFILLED,
    )
    recent = AppointmentFactory(
        patient=patient, start=at(today - datetime.timedelta(days=10), "10:00"), status=FULFILLED
    )
    MedicalRecordFactory(appointment=recent, diagnosis="Type 1 diabetes")

    page = new_context(user=doctor.user).new_page()
    page.goto(f"/patients/{patient.pk}/")
    records = page.locator("section", has=page.locator("#records-heading"))
    expect(records).to_contain_text("records are closed to you")
    expect(records).not_to_contain_text("Type 1 diabetes")
    pages.check(page, "Patient page, records closed")

    records.get_by_role("link", name="Break the glass").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Break the glass")
    pages.check(page, "Break the glass")
    page.get_by_label("Emergency").check()
    page.get_by_label("In your words").fill("Brought in unconscious; need the history.")
    page.get_by_role("button", name="Open the records").click()

    expect(message(page)).to_contain_text("You can read Omar Haddad's records until 12:")
    expect(records).to_contain_text("Type 1 diabetes")
    pages.check(page, "Patient page, glass broken")

    patient_page = new_context(user=patient.user).new_page()
    patient_page.goto("/records/access-log/")
    row = patient_page.locator("tbody tr").filter(has_text="Broke the glass")
    expect(row).to_contain_text("Iris Mwangi")
    expect(row).to_contain_text("Emergency: Brought in unconscious; need the history.")
    pages.check(patient_page, "Who looked at my records, glass broken")
