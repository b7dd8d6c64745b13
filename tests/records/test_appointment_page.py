"""An appointment's page (records.views.appointment_detail): what its patient, its doctor
and staff see and may do, and the doctor's clinical context (patient summary, earlier
visits, the record)."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog
from records.services import write_record
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.html_support import section
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def url(name, appointment):
    return reverse(f"appointments:{name}", args=[appointment.pk])


def detail_url(appointment):
    return reverse("appointments:detail", args=[appointment.pk])


@pytest.fixture
def patient_with_details():
    return PatientFactory(
        user__first_name="Grace",
        user__last_name="Hopper",
        date_of_birth=datetime.date(1985, 6, 15),
        blood_type="AB-",
        allergies="Penicillin",
        emergency_contact_name="Walter Hopper",
        emergency_contact_phone="+44 20 7946 0000",
    )


class TestAppointmentPageForTheDoctor:
    def test_shows_the_patient_summary(self, now, doctor, doctor_client, patient_with_details):
        visit = AppointmentFactory(
            doctor=doctor, patient=patient_with_details, start=at(0, "10:00")
        )

        content = doctor_client.get(detail_url(visit)).content.decode()

        summary = section(content, "patient-heading")
        assert "About Grace Hopper" in summary
        assert "44 years" in summary
        assert "AB−" in summary
        assert "Penicillin" in summary
        assert "Walter Hopper" in summary
        assert "+44 20 7946 0000" in summary

    def test_an_unknown_age_and_no_allergies_say_so(self, now, doctor, doctor_client):
        patient = PatientFactory(date_of_birth=None, blood_type="", allergies="")
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))

        summary = section(doctor_client.get(detail_url(visit)).content.decode(), "patient-heading")

        assert "Not recorded" in summary
        assert "Unknown" in summary
        assert "None recorded" in summary

    def test_lists_earlier_visits_with_this_clinic_and_their_records(
        self, now, doctor, doctor_client, patient
    ):
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))
        own_earlier = AppointmentFactory(
            doctor=doctor, patient=patient, start=at(-14, "09:00"), status=Status.FULFILLED
        )
        own_record = MedicalRecordFactory(appointment=own_earlier, diagnosis="Tension headache")
        colleague = DoctorFactory(user__first_name="Jo", user__last_name="March")
        colleague_visit = AppointmentFactory(
            doctor=colleague, patient=patient, start=at(-30, "11:00"), status=Status.FULFILLED
        )
        colleague_record = MedicalRecordFactory(appointment=colleague_visit, diagnosis="Sprain")
        missed = AppointmentFactory(
            doctor=doctor, patient=patient, start=at(-7, "09:00"), status=Status.NOSHOW
        )
        cancelled = AppointmentFactory(
            doctor=doctor, patient=patient, start=at(-3, "09:00"), status=Status.CANCELLED
        )
        future = AppointmentFactory(doctor=doctor, patient=patient, start=at(5, "09:00"))
        AppointmentFactory(doctor=doctor, start=at(-2, "09:00"))  # someone else's visit

        content = doctor_client.get(detail_url(visit)).content.decode()

        history = section(content, "history-heading")
        assert history.count("<tr>") == 1 + 3
        assert history.index("Mon 31 Dec 2029") < history.index("Mon 24 Dec 2029")
        assert reverse("records:detail", args=[own_record.pk]) in history
        assert "Tension headache" in history
        assert reverse("records:detail", args=[colleague_record.pk]) in history
        assert "Dr Jo March" in history
        assert detail_url(own_earlier) in history
        assert detail_url(colleague_visit) not in history  # not this doctor's page to open
        assert "No-show" in history and detail_url(missed) in history
        assert detail_url(cancelled) not in history
        assert detail_url(future) not in history

    def test_a_first_visit_says_so(self, now, doctor, doctor_client):
        visit = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

        content = doctor_client.get(detail_url(visit)).content.decode()

        assert "first visit with the clinic" in content

    def test_viewing_the_summary_is_logged(self, now, doctor, doctor_client, patient):
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))

        doctor_client.get(detail_url(visit))

        entry = AccessLog.objects.get()
        assert (entry.actor, entry.action, entry.target, entry.object_id, entry.patient) == (
            doctor.user,
            "view",
            "patient",
            patient.pk,
            patient,
        )
        assert entry.ip_address == "127.0.0.1"

    def test_each_earlier_diagnosis_shown_is_logged_as_a_look_at_its_record(
        self, now, doctor, other_doctor, doctor_client, patient
    ):
        records = [
            MedicalRecordFactory(
                appointment=AppointmentFactory(
                    doctor=treating, patient=patient, start=at(-n, "10:00"), status="fulfilled"
                )
            )
            for n, treating in ((9, doctor), (4, other_doctor))
        ]
        today = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))

        response = doctor_client.get(detail_url(today))

        assert section(response.content.decode(), "history-heading").count("Seasonal") == 2
        looks = AccessLog.objects.filter(target=AccessLog.Target.RECORD)
        assert sorted(looks.values_list("object_id", flat=True)) == [r.pk for r in records]
        assert {(e.actor, e.action, e.patient) for e in looks} == {
            (doctor.user, AccessLog.Action.VIEW, patient)
        }

    @pytest.mark.parametrize("who", ["patient_client", "staff_client"])
    def test_patients_and_staff_keep_the_plain_page(self, request, now, doctor, patient, who):
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))

        response = request.getfixturevalue(who).get(detail_url(visit))

        assert response.status_code == 200
        assert "Emergency contact" not in response.content.decode()
        assert "Earlier visits" not in response.content.decode()
        # Staff are shown the reason for the visit: a logged look at the appointment.
        looks = set(AccessLog.objects.values_list("actor", "target", "object_id"))
        if who == "staff_client":
            assert looks == {(response.wsgi_request.user.pk, "appointment", visit.pk)}
        else:
            assert looks == set()

    def test_a_cancelled_visit_alone_does_not_show_the_patient(self, now, doctor, doctor_client):
        visit = AppointmentFactory(doctor=doctor, start=at(1, "10:00"), status=Status.CANCELLED)

        response = doctor_client.get(detail_url(visit))

        assert response.status_code == 200
        assert "Emergency contact" not in response.content.decode()
        assert not AccessLog.objects.exists()


class TestAppointmentActionsForTheDoctor:
    def write_url(self, visit):
        return reverse("records:write", args=[visit.pk])

    @pytest.mark.parametrize("status", [Status.BOOKED, Status.CHECKED_IN])
    def test_an_open_visit_today_offers_write_record(self, now, doctor, doctor_client, status):
        visit = AppointmentFactory(doctor=doctor, start=at(0, "10:00"), status=status)

        content = doctor_client.get(detail_url(visit)).content.decode()

        assert self.write_url(visit) in content
        assert 'value="fulfilled"' not in content  # fulfilled by writing the record

    def test_a_booked_visit_can_be_cancelled_with_a_reason(self, now, doctor, doctor_client):
        visit = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))
        cancel_url = reverse("appointments:cancel", args=[visit.pk])

        assert cancel_url in doctor_client.get(detail_url(visit)).content.decode()
        response = doctor_client.post(cancel_url, {"reason": "Doctor unwell"})

        assert response.status_code == 302
        visit.refresh_from_db()
        assert (visit.status, visit.cancellation_reason) == (Status.CANCELLED, "Doctor unwell")

    def test_a_visit_on_another_day_offers_no_record_yet(self, now, doctor, doctor_client):
        visit = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))

        content = doctor_client.get(detail_url(visit)).content.decode()

        assert self.write_url(visit) not in content
        assert 'value="checked-in"' not in content
        assert reverse("appointments:cancel", args=[visit.pk]) in content

    def test_no_show_is_offered_only_after_the_start(self, now, doctor, doctor_client):
        started = AppointmentFactory(doctor=doctor, start=at(0, "07:30"))
        not_yet = AppointmentFactory(doctor=doctor, start=at(0, "09:00"))

        assert 'value="noshow"' in doctor_client.get(detail_url(started)).content.decode()
        assert 'value="noshow"' not in doctor_client.get(detail_url(not_yet)).content.decode()

    def test_a_written_record_is_offered_for_viewing(self, now, doctor, doctor_client):
        visit = AppointmentFactory(doctor=doctor, start=at(0, "07:00"), status=Status.CHECKED_IN)
        record = write_record(appointment=visit, author=doctor.user, diagnosis="Flu")

        content = doctor_client.get(detail_url(visit)).content.decode()

        assert reverse("records:detail", args=[record.pk]) in content
        assert self.write_url(visit) not in content

    def test_the_patient_sees_a_link_to_their_record(self, now, patient, patient_client):
        record = MedicalRecordFactory(
            appointment=AppointmentFactory(
                patient=patient, start=at(-1, "10:00"), status=Status.FULFILLED
            )
        )

        content = patient_client.get(detail_url(record.appointment)).content.decode()

        assert reverse("records:detail", args=[record.pk]) in content

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_the_patients_history(
        self, now, doctor, doctor_client, patient, django_assert_num_queries, count
    ):
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))
        for n in range(count):
            earlier = AppointmentFactory(
                doctor=doctor if n % 2 else DoctorFactory(),
                patient=patient,
                start=at(-1 - n, "10:00"),
                status=Status.FULFILLED,
            )
            MedicalRecordFactory(appointment=earlier)

        # Session, user, doctor, the appointment (with its record), "is this my patient",
        # the earlier visits with their records, "may I read them", the access-log rows
        # of the profile and of the records.
        with django_assert_num_queries(9):
            response = doctor_client.get(detail_url(visit))

        assert section(response.content.decode(), "history-heading").count("<tr>") == 1 + count


class TestDetail:
    def test_patient_sees_details_and_can_cancel_or_reschedule(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"), reason="Rash")

        response = patient_client.get(url("detail", appointment))

        content = response.content.decode()
        assert "Thu 10 Jan 2030, 10:00" in content
        assert "Rash" in content
        assert "Booked" in content
        assert url("cancel", appointment) in content
        assert url("reschedule", appointment) in content
        assert url("status", appointment) not in content

    def test_patient_inside_the_cutoff_is_told_to_call(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        content = patient_client.get(url("detail", appointment)).content.decode()

        assert url("cancel", appointment) not in content
        assert url("reschedule", appointment) not in content
        assert "less than 24 hours away" in content
        assert "please call the clinic on" in content
        assert 'href="tel:02079460000"' in content

    def test_cancelled_appointment_shows_who_cancelled_and_why(self, now, patient, patient_client):
        appointment = AppointmentFactory(
            patient=patient,
            start=at(3, "10:00"),
            status=Status.CANCELLED,
            cancelled_by=patient.user,
            cancellation_reason="Feeling better",
        )

        content = patient_client.get(url("detail", appointment)).content.decode()

        assert "Cancelled by" in content
        assert patient.user.display_name in content
        assert "Feeling better" in content
        assert url("cancel", appointment) not in content

    def test_doctor_sees_the_status_buttons_allowed_now(self, now, doctor, doctor_client):
        today = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))
        later = AppointmentFactory(doctor=doctor, start=at(3, "10:00"))

        today_page = doctor_client.get(url("detail", today)).content.decode()
        later_page = doctor_client.get(url("detail", later)).content.decode()

        assert 'value="checked-in"' in today_page
        assert 'value="noshow"' not in today_page  # not started yet
        assert url("cancel", today) in today_page
        assert url("reschedule", today) not in today_page
        assert 'value="checked-in"' not in later_page
