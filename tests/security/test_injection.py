"""Injection and XSS: hostile text is stored verbatim and shown escaped everywhere.

Every piece of user-controlled text (names, reasons, notes, diagnosis, bio, specialty,
health details, search boxes, query parameters) carries a script payload and an SQL
payload. Stored through the real forms and API where people type it, it must come back
from the database unchanged; every HTML page that shows it must show it as text (never
markup), and the API must return it verbatim inside JSON.
"""

import json

import pytest
from django.urls import reverse

from appointments.models import Appointment
from records.models import MedicalRecord
from tests.api_support import api_client
from tests.appointments.factories import AppointmentFactory
from tests.conftest import login
from tests.doctors.factories import DoctorFactory, SpecialtyFactory
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = "\"'><img src=x onerror=alert(2)>"
SQL = "'; DROP TABLE accounts_user; -- ' OR '1'='1"
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}{SQL}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def payload(label):
    return f"{label} {PAYLOAD}"


def assert_escaped(response, *, shown=True):
    assert response.status_code == 200, (response.request["PATH_INFO"], response.status_code)
    html = response.content.decode()
    assert SCRIPT not in html
    assert "<img src=x" not in html
    if shown:
        assert ESCAPED_SCRIPT in html, response.request["PATH_INFO"]


@pytest.fixture
def world(now):
    """Everything typed by someone, with the payload in it."""
    specialty = SpecialtyFactory(name=f"Spec {SCRIPT}"[:100], slug="spec")
    doctor = DoctorFactory(
        specialty=specialty,
        user__first_name=payload("Doc"),
        user__last_name=payload("Tor"),
        bio=payload("Bio"),
    )
    patient = PatientFactory(
        user__first_name=payload("Pat"),
        user__last_name=payload("Ient"),
        allergies=payload("Allergies"),
        medical_history=payload("History"),
        emergency_contact_name=payload("Contact")[:150],
    )
    past = AppointmentFactory(
        patient=patient,
        doctor=doctor,
        start=now.replace(day=3, hour=9),
        reason=payload("Reason"),
        status=Appointment.Status.FULFILLED,
    )
    record = MedicalRecordFactory(
        appointment=past,
        diagnosis=payload("Diagnosis"),
        prescription=payload("Prescription"),
        notes=payload("Notes"),
    )
    upcoming = AppointmentFactory(
        patient=patient, doctor=doctor, start=now.replace(day=9, hour=9), reason=payload("Soon")
    )
    return {
        "doctor": doctor,
        "patient": patient,
        "record": record,
        "upcoming": upcoming,
        "past": past,
    }


class TestStoredVerbatim:
    def test_profile_names_and_health_details(self, patient):
        client = login(patient.user)

        client.post(
            reverse("accounts:profile"),
            {
                "first_name": payload("First"),
                "last_name": payload("Last"),
                "phone": "",
                "allergies": payload("Allergies"),
                "medical_history": payload("History"),
                "emergency_contact_name": payload("Contact")[:150],
                "emergency_contact_phone": "",
                "blood_type": "",
            },
        )

        patient.refresh_from_db()
        patient.user.refresh_from_db()
        assert patient.user.first_name == payload("First")
        assert patient.allergies == payload("Allergies")
        assert patient.medical_history == payload("History")

    def test_booking_reason_on_the_page_and_in_the_api(self, now, patient, doctor):
        login(patient.user).post(
            reverse("appointments:book_confirm", args=[doctor.pk]),
            {"start": "2030-01-08T09:00:00+00:00", "reason": payload("Page")},
        )
        api_client(patient.user).post(
            reverse("api:appointment-list"),
            {"doctor": doctor.pk, "start": "2030-01-08T10:00:00Z", "reason": payload("Api")},
            format="json",
        )

        assert sorted(Appointment.objects.values_list("reason", flat=True)) == [
            payload("Api"),
            payload("Page"),
        ]

    def test_record_written_by_the_doctor(self, now, patient, doctor):
        visit = AppointmentFactory(
            patient=patient,
            doctor=doctor,
            start=now.replace(hour=7),
            status=Appointment.Status.CHECKED_IN,
        )

        login(doctor.user).post(
            reverse("records:write", args=[visit.pk]),
            {
                "diagnosis": payload("Diagnosis"),
                "prescription": payload("Prescription"),
                "notes": payload("Notes"),
            },
        )

        record = MedicalRecord.objects.get(appointment=visit)
        assert (record.diagnosis, record.prescription, record.notes) == (
            payload("Diagnosis"),
            payload("Prescription"),
            payload("Notes"),
        )

    def test_the_users_table_is_still_there(self, world):
        assert world["patient"].user.__class__.objects.count() >= 2


