"""The API's appointments: list and filters, booking, status changes, rescheduling, races."""

import datetime
import json

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from appointments.api.appointments import AppointmentSerializer, visible_appointments
from appointments.models import Appointment
from tests.api_support import api_client, assert_error, assert_list_queries_do_not_grow, ids
from tests.appointments.factories import AppointmentFactory
from tests.appointments.test_concurrency import race
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:appointment-list")
Status = Appointment.Status


def detail(appointment):
    return reverse("api:appointment-detail", args=[appointment.pk])


def status_url(appointment):
    return reverse("api:appointment-status", args=[appointment.pk])


def reschedule_url(appointment):
    return reverse("api:appointment-reschedule", args=[appointment.pk])


def book(client, doctor, start, **extra):
    data = {"doctor": doctor.pk, "start": start.isoformat(), "reason": "Sore throat", **extra}
    return client.post(LIST, data, format="json")


@pytest.fixture
def visit(now, patient, doctor):
    """The patient's booked visit with the doctor on Tuesday at 14:00."""
    return AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "14:00"))


class TestList:
    def test_each_role_sees_what_it_may(
        self, now, patient, other_patient, doctor, other_doctor, staff
    ):
        mine = AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "09:00"))
        theirs = AppointmentFactory(patient=other_patient, doctor=doctor, start=at(1, "10:00"))
        elsewhere = AppointmentFactory(patient=patient, doctor=other_doctor, start=at(2, "09:00"))

        assert ids(api_client(patient.user).get(LIST)) == [elsewhere.pk, mine.pk]
        assert ids(api_client(doctor.user).get(LIST)) == [theirs.pk, mine.pk]
        assert ids(api_client(staff).get(LIST)) == [elsewhere.pk, theirs.pk, mine.pk]
        assert_error(api_client().get(LIST), 401, "not_authenticated")

    def test_rows_show_the_people_times_and_what_the_caller_may_do(self, visit, patient):
        row = api_client(patient.user).get(LIST).json()["results"][0]

        assert row["patient"] == {
            "id": patient.pk,
            "first_name": patient.user.first_name,
            "last_name": patient.user.last_name,
        }
        assert row["doctor"]["id"] == visit.doctor.pk
        assert row["doctor"]["specialty"] == visit.doctor.specialty.name
        assert (row["start"], row["end"]) == ("2030-01-08T14:00:00Z", "2030-01-08T14:30:00Z")
        assert (row["status"], row["reason"]) == ("booked", "Check-up")
        assert row["allowed_statuses"] == ["cancelled"]
        assert row["can_reschedule"] is True

    def test_filters_by_status_and_days(self, now, patient, doctor):
        monday = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "13:00"))
        tuesday = AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "09:00"))
        cancelled = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(2, "09:00"), status=Status.CANCELLED
        )
        client = api_client(patient.user)

        assert ids(client.get(LIST, {"status": "cancelled"})) == [cancelled.pk]
        assert ids(client.get(LIST, {"from": "2030-01-08"})) == [cancelled.pk, tuesday.pk]
        assert ids(client.get(LIST, {"to": "2030-01-08"})) == [tuesday.pk, monday.pk]
        assert ids(client.get(LIST, {"from": "2030-01-08", "to": "2030-01-08"})) == [tuesday.pk]
        assert ids(client.get(LIST, {"ordering": "start"})) == [
            monday.pk,
            tuesday.pk,
            cancelled.pk,
        ]

    @pytest.mark.parametrize(
        ("query", "fields"),
        [
            ({"status": "done"}, ["status"]),
            ({"from": "someday"}, ["from"]),
            ({"from": "2030-01-09", "to": "2030-01-08"}, ["to"]),
        ],
    )
    def test_bad_filters_are_400_with_the_field(self, patient, query, fields):
        assert_error(api_client(patient.user).get(LIST, query), 400, "invalid", fields=fields)

    @pytest.mark.parametrize("role", ["patient", "doctor", "staff"])
    def test_query_count_does_not_grow_with_rows(self, now, role, patient, doctor, staff):
        user = {"patient": patient.user, "doctor": doctor.user, "staff": staff}[role]
        start = at(1, "09:00")

        assert_list_queries_do_not_grow(
            api_client(user),
            LIST,
            lambda n: AppointmentFactory(
                patient=patient, doctor=doctor, start=start + datetime.timedelta(minutes=30 * n)
            ),
        )


