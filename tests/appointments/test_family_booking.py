"""Booking for a family member, and managing their visits and reading their records from
the guardian's account: the patient's rules apply to the dependant as the patient, the
access log says who acted, and nobody else reaches them."""

import datetime

import pytest
from django.core import mail
from django.http import Http404
from django.urls import reverse

from appointments.models import Appointment
from appointments.services import (
    CutoffPassed,
    NotAcceptingPatients,
    SlotUnavailable,
    book_appointment,
    cancel_appointment,
)
from patients.models import AccessLog, Guardianship
from patients.services import add_dependant
from tests.api_support import api_client, assert_error, ids
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import at, clock_at, login
from tests.doctors.factories import DoctorFactory
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
MINE = reverse("appointments:mine")


def confirm_url(doctor):
    return reverse("appointments:book_confirm", args=[doctor.pk])


@pytest.fixture
def child(patient):
    return add_dependant(
        guardian=patient.user,
        first_name="Mia",
        last_name="Quinn",
        date_of_birth=datetime.date(2019, 5, 2),
        relationship=Guardianship.Relationship.CHILD,
    )


@pytest.fixture
def stranger():
    return PatientFactory()


class TestConfirmPage:
    def test_a_guardian_chooses_who_the_visit_is_for_defaulting_to_themself(
        self, now, patient, child, patient_client, doctor
    ):
        response = patient_client.get(f"{confirm_url(doctor)}?start={at(1, '09:30').isoformat()}")

        content = response.content.decode()
        assert "Who is the visit for?" in content
        assert f'<option value="{patient.pk}" selected>Myself' in content
        assert f'<option value="{child.pk}">Mia Quinn</option>' in content

    def test_a_patient_without_family_is_not_asked(self, now, patient_client, doctor):
        response = patient_client.get(f"{confirm_url(doctor)}?start={at(1, '09:30').isoformat()}")

        assert "Who is the visit for?" not in response.content.decode()


class TestBookingForAChild:
    def test_the_visit_is_the_childs_booked_by_the_parent_and_logged(
        self, now, patient, child, patient_client, doctor
    ):
        response = patient_client.post(
            confirm_url(doctor),
            {"start": at(1, "09:30").isoformat(), "patient": child.pk, "reason": "Earache"},
            follow=True,
        )

        appointment = Appointment.objects.get()
        assert (appointment.patient, appointment.booked_by) == (child, patient.user)
        assert f"Mia Quinn is booked with {doctor} on Tue 8 Jan 2030, 09:30." in (
            messages_of(response)
        )
        entry = AccessLog.objects.get(patient=child, target=AccessLog.Target.APPOINTMENT)
        assert (entry.actor, entry.action, entry.object_id) == (
            patient.user,
            AccessLog.Action.CREATE,
            appointment.pk,
        )

    def test_leaving_the_choice_books_for_the_guardian_themself(
        self, now, patient, child, patient_client, doctor
    ):
        patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "patient": patient.pk}
        )

        assert Appointment.objects.get().patient == patient
        assert not AccessLog.objects.filter(target=AccessLog.Target.APPOINTMENT).exists()

    def test_someone_elses_patient_is_refused_on_the_form(
        self, now, patient, child, patient_client, doctor, stranger
    ):
        response = patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "patient": stranger.pk}
        )

        assert response.status_code == 200
        assert "Please choose yourself or a family member." in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_patient_without_family_cannot_book_for_another_by_posting_an_id(
        self, now, patient_client, doctor, stranger
    ):
        response = patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "patient": stranger.pk}
        )

        assert "Please choose yourself or a family member." in response.content.decode()
        assert not Appointment.objects.exists()

    def test_the_service_refuses_booking_for_someone_elses_dependant(
        self, now, child, doctor, stranger
    ):
        with pytest.raises(Http404):
            book_appointment(
                patient=child, doctor=doctor, start=at(1, "09:30"), booked_by=stranger.user
            )
        assert not Appointment.objects.exists()


