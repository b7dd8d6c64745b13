"""A patient's page (records.views.patient_detail): who sees whom, their history and
records, and the access log."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog
from tests.appointments.factories import visit
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def detail(patient):
    return reverse("patients:detail", args=[patient.pk])


class TestAccess:
    def test_a_patient_sees_their_own_page_without_a_log_row(self, now, patient, patient_client):
        response = patient_client.get(detail(patient))

        assert response.status_code == 200
        assert not AccessLog.objects.exists()


class TestDetail:
    def test_shows_the_profile(self, now, doctor, doctor_client):
        patient = PatientFactory(
            date_of_birth=datetime.date(1985, 6, 15),
            blood_type="AB-",
            allergies="Penicillin\nPeanuts",
            medical_history="Asthma since childhood",
            emergency_contact_name="Sam Haddad",
            emergency_contact_phone="+44 20 7946 0000",
        )
        visit(patient, doctor, -7)

        response = doctor_client.get(detail(patient))

        assert response.status_code == 200
        content = response.content.decode()
        assert patient.user.display_name in content
        assert "44 years" in content
        assert "AB−" in content
        assert "Penicillin<br>Peanuts" in content
        assert "Asthma since childhood" in content
        assert "Sam Haddad" in content
        assert "+44 20 7946 0000" in content

    def test_a_doctor_sees_their_history_with_this_patient_and_the_records(
        self, now, doctor, other_doctor, patient, doctor_client
    ):
        mine = visit(patient, doctor, -7, "10:00", status=Status.FULFILLED, reason="Sore throat")
        upcoming = visit(patient, doctor, 2, "11:00", reason="Follow-up")
        theirs = visit(patient, other_doctor, -3, "15:00", reason="Knee pain")
        record = MedicalRecordFactory(appointment=mine, diagnosis="Tonsillitis")

        content = doctor_client.get(detail(patient)).content.decode()

        assert reverse("appointments:detail", args=[mine.pk]) in content
        assert reverse("appointments:detail", args=[upcoming.pk]) in content
        assert "Sore throat" in content and "Follow-up" in content
        assert reverse("appointments:detail", args=[theirs.pk]) not in content
        assert "Knee pain" not in content
        assert "Tonsillitis" in content
        assert reverse("records:detail", args=[record.pk]) in content

    def test_staff_see_appointments_with_every_doctor(
        self, now, doctor, other_doctor, patient, staff_client
    ):
        visit(patient, doctor, -7, reason="Sore throat")
        visit(patient, other_doctor, -3, reason="Knee pain")

        content = staff_client.get(detail(patient)).content.decode()

        assert "Sore throat" in content and "Knee pain" in content

    def test_a_patient_whose_visit_was_cancelled_is_404(self, now, doctor, patient, doctor_client):
        visit(patient, doctor, 2, status=Status.CANCELLED)

        assert doctor_client.get(detail(patient)).status_code == 404

    def test_a_view_writes_one_access_log_row(self, now, doctor, patient, doctor_client):
        visit(patient, doctor, -7)

        response = doctor_client.get(detail(patient), REMOTE_ADDR="203.0.113.9")

        assert response.status_code == 200
        entry = AccessLog.objects.get()
        assert entry.actor == doctor.user
        assert entry.action == AccessLog.Action.VIEW
        assert entry.target == AccessLog.Target.PATIENT
        assert entry.object_id == patient.pk
        assert entry.patient == patient
        assert entry.ip_address == "203.0.113.9"

    def test_each_diagnosis_shown_is_logged_as_a_look_at_its_record(
        self, now, doctor, patient, doctor_client
    ):
        records = [
            MedicalRecordFactory(appointment=visit(patient, doctor, -n, status=Status.FULFILLED))
            for n in (14, 7)
        ]

        response = doctor_client.get(detail(patient), REMOTE_ADDR="203.0.113.9")

        assert "Seasonal allergic rhinitis" in response.content.decode()
        looks = AccessLog.objects.filter(target=AccessLog.Target.RECORD)
        assert sorted(looks.values_list("object_id", flat=True)) == [r.pk for r in records]
        assert {(e.actor, e.action, e.patient, e.ip_address) for e in looks} == {
            (doctor.user, AccessLog.Action.VIEW, patient, "203.0.113.9")
        }

    def test_a_staff_view_is_logged_too(self, now, staff, patient, staff_client):
        staff_client.get(detail(patient))

        assert AccessLog.objects.get().actor == staff

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_history(
        self, now, doctor, patient, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            past = visit(patient, doctor, -n - 1, status=Status.FULFILLED)
            MedicalRecordFactory(appointment=past)
            visit(patient, doctor, n + 1)

        # session, user, doctor, patient, appointments, records, a broken glass?, log rows
        # of the profile and of the records
        with django_assert_num_queries(9):
            response = doctor_client.get(detail(patient))

        assert response.content.decode().count("status-fulfilled") == count