class TestBook:
    def test_a_patient_books_a_free_slot_for_themself(self, now, patient, doctor):
        response = book(api_client(patient.user), doctor, at(1, "09:00"))

        assert response.status_code == 201
        appointment = Appointment.objects.get()
        assert (appointment.patient, appointment.doctor) == (patient, doctor)
        assert appointment.end - appointment.start == datetime.timedelta(minutes=30)
        assert appointment.booked_by == patient.user
        body = response.json()
        assert (body["id"], body["status"], body["reason"]) == (
            appointment.pk,
            "booked",
            "Sore throat",
        )
        assert body["end"] == "2030-01-08T09:30:00Z"

    def test_the_answer_is_the_appointments_whole_representation(self, now, patient, doctor):
        response = book(api_client(patient.user), doctor, at(1, "09:00"))

        assert response.status_code == 201
        # The same JSON as reading it back, which DRF's own ModelSerializer path gives.
        appointment = visible_appointments(patient.user).get()
        request = Request(APIRequestFactory().get(LIST))
        request.user = patient.user
        serializer = AppointmentSerializer(appointment, context={"request": request})
        expected = serializers.ModelSerializer.to_representation(serializer, appointment)
        assert response.json() == json.loads(json.dumps(expected))
        assert list(response.json()) == AppointmentSerializer.Meta.fields
        assert api_client(patient.user).get(detail(appointment)).json() == response.json()

    @pytest.mark.parametrize("pk", [999_999, 2**63], ids=["unknown", "beyond-the-column"])
    def test_an_unknown_doctor_is_400_on_the_doctor(self, now, patient, pk):
        response = api_client(patient.user).post(
            LIST, {"doctor": pk, "start": at(1, "09:00").isoformat()}, format="json"
        )

        body = assert_error(response, 400, "invalid", fields=["doctor"])
        assert body["fields"]["doctor"] == [f'Invalid pk "{pk}" - object does not exist.']
        assert not Appointment.objects.exists()

    def test_a_doctor_id_of_another_type_is_400(self, now, patient):
        response = api_client(patient.user).post(
            LIST, {"doctor": "Dr Who", "start": at(1, "09:00").isoformat()}, format="json"
        )

        assert_error(response, 400, "invalid", fields=["doctor"])

    def test_a_time_without_offset_is_the_clinics(self, now, patient, doctor):
        response = api_client(patient.user).post(
            LIST, {"doctor": doctor.pk, "start": "2030-01-08T09:00:00"}, format="json"
        )

        assert response.status_code == 201
        assert Appointment.objects.get().start == at(1, "09:00")

    @pytest.mark.parametrize(
        "start",
        [at(0, "09:00"), at(-1, "10:00"), at(5, "10:00"), at(90, "10:00")],
        ids=["inside-notice", "past", "saturday", "beyond-horizon"],
    )
    def test_a_time_that_is_no_free_slot_is_409(self, now, patient, doctor, start):
        response = book(api_client(patient.user), doctor, start)

        assert_error(response, 409, "slot_unavailable")
        assert not Appointment.objects.exists()

    def test_a_start_off_the_types_grid_is_400_naming_the_start(self, now, patient, doctor):
        response = book(api_client(patient.user), doctor, at(1, "09:10"))

        assert_error(response, 400, "start_off_grid")
        assert "every 30 minutes" in response.json()["fields"]["start"][0]
        assert not Appointment.objects.exists()

    def test_a_taken_slot_is_409(self, now, patient, other_patient, doctor):
        AppointmentFactory(patient=other_patient, doctor=doctor, start=at(1, "09:00"))

        response = book(api_client(patient.user), doctor, at(1, "09:00"))

        assert_error(response, 409, "slot_unavailable")

    def test_a_doctor_not_accepting_new_patients_is_409(self, now, patient):
        doctor = DoctorFactory(accepting_new_patients=False)

        assert_error(
            book(api_client(patient.user), doctor, at(1, "09:00")), 409, "not_accepting_patients"
        )

    def test_missing_and_unknown_fields_are_named(self, patient):
        response = api_client(patient.user).post(
            LIST, {"doctor": 999_999, "reason": "x" * 1001}, format="json"
        )

        assert_error(response, 400, "invalid", fields=["doctor", "start", "reason"])

    @pytest.mark.parametrize("body", ["false", "[]", '"doctor"', "null", "3"])
    def test_a_body_that_is_not_an_object_is_a_400(self, staff, patient, body):
        for client in (api_client(staff), api_client(patient.user)):
            response = client.post(LIST, body, content_type="application/json")

            assert_error(response, 400, "invalid")
        assert not Appointment.objects.exists()

    def test_staff_book_for_a_patient_they_name(self, now, staff, patient, doctor):
        response = book(api_client(staff), doctor, at(1, "09:00"), patient=patient.pk)

        assert response.status_code == 201
        appointment = Appointment.objects.get()
        assert (appointment.patient, appointment.booked_by) == (patient, staff)

    def test_staff_cannot_book_for_a_retired_patient(self, now, staff, patient, doctor):
        patient.user.is_active = False
        patient.user.save()

        response = book(api_client(staff), doctor, at(1, "09:00"), patient=patient.pk)

        assert_error(response, 409, "patient_inactive")
        assert not Appointment.objects.exists()

    def test_staff_must_name_the_patient(self, now, staff, doctor):
        assert_error(
            book(api_client(staff), doctor, at(1, "09:00")), 400, "invalid", fields=["patient"]
        )

    def test_a_patient_cannot_book_for_someone_else(self, now, patient, other_patient, doctor):
        response = book(api_client(patient.user), doctor, at(1, "09:00"), patient=other_patient.pk)

        assert_error(response, 400, "invalid", fields=["patient"])
        assert not Appointment.objects.exists()

    def test_anonymous_is_401(self, now, doctor):
        assert_error(book(api_client(), doctor, at(1, "09:00")), 401)


