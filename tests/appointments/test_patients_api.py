"""The API's patient profiles (appointments.api.patients): who sees whom, who changes what,
and the access log."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from patients.models import AccessLog, Patient
from tests.api_support import api_client, assert_error, assert_list_queries_do_not_grow, ids
from tests.appointments.factories import AppointmentFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:patient-list")
FIRST_VISIT = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=datetime.UTC)


def detail(patient):
    return reverse("api:patient-detail", args=[patient.pk])


@pytest.fixture
def my_patient(doctor, patient):
    AppointmentFactory(doctor=doctor, patient=patient)
    return patient


class TestList:
    def test_staff_see_every_patient_as_a_summary(self, staff, patient, other_patient):
        response = api_client(staff).get(LIST)

        assert sorted(ids(response)) == sorted([patient.pk, other_patient.pk])
        body = response.json()
        assert (body["count"], body["next"], body["previous"]) == (2, None, None)
        row = next(r for r in body["results"] if r["id"] == patient.pk)
        assert row == {
            "id": patient.pk,
            "user_id": patient.user.pk,
            "email": patient.user.email,
            "first_name": patient.user.first_name,
            "last_name": patient.user.last_name,
            "date_of_birth": "1985-06-15",
            "is_active": True,
        }

    def test_a_doctor_sees_only_patients_with_an_appointment_with_them(
        self, doctor, other_doctor, my_patient, other_patient
    ):
        AppointmentFactory(doctor=other_doctor, patient=other_patient)
        cancelled = PatientFactory()
        AppointmentFactory(doctor=doctor, patient=cancelled, status=Appointment.Status.CANCELLED)

        assert ids(api_client(doctor.user).get(LIST)) == [my_patient.pk]

    def test_a_patient_sees_only_themself(self, patient, other_patient):
        assert ids(api_client(patient.user).get(LIST)) == [patient.pk]

    def test_anonymous_is_401(self):
        assert_error(api_client().get(LIST), 401, "not_authenticated")

    def test_is_paginated_with_page_size(self, staff):
        PatientFactory.create_batch(3)

        body = api_client(staff).get(LIST, {"page_size": 2}).json()

        assert body["count"] == 3
        assert len(body["results"]) == 2
        assert "page=2" in body["next"]
        assert body["previous"] is None
        assert_error(api_client(staff).get(LIST, {"page": 9}), 404, "not_found")

    @pytest.mark.parametrize("role", ["staff", "doctor"])
    def test_query_count_does_not_grow_with_rows(self, role, staff, doctor):
        user = staff if role == "staff" else doctor.user

        assert_list_queries_do_not_grow(
            api_client(user),
            LIST,
            lambda n: AppointmentFactory(
                doctor=doctor, start=FIRST_VISIT + datetime.timedelta(minutes=30 * n)
            ),
        )


class TestRead:
    def test_a_patient_reads_their_own_profile_without_a_log_entry(self, patient):
        response = api_client(patient.user).get(detail(patient))

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == patient.pk
        assert body["blood_type"] == "O+"
        assert {"allergies", "medical_history", "emergency_contact_name"} <= set(body)
        assert not AccessLog.objects.exists()

    def test_a_doctor_reads_their_patient_and_it_is_logged(self, doctor, my_patient):
        response = api_client(doctor.user).get(detail(my_patient), REMOTE_ADDR="10.1.2.3")

        assert response.status_code == 200
        entry = AccessLog.objects.get()
        assert (entry.actor, entry.action, entry.target, entry.object_id, entry.patient) == (
            doctor.user,
            "view",
            "patient",
            my_patient.pk,
            my_patient,
        )
        assert entry.ip_address == "10.1.2.3"

    def test_staff_read_anyone_and_it_is_logged(self, staff, other_patient):
        assert api_client(staff).get(detail(other_patient)).status_code == 200
        assert AccessLog.objects.get().actor == staff


class TestUpdate:
    def test_a_patient_changes_their_own_profile(self, patient):
        response = api_client(patient.user).patch(
            detail(patient),
            {"allergies": "Penicillin", "first_name": "Ada", "email": "new@example.org"},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["allergies"] == "Penicillin"
        patient.refresh_from_db()
        assert patient.allergies == "Penicillin"
        assert patient.user.first_name == "Ada"
        assert patient.user.email != "new@example.org"  # the login's address is not changed here
        assert not AccessLog.objects.exists()

    def test_put_replaces_the_profile_and_needs_the_names(self, patient):
        client = api_client(patient.user)

        missing = client.put(detail(patient), {"allergies": "None"}, format="json")
        full = client.put(
            detail(patient),
            {
                "first_name": "Ada",
                "last_name": "King",
                "blood_type": "A-",
                "phone": "020 7946 0123",
            },
            format="json",
        )

        assert_error(missing, 400, "invalid", fields=["first_name", "last_name"])
        assert full.status_code == 200
        patient.refresh_from_db()
        assert (patient.user.last_name, patient.blood_type, patient.user.phone) == (
            "King",
            "A-",
            "+44 20 7946 0123",
        )

    def test_staff_change_a_profile_and_it_is_logged(self, staff, patient):
        response = api_client(staff).patch(detail(patient), {"allergies": "Latex"}, format="json")

        assert response.status_code == 200
        entry = AccessLog.objects.get()
        assert (entry.actor, entry.action, entry.target) == (staff, "update", "patient")

    def test_a_doctor_may_read_but_not_change_their_patient(self, doctor, my_patient):
        response = api_client(doctor.user).patch(
            detail(my_patient), {"allergies": "Latex"}, format="json"
        )

        assert_error(response, 403, "permission_denied")
        my_patient.refresh_from_db()
        assert my_patient.allergies == ""

    def test_patient_a_changing_patient_b_gets_404(self, patient, other_patient):
        response = api_client(patient.user).patch(
            detail(other_patient), {"allergies": "Latex"}, format="json"
        )

        assert_error(response, 404, "not_found")

    @pytest.mark.parametrize(
        ("field", "value"),
        [("date_of_birth", "2999-01-01"), ("date_of_birth", "1850-01-01"), ("blood_type", "Z")],
    )
    def test_invalid_values_are_400_with_the_field(self, patient, now, field, value):
        response = api_client(patient.user).patch(detail(patient), {field: value}, format="json")

        assert_error(response, 400, "invalid", fields=[field])


class TestCreate:
    def test_staff_create_a_patient_with_login_and_profile(self, staff):
        response = api_client(staff).post(
            LIST,
            {
                "email": "New.Patient@example.org",
                "first_name": "New",
                "last_name": "Patient",
                "date_of_birth": "1990-02-03",
            },
            format="json",
        )

        assert response.status_code == 201
        patient = Patient.objects.get(user__email="new.patient@example.org")
        assert response.json()["id"] == patient.pk
        assert patient.user.role == "patient"
        assert not patient.user.has_usable_password()
        assert AccessLog.objects.get().action == "create"

    def test_a_given_password_is_validated(self, staff):
        response = api_client(staff).post(
            LIST,
            {"email": "p@example.org", "first_name": "P", "last_name": "Q", "password": "123"},
            format="json",
        )

        assert_error(response, 400, "invalid", fields=["password"])

    def test_a_taken_email_is_refused(self, staff, patient):
        response = api_client(staff).post(
            LIST,
            {"email": patient.user.email.upper(), "first_name": "P", "last_name": "Q"},
            format="json",
        )

        assert_error(response, 400, "invalid", fields=["email"])

    @pytest.mark.parametrize("role", ["patient", "doctor"])
    def test_only_staff_create_patients(self, role, patient, doctor):
        user = patient.user if role == "patient" else doctor.user
        response = api_client(user).post(
            LIST, {"email": "p@example.org", "first_name": "P", "last_name": "Q"}, format="json"
        )

        assert_error(response, 403, "permission_denied")
        assert not User.objects.filter(email="p@example.org").exists()


class TestDelete:
    def test_staff_deactivate_the_login_and_keep_the_data(self, staff, my_patient):
        response = api_client(staff).delete(detail(my_patient))

        assert response.status_code == 204
        my_patient.refresh_from_db()
        my_patient.user.refresh_from_db()
        assert my_patient.user.is_active is False
        assert my_patient.appointments.count() == 1
        assert api_client(staff).get(detail(my_patient)).json()["is_active"] is False
        assert api_client(staff).delete(detail(my_patient)).status_code == 204

    def test_a_patient_cannot_delete_themself(self, patient):
        assert_error(api_client(patient.user).delete(detail(patient)), 403, "permission_denied")

    def test_a_doctor_cannot_delete_their_patient(self, doctor, my_patient):
        assert_error(api_client(doctor.user).delete(detail(my_patient)), 403, "permission_denied")

    def test_patient_a_deleting_patient_b_gets_404(self, patient, other_patient):
        assert_error(api_client(patient.user).delete(detail(other_patient)), 404, "not_found")
        other_patient.user.refresh_from_db()
        assert other_patient.user.is_active
