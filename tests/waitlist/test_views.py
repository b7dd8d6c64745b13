"""The waitlist pages: join from the booking page and from an appointment, see, change, leave."""

import pytest

from appointments.services import cancel_appointment
from tests.appointments.factories import visit
from tests.conftest import at, clock_at, login
from tests.waitlist.factories import EntryFactory
from waitlist.models import WaitlistEntry
from waitlist.services import wait_for_earlier

pytestmark = pytest.mark.django_db


def test_the_booking_page_offers_the_waitlist(now, patient_client, doctor):
    page = patient_client.get(f"/appointments/book/{doctor.pk}/").content.decode()
    assert f'href="/appointments/waitlist/join/?doctor={doctor.pk}"' in page
    assert "Tell me if something opens" in page


def test_joining_from_the_booking_page(now, patient, patient_client, doctor):
    form = patient_client.get(f"/appointments/waitlist/join/?doctor={doctor.pk}")
    assert form.status_code == 200
    assert 'value="2030-01-07"' in form.content.decode()  # from today
    response = patient_client.post(
        "/appointments/waitlist/join/",
        {"doctor": doctor.pk, "earliest": "2030-01-08", "latest": "2030-01-31",
         "weekdays": ["0", "4"], "time_of_day": "afternoon"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/appointments/waitlist/"
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.doctor, entry.weekdays, entry.time_of_day) == (
        patient,
        doctor,
        [0, 4],
        "afternoon",
    )
    page = patient_client.get("/appointments/waitlist/").content.decode()
    assert str(doctor) in page and "Monday, Friday" in page


def test_a_window_ending_before_it_starts_is_a_form_error(now, patient_client, doctor):
    response = patient_client.post(
        "/appointments/waitlist/join/",
        {"doctor": doctor.pk, "earliest": "2030-01-10", "latest": "2030-01-09",
         "time_of_day": "any"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "on or after the first day" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_id_take_an_earlier_slot(now, patient, patient_client, doctor):
    appointment = visit(patient, doctor, 9, "10:00")
    mine = patient_client.get("/appointments/").content.decode()
    assert f"/appointments/waitlist/earlier/{appointment.pk}/" in mine
    response = patient_client.post(
        f"/appointments/waitlist/earlier/{appointment.pk}/", {"time_of_day": "any"}
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.appointment, entry.doctor, entry.latest) == (
        appointment,
        doctor,
        appointment.start.date(),
    )


def test_change_and_leave(now, patient, patient_client, doctor):
    entry = EntryFactory(patient=patient, doctor=doctor)
    response = patient_client.post(
        f"/appointments/waitlist/{entry.pk}/edit/",
        {"earliest": "2030-01-09", "latest": "2030-01-12", "time_of_day": "morning"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (str(entry.earliest), str(entry.latest), entry.time_of_day) == (
        "2030-01-09",
        "2030-01-12",
        "morning",
    )
    assert patient_client.get(f"/appointments/waitlist/{entry.pk}/leave/").status_code == 200
    assert WaitlistEntry.objects.get().status == "waiting"  # GET changes nothing
    patient_client.post(f"/appointments/waitlist/{entry.pk}/leave/")
    assert WaitlistEntry.objects.get().status == "left"


def test_another_patients_entry_is_404(now, other_patient, patient_client, doctor):
    entry = EntryFactory(patient=other_patient, doctor=doctor)
    assert patient_client.get(f"/appointments/waitlist/{entry.pk}/edit/").status_code == 404
    assert patient_client.post(f"/appointments/waitlist/{entry.pk}/leave/").status_code == 404
    assert WaitlistEntry.objects.get().status == "waiting"


def test_the_entry_expires_at_the_end_of_its_last_day(patient, doctor):
    EntryFactory(patient=patient, doctor=doctor, latest=at(1, "00:00").date())
    with clock_at(at(1, "23:59")):
        page = login(patient.user).get("/appointments/waitlist/").content.decode()
    assert "Expired" not in page
    with clock_at(at(2, "00:01")):
        page = login(patient.user).get("/appointments/waitlist/").content.decode()
    assert "Expired" in page


def test_an_earlier_time_entry_closes_with_its_appointment(now, patient, patient_client, doctor):
    appointment = visit(patient, doctor, 9, "10:00")
    wait_for_earlier(appointment=appointment, actor=patient.user)
    cancel_appointment(appointment=appointment, actor=patient.user)
    page = patient_client.get("/appointments/waitlist/").content.decode()
    assert "Closed: the appointment changed" in page
    assert "You are not waiting for any time." in page


def test_joining_for_any_doctor_of_a_specialty(now, patient, patient_client, doctor):
    page = patient_client.get(f"/appointments/book/{doctor.pk}/").content.decode()
    link = f"/appointments/waitlist/join/?specialty={doctor.specialty.slug}"
    assert link in page
    assert doctor.specialty.name in patient_client.get(link).content.decode()
    patient_client.post(
        "/appointments/waitlist/join/",
        {"specialty": doctor.specialty.slug, "earliest": "2030-01-08", "latest": "2030-01-31",
         "time_of_day": "any"},
    )  # fmt: skip
    entry = WaitlistEntry.objects.get()
    assert (entry.doctor, entry.specialty) == (None, doctor.specialty)