class TestRead:
    def test_the_patient_their_doctor_and_staff_read_it(self, visit, staff):
        for user in (visit.patient.user, visit.doctor.user, staff):
            response = api_client(user).get(detail(visit))
            assert response.status_code == 200
            assert response.json()["id"] == visit.pk


class TestStatus:
    def test_the_patient_cancels_their_own_appointment(self, visit):
        response = api_client(visit.patient.user).patch(
            status_url(visit), {"status": "cancelled", "reason": "Feeling better"}, format="json"
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["cancellation_reason"]) == ("cancelled", "Feeling better")
        assert body["allowed_statuses"] == []
        visit.refresh_from_db()
        assert (visit.status, visit.cancelled_by) == (Status.CANCELLED, visit.patient.user)

    def test_inside_the_cutoff_the_patient_gets_409(self, now, patient, doctor):
        soon = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "14:00"))

        response = api_client(patient.user).patch(
            status_url(soon), {"status": "cancelled"}, format="json"
        )

        assert_error(response, 409, "cutoff_passed")
        soon.refresh_from_db()
        assert soon.status == Status.BOOKED

    def test_the_doctor_checks_the_patient_in_on_the_day(self, now, patient, doctor):
        today = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "10:00"))

        response = api_client(doctor.user).patch(
            status_url(today), {"status": "checked-in"}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["allowed_statuses"] == ["fulfilled"]  # no-show: after 10:00

    def test_a_doctor_cancelling_must_give_a_reason(self, visit):
        response = api_client(visit.doctor.user).patch(
            status_url(visit), {"status": "cancelled"}, format="json"
        )

        assert_error(response, 400, "reason_required", fields=["reason"])

    def test_an_illegal_transition_is_409(self, visit):
        response = api_client(visit.doctor.user).patch(
            status_url(visit), {"status": "fulfilled"}, format="json"
        )

        assert_error(response, 409, "invalid_transition")

    def test_the_patient_cannot_check_themself_in(self, visit):
        response = api_client(visit.patient.user).patch(
            status_url(visit), {"status": "checked-in"}, format="json"
        )

        assert_error(response, 409, "invalid_transition")

    def test_an_unknown_or_missing_status_is_400(self, visit):
        client = api_client(visit.patient.user)

        assert_error(
            client.patch(status_url(visit), {"status": "gone"}, format="json"), 400, "invalid"
        )
        assert_error(
            client.patch(status_url(visit), {}, format="json"), 400, "invalid", fields=["status"]
        )

    def test_patient_a_changing_patient_bs_appointment_gets_404(self, visit, other_patient):
        response = api_client(other_patient.user).patch(
            status_url(visit), {"status": "cancelled"}, format="json"
        )

        assert_error(response, 404, "not_found")
        visit.refresh_from_db()
        assert visit.status == Status.BOOKED

    def test_another_doctor_gets_404(self, visit, other_doctor):
        response = api_client(other_doctor.user).patch(
            status_url(visit), {"status": "cancelled", "reason": "x"}, format="json"
        )

        assert_error(response, 404, "not_found")


class TestReschedule:
    def test_the_patient_moves_to_another_free_slot(self, visit):
        response = api_client(visit.patient.user).post(
            reschedule_url(visit), {"start": at(2, "10:00").isoformat()}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["start"] == "2030-01-09T10:00:00Z"
        visit.refresh_from_db()
        assert visit.start == at(2, "10:00")

    def test_a_taken_slot_is_409_and_the_old_time_is_kept(self, visit, other_patient):
        AppointmentFactory(patient=other_patient, doctor=visit.doctor, start=at(2, "10:00"))

        response = api_client(visit.patient.user).post(
            reschedule_url(visit), {"start": at(2, "10:00").isoformat()}, format="json"
        )

        assert_error(response, 409, "slot_unavailable")
        visit.refresh_from_db()
        assert visit.start == at(1, "14:00")

    def test_the_doctor_cannot_move_an_appointment(self, visit):
        response = api_client(visit.doctor.user).post(
            reschedule_url(visit), {"start": at(2, "10:00").isoformat()}, format="json"
        )

        assert_error(response, 409, "invalid_transition")

    def test_patient_a_moving_patient_bs_appointment_gets_404(self, visit, other_patient):
        response = api_client(other_patient.user).post(
            reschedule_url(visit), {"start": at(2, "10:00").isoformat()}, format="json"
        )

        assert_error(response, 404, "not_found")
        visit.refresh_from_db()
        assert visit.start == at(1, "14:00")

    def test_a_missing_start_is_400(self, visit):
        response = api_client(visit.patient.user).post(reschedule_url(visit), {}, format="json")

        assert_error(response, 400, "invalid", fields=["start"])


RACERS = 20


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot_give_one_201_and_nineteen_409(now):
    """On PostgreSQL, real threads with a client and token each; on SQLite, one by one
    (tests.appointments.test_concurrency.race)."""
    doctor = DoctorFactory()
    clients = [api_client(patient.user) for patient in PatientFactory.create_batch(RACERS)]
    slot = at(1, "09:00")

    responses = race([lambda client=client: book(client, doctor, slot) for client in clients])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (RACERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "slot_unavailable")
    assert Appointment.objects.filter(doctor=doctor).count() == 1