class TestTheChildIsThePatient:
    def test_parent_and_child_may_see_two_doctors_at_the_same_time(
        self, now, patient, child, doctor, other_doctor
    ):
        visit(patient, doctor, 1, "09:30")

        appointment = book_appointment(
            patient=child, doctor=other_doctor, start=at(1, "09:30"), booked_by=patient.user
        )

        assert appointment.patient == child

    def test_the_child_cannot_hold_two_overlapping_visits(
        self, now, patient, child, doctor, other_doctor
    ):
        visit(child, doctor, 1, "09:30")

        with pytest.raises(SlotUnavailable, match="Mia Quinn already has an appointment"):
            book_appointment(
                patient=child, doctor=other_doctor, start=at(1, "09:30"), booked_by=patient.user
            )

    def test_a_doctor_not_taking_new_patients_refuses_the_child_though_the_parent_is_known(
        self, now, patient, child
    ):
        doctor = DoctorFactory(accepting_new_patients=False)
        visit(patient, doctor, -7, status=Status.FULFILLED)

        book_appointment(
            patient=patient, doctor=doctor, start=at(1, "09:30"), booked_by=patient.user
        )
        with pytest.raises(NotAcceptingPatients):
            book_appointment(
                patient=child, doctor=doctor, start=at(1, "10:00"), booked_by=patient.user
            )

    @pytest.mark.parametrize(
        ("clock", "bookable"), [("07:59", True), ("08:00", True), ("08:01", False)]
    )
    def test_the_minimum_notice_applies_to_the_minute(
        self, patient, child, doctor, clock, bookable
    ):
        # 10:00 with two hours' notice: bookable until 08:00.
        def book():
            return book_appointment(
                patient=child, doctor=doctor, start=at(0, "10:00"), booked_by=patient.user
            )

        with clock_at(at(0, clock)):
            if bookable:
                assert book().patient == child
            else:
                with pytest.raises(SlotUnavailable):
                    book()
                assert not Appointment.objects.exists()


class TestManagingTheChildsVisits:
    def test_my_appointments_shows_the_childs_visit_marked_with_whose_it_is(
        self, now, patient, child, patient_client, doctor
    ):
        visit(patient, doctor, 1, "09:00")
        visit(child, doctor, 1, "10:00")

        content = patient_client.get(MINE).content.decode()

        assert "Tue 8 Jan 2030, 09:00" in content and "Tue 8 Jan 2030, 10:00" in content
        assert content.count('class="visit-for"') == 1
        assert '<dd class="visit-for">Mia Quinn</dd>' in content

    def test_the_parent_cancels_without_a_reason_and_it_is_logged(
        self, now, patient, child, patient_client, doctor
    ):
        appointment = visit(child, doctor, 2, "10:00")

        response = patient_client.post(
            reverse("appointments:cancel", args=[appointment.pk]), {"reason": ""}
        )

        assert response.status_code == 302
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == (Status.CANCELLED, patient.user)
        assert AccessLog.objects.filter(
            patient=child, actor=patient.user, action=AccessLog.Action.UPDATE
        ).exists()

    @pytest.mark.parametrize(
        ("clock", "allowed"), [("09:59", True), ("10:00", True), ("10:01", False)]
    )
    def test_the_patients_cut_off_applies_to_the_parent_to_the_minute(
        self, patient, child, doctor, clock, allowed
    ):
        # 24 hours before Tuesday 10:00 is Monday 10:00.
        appointment = visit(child, doctor, 1, "10:00")

        with clock_at(at(0, clock)):
            if allowed:
                cancel_appointment(appointment=appointment, actor=patient.user)
            else:
                with pytest.raises(CutoffPassed):
                    cancel_appointment(appointment=appointment, actor=patient.user)

        appointment.refresh_from_db()
        assert (appointment.status == Status.CANCELLED) == allowed

    def test_the_parent_reschedules_the_childs_visit(
        self, now, patient, child, patient_client, doctor
    ):
        appointment = visit(child, doctor, 1, "10:00")

        patient_client.post(
            reverse("appointments:reschedule", args=[appointment.pk]),
            {"start": at(2, "11:00").isoformat()},
        )

        appointment.refresh_from_db()
        assert appointment.start == at(2, "11:00")

    def test_the_parent_downloads_the_childs_ics(self, now, patient, child, patient_client, doctor):
        appointment = visit(child, doctor, 1, "10:00")

        response = patient_client.get(reverse("appointments:ics", args=[appointment.pk]))

        assert response.status_code == 200
        assert b"BEGIN:VEVENT" in response.content

    @pytest.mark.parametrize("name", ["detail", "cancel", "reschedule", "ics"])
    def test_another_patient_gets_404(self, now, child, doctor, stranger, name):
        appointment = visit(child, doctor, 1, "10:00")

        response = login(stranger.user).get(reverse(f"appointments:{name}", args=[appointment.pk]))

        assert response.status_code == 404

    def test_the_emails_go_to_the_parent_and_name_the_child(self, now, patient, child, doctor):
        book_appointment(patient=child, doctor=doctor, start=at(1, "09:30"), booked_by=patient.user)
        run_worker()

        to_parent = [m for m in mail.outbox if m.to == [patient.user.email]]
        assert len(to_parent) == 1
        assert "Patient: Mia Quinn" in to_parent[0].body
        assert [m.to for m in mail.outbox if m.to != [patient.user.email]] == [[doctor.user.email]]


