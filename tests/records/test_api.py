"""The API's medical records: who reads which, writing by the visit's doctor, amending, logging."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog
from records.models import MedicalRecord, MedicalRecordVersion
from records.services import write_record
from tests.api_support import api_client, assert_error, assert_list_queries_do_not_grow, ids
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db

LIST = reverse("api:record-list")
Status = Appointment.Status


def detail(record):
    return reverse("api:record-detail", args=[record.pk])


def write(client, appointment, **fields):
    data = {"appointment": appointment.pk, "diagnosis": "Acute bronchitis", **fields}
    return client.post(LIST, data, format="json")


class TestList:
    def test_each_role_sees_what_it_may_without_clinical_content(
        self, now, record, other_patient, other_doctor, staff
    ):
        elsewhere = write_record(
            appointment=AppointmentFactory(
                patient=other_patient,
                doctor=other_doctor,
                start=at(0, "09:00"),
                status=Status.CHECKED_IN,
            ),
            author=other_doctor.user,
            diagnosis="Sprain",
        )

        assert ids(api_client(record.patient.user).get(LIST)) == [record.pk]
        assert ids(api_client(record.doctor.user).get(LIST)) == [record.pk]
        assert ids(api_client(other_patient.user).get(LIST)) == [elsewhere.pk]
        assert sorted(ids(api_client(staff).get(LIST))) == sorted([record.pk, elsewhere.pk])
        row = api_client(staff).get(LIST).json()["results"][-1]
        assert not {"diagnosis", "prescription", "notes", "versions"} & set(row)
        assert row["visit_start"] is not None
        assert not AccessLog.objects.filter(action="view").exists()
        assert_error(api_client().get(LIST), 401)

    @pytest.mark.parametrize("role", ["patient", "doctor", "staff"])
    def test_query_count_does_not_grow_with_rows(self, now, role, patient, doctor, staff):
        user = {"patient": patient.user, "doctor": doctor.user, "staff": staff}[role]

        def add_record(n):
            start = at(0, "09:00") + datetime.timedelta(minutes=30 * n)
            visit = AppointmentFactory(
                patient=patient, doctor=doctor, start=start, status=Status.CHECKED_IN
            )
            write_record(appointment=visit, author=doctor.user, diagnosis="X")

        assert_list_queries_do_not_grow(api_client(user), LIST, add_record)


class TestWrite:
    def test_the_visits_doctor_writes_it_and_the_visit_is_fulfilled(self, visit):
        response = write(
            api_client(visit.doctor.user),
            visit,
            prescription="Rest",
            notes="Fluids",
        )

        assert response.status_code == 201
        record = MedicalRecord.objects.get()
        body = response.json()
        assert (body["id"], body["diagnosis"], body["version"]) == (
            record.pk,
            "Acute bronchitis",
            1,
        )
        assert [v["version"] for v in body["versions"]] == [1]
        assert body["versions"][0]["author"]["id"] == visit.doctor.user.pk
        visit.refresh_from_db()
        assert visit.status == Status.FULFILLED
        assert AccessLog.objects.get().action == "create"

    def test_a_booked_visit_today_is_checked_in_on_the_way(self, now, patient, doctor):
        booked = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "10:00"))

        assert write(api_client(doctor.user), booked).status_code == 201
        booked.refresh_from_db()
        assert booked.status == Status.FULFILLED

    def test_a_visit_on_another_day_is_409(self, now, patient, doctor):
        tomorrow = AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "10:00"))

        assert_error(write(api_client(doctor.user), tomorrow), 409, "invalid_transition")
        assert not MedicalRecord.objects.exists()

    def test_a_second_record_is_409(self, record, visit):
        assert_error(write(api_client(visit.doctor.user), visit), 409, "record_exists")

    @pytest.mark.parametrize("who", ["patient", "other_doctor", "staff"])
    def test_anyone_but_the_visits_doctor_gets_404(self, visit, other_doctor, staff, who):
        user = {"patient": visit.patient.user, "other_doctor": other_doctor.user, "staff": staff}
        response = write(api_client(user[who]), visit)

        assert_error(response, 404, "not_found")
        assert not MedicalRecord.objects.exists()

    def test_an_unknown_appointment_is_404(self, doctor):
        response = api_client(doctor.user).post(
            LIST, {"appointment": 999_999, "diagnosis": "X"}, format="json"
        )

        assert_error(response, 404, "not_found")

    def test_missing_or_blank_fields_are_named(self, visit):
        response = api_client(visit.doctor.user).post(
            LIST, {"diagnosis": "   ", "notes": "x" * 10_001}, format="json"
        )

        assert_error(response, 400, "invalid", fields=["appointment", "diagnosis", "notes"])


class TestRead:
    def test_the_patient_reads_their_record_with_its_history_unlogged(self, record):
        response = api_client(record.patient.user).get(detail(record))

        assert response.status_code == 200
        body = response.json()
        assert (body["diagnosis"], body["prescription"], body["notes"]) == (
            "Acute bronchitis",
            "Rest",
            "Fluids",
        )
        assert len(body["versions"]) == 1
        assert not AccessLog.objects.filter(action="view").exists()

    def test_a_doctor_reading_it_is_logged(self, record):
        response = api_client(record.doctor.user).get(detail(record), REMOTE_ADDR="10.9.8.7")

        assert response.status_code == 200
        entry = AccessLog.objects.get(action="view")
        assert (entry.actor, entry.target, entry.object_id, entry.patient, entry.ip_address) == (
            record.doctor.user,
            "record",
            record.pk,
            record.patient,
            "10.9.8.7",
        )


class TestAmend:
    def test_the_author_amends_and_every_version_is_kept(self, record):
        response = api_client(record.doctor.user).patch(
            detail(record), {"prescription": "Antibiotics", "reason": "Worse"}, format="json"
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["version"], body["diagnosis"], body["prescription"]) == (
            2,
            "Acute bronchitis",
            "Antibiotics",
        )
        assert [(v["version"], v["prescription"]) for v in body["versions"]] == [
            (2, "Antibiotics"),
            (1, "Rest"),
        ]
        assert body["versions"][0]["reason"] == "Worse"
        assert MedicalRecordVersion.objects.count() == 2

    def test_an_amendment_that_changes_nothing_is_400(self, record):
        response = api_client(record.doctor.user).patch(
            detail(record), {"diagnosis": "Acute bronchitis"}, format="json"
        )

        assert_error(response, 400, "nothing_changed")

    def test_a_doctor_who_did_not_write_it_gets_404(self, record, other_doctor):
        # An appointment with the patient lets the other doctor read the record.
        AppointmentFactory(doctor=other_doctor, patient=record.patient, start=at(1, "09:00"))

        assert api_client(other_doctor.user).get(detail(record)).status_code == 200
        response = api_client(other_doctor.user).patch(
            detail(record), {"diagnosis": "Asthma"}, format="json"
        )

        assert_error(response, 404, "not_found")
        record.refresh_from_db()
        assert record.diagnosis == "Acute bronchitis"

    def test_the_patient_cannot_amend_their_record(self, record):
        response = api_client(record.patient.user).patch(
            detail(record), {"diagnosis": "Nothing"}, format="json"
        )

        assert_error(response, 404, "not_found")

    def test_patient_a_amending_patient_bs_record_gets_404(self, record, other_patient):
        response = api_client(other_patient.user).patch(
            detail(record), {"diagnosis": "Nothing"}, format="json"
        )

        assert_error(response, 404, "not_found")