class TestRenderedEscaped:
    def test_public_pages(self, world, client):
        assert_escaped(client.get(reverse("home")), shown=False)
        assert_escaped(client.get(reverse("doctors:directory")))
        assert_escaped(client.get(reverse("doctors:detail", args=[world["doctor"].pk])))

    def test_the_patients_pages(self, world):
        client = login(world["patient"].user)
        for url in (
            reverse("appointments:mine"),
            reverse("appointments:detail", args=[world["upcoming"].pk]),
            reverse("appointments:detail", args=[world["past"].pk]),
            reverse("appointments:cancel", args=[world["upcoming"].pk]),
            reverse("appointments:reschedule", args=[world["upcoming"].pk]),
            reverse("records:mine"),
            reverse("records:detail", args=[world["record"].pk]),
            reverse("accounts:profile"),
        ):
            assert_escaped(client.get(url))

    def test_the_doctors_pages(self, world):
        client = login(world["doctor"].user)
        for url in (
            reverse("appointments:schedule"),
            reverse("appointments:detail", args=[world["upcoming"].pk]),
            reverse("patients:list"),
            reverse("patients:detail", args=[world["patient"].pk]),
            reverse("records:detail", args=[world["record"].pk]),
            reverse("accounts:profile"),
        ):
            assert_escaped(client.get(url))

    def test_the_admin(self, world, staff):
        client = login(staff)
        for url in (
            reverse("admin:accounts_user_changelist"),
            reverse("admin:accounts_user_change", args=[world["patient"].user.pk]),
            reverse("admin:appointments_appointment_changelist"),
            reverse("admin:appointments_appointment_change", args=[world["upcoming"].pk]),
            reverse("admin:records_medicalrecord_change", args=[world["record"].pk]),
            reverse("admin:patients_patient_change", args=[world["patient"].pk]),
            reverse("admin:doctors_doctor_change", args=[world["doctor"].pk]),
        ):
            assert_escaped(client.get(url))

    def test_the_email_change_list_of_the_security_log(self, staff, client):
        client.post(reverse("accounts:login"), {"username": PAYLOAD[:200], "password": "x"})

        assert_escaped(
            login(staff).get(reverse("admin:accounts_securityevent_changelist")), shown=False
        )


class TestSearchBoxesAndQueryParameters:
    def test_directory_search_echoes_escaped_and_matches_nothing(self, world, client):
        other = DoctorFactory(user__last_name="Plainname")

        response = client.get(reverse("doctors:directory"), {"q": SQL})

        assert_escaped(response, shown=False)
        assert "Plainname" not in response.text
        assert str(other) not in response.text
        response = client.get(reverse("doctors:directory"), {"q": PAYLOAD})
        assert_escaped(response)

    def test_patient_search_echoes_escaped(self, world):
        response = login(world["doctor"].user).get(reverse("patients:list"), {"q": PAYLOAD})

        assert_escaped(response)

    @pytest.mark.parametrize("parameter", ["day", "page", "specialty"])
    def test_hostile_query_parameters_are_never_echoed_raw(self, world, parameter):
        client = login(world["patient"].user)
        for url in (
            reverse("appointments:book", args=[world["doctor"].pk]),
            reverse("doctors:directory"),
            reverse("appointments:mine"),
            reverse("doctors:detail", args=[world["doctor"].pk]),
        ):
            assert_escaped(client.get(url, {parameter: PAYLOAD}), shown=False)


class TestApiReturnsItVerbatim:
    def get(self, user, url, **params):
        response = api_client(user).get(url, params)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/json"
        return json.loads(response.content)

    def test_appointments_records_patients_and_doctors(self, world):
        patient = world["patient"].user

        appointments = self.get(patient, reverse("api:appointment-list"))["results"]
        record = self.get(patient, reverse("api:record-detail", args=[world["record"].pk]))
        me = self.get(patient, reverse("api:auth-me"))
        doctor = self.get(patient, reverse("api:doctor-detail", args=[world["doctor"].pk]))

        assert {a["reason"] for a in appointments} == {payload("Reason"), payload("Soon")}
        assert record["diagnosis"] == payload("Diagnosis")
        assert record["notes"] == payload("Notes")
        assert me["first_name"] == payload("Pat")
        assert doctor["bio"] == payload("Bio")

    def test_a_hostile_filter_is_a_clean_400_or_empty_list(self, world):
        response = api_client(world["patient"].user).get(
            reverse("api:appointment-list"), {"status": SQL, "doctor": SQL}
        )

        assert response.status_code in (200, 400)
        assert SCRIPT not in response.content.decode()