class TestWhatTheDoctorSees:
    def test_the_doctor_sees_the_child_as_the_patient_and_who_booked(
        self, now, patient, child, doctor, doctor_client
    ):
        appointment = book_appointment(
            patient=child, doctor=doctor, start=at(1, "09:30"), booked_by=patient.user
        )

        content = doctor_client.get(reverse("appointments:detail", args=[appointment.pk]))

        text = content.content.decode()
        assert "<dt>Patient</dt><dd>Mia Quinn</dd>" in text
        assert f"<dt>Booked by</dt><dd>{patient.user.display_name}</dd>" in text

    def test_a_doctor_without_a_visit_with_the_child_does_not_see_them(
        self, now, patient, child, doctor, other_doctor
    ):
        visit(child, doctor, 1, "10:00")

        response = login(other_doctor.user).get(reverse("patients:detail", args=[child.pk]))

        assert response.status_code == 404


class TestTheChildsRecords:
    def test_the_parent_reads_the_childs_record_and_the_read_is_logged(
        self, now, patient, child, patient_client, doctor
    ):
        record = MedicalRecordFactory(
            appointment=visit(child, doctor, -7, status=Status.FULFILLED), diagnosis="Otitis"
        )

        mine = patient_client.get(reverse("records:mine")).content.decode()
        response = patient_client.get(reverse("records:detail", args=[record.pk]))

        assert "Otitis" in mine and "Mia Quinn" in mine
        assert response.status_code == 200
        entry = AccessLog.objects.get(patient=child, target=AccessLog.Target.RECORD)
        assert (entry.actor, entry.action) == (patient.user, AccessLog.Action.VIEW)

    def test_the_parent_opens_the_childs_page_with_her_records(
        self, now, patient, child, patient_client, doctor
    ):
        MedicalRecordFactory(
            appointment=visit(child, doctor, -7, status=Status.FULFILLED), diagnosis="Otitis"
        )

        response = patient_client.get(reverse("patients:detail", args=[child.pk]))

        assert response.status_code == 200
        assert "Otitis" in response.content.decode()
        assert AccessLog.objects.filter(
            patient=child, actor=patient.user, target=AccessLog.Target.PATIENT
        ).exists()

    def test_the_childs_access_log_shows_the_parents_acts(
        self, now, patient, child, patient_client, doctor
    ):
        book_appointment(patient=child, doctor=doctor, start=at(1, "09:30"), booked_by=patient.user)

        own = patient_client.get(reverse("records:access_log")).content.decode()
        childs = patient_client.get(
            f"{reverse('records:access_log')}?patient={child.pk}"
        ).content.decode()

        assert "The records of Mia Quinn" in childs
        assert patient.user.display_name in childs
        assert "an appointment (booked, moved or cancelled for the patient)" in childs
        assert "an appointment (booked, moved or cancelled" not in own

    def test_another_patient_cannot_read_the_childs_record_or_log(
        self, now, child, doctor, stranger
    ):
        record = MedicalRecordFactory(appointment=visit(child, doctor, -7, status=Status.FULFILLED))
        client = login(stranger.user)

        assert client.get(reverse("records:detail", args=[record.pk])).status_code == 404
        assert client.get(reverse("patients:detail", args=[child.pk])).status_code == 404
        log = client.get(f"{reverse('records:access_log')}?patient={child.pk}")
        assert log.status_code == 404
        assert "Seasonal" not in client.get(reverse("records:mine")).content.decode()


class TestApi:
    def test_a_guardian_lists_their_dependants(self, now, patient, child, stranger):
        add_dependant(
            guardian=stranger.user,
            first_name="Other",
            last_name="Child",
            date_of_birth=datetime.date(2020, 1, 1),
            relationship="child",
        )

        response = api_client(patient.user).get("/api/dependants/")

        assert ids(response) == [child.pk]
        assert response.json()["results"][0] == {
            "id": child.pk,
            "first_name": "Mia",
            "last_name": "Quinn",
            "date_of_birth": "2019-05-02",
            "relationship": "child",
        }

    def test_a_doctor_has_no_dependants(self, now, child, doctor):
        assert ids(api_client(doctor.user).get("/api/dependants/")) == []

    def test_a_guardian_books_for_a_dependant_and_sees_it_in_their_list(
        self, now, patient, child, doctor
    ):
        client = api_client(patient.user)

        response = client.post(
            "/api/appointments/",
            {"doctor": doctor.pk, "start": at(1, "09:30").isoformat(), "patient": child.pk},
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["patient"]["id"] == child.pk
        assert ids(client.get("/api/appointments/")) == [response.json()["id"]]
        assert Appointment.objects.get().booked_by == patient.user

    def test_booking_for_someone_elses_dependant_is_refused_as_unknown(
        self, now, child, doctor, stranger
    ):
        response = api_client(stranger.user).post(
            "/api/appointments/",
            {"doctor": doctor.pk, "start": at(1, "09:30").isoformat(), "patient": child.pk},
            format="json",
        )

        assert_error(response, 400, fields={"patient"})
        assert not Appointment.objects.exists()

    def test_another_patient_gets_404_for_the_childs_appointment(
        self, now, child, doctor, stranger
    ):
        appointment = visit(child, doctor, 1, "10:00")

        response = api_client(stranger.user).get(f"/api/appointments/{appointment.pk}")

        assert_error(response, 404)
