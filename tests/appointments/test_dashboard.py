"""The doctor's workspace: the dashboard and the appointment page as the doctor sees it."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog
from records.services import write_record
from tests.appointments.factories import AppointmentFactory
from tests.conftest import login
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
Status = Appointment.Status
DASHBOARD = reverse("appointments:schedule")


def at(day, hhmm):
    """A time in the clinic, `day` days after Monday 7 January 2030."""
    date = datetime.date(2030, 1, 7) + datetime.timedelta(days=day)
    return datetime.datetime.combine(date, datetime.time.fromisoformat(hhmm), tzinfo=LONDON)


def detail_url(appointment):
    return reverse("appointments:detail", args=[appointment.pk])


def section(content, heading_id):
    """The HTML of the <section> whose heading has this id."""
    start = content.index(f'id="{heading_id}"')
    return content[start : content.index("</section>", start)]


class TestDashboardAccess:
    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get(DASHBOARD)

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    @pytest.mark.parametrize("who", ["patient_client", "staff_client"])
    def test_only_doctors_have_a_dashboard(self, request, who):
        assert request.getfixturevalue(who).get(DASHBOARD).status_code == 404


class TestDashboard:
    def test_todays_agenda_shows_time_patient_reason_status_and_a_link(
        self, now, doctor, doctor_client
    ):
        patient = PatientFactory(user__first_name="Ada", user__last_name="Lovelace")
        visit = AppointmentFactory(
            doctor=doctor,
            patient=patient,
            start=at(0, "10:30"),
            reason="Migraine",
            status=Status.CHECKED_IN,
        )

        today = section(doctor_client.get(DASHBOARD).content.decode(), "today-heading")

        assert "Today, Monday 7 January 2030" in today
        assert ">10:30</time>" in today
        assert "Ada Lovelace" in today
        assert "Migraine" in today
        assert "Checked in" in today
        assert detail_url(visit) in today

    def test_times_are_in_the_clinics_zone(self, doctor):
        summer_morning = datetime.datetime(2030, 7, 1, 7, 0, tzinfo=LONDON)
        with time_machine.travel(summer_morning, tick=False):
            AppointmentFactory(
                doctor=doctor, start=datetime.datetime(2030, 7, 1, 9, 0, tzinfo=datetime.UTC)
            )

            today = section(login(doctor.user).get(DASHBOARD).content.decode(), "today-heading")

        assert ">10:00</time>" in today  # 09:00 UTC is 10:00 British Summer Time

    def test_counts_todays_statuses_and_the_next_seven_days(self, now, doctor, doctor_client):
        for hhmm, status in [
            ("09:00", Status.BOOKED),
            ("09:30", Status.BOOKED),
            ("10:00", Status.CHECKED_IN),
            ("07:00", Status.FULFILLED),
            ("07:30", Status.NOSHOW),
            ("11:00", Status.CANCELLED),
        ]:
            AppointmentFactory(doctor=doctor, start=at(0, hhmm), status=status)
        for day in (1, 3, 7):
            AppointmentFactory(doctor=doctor, start=at(day, "10:00"))
        AppointmentFactory(doctor=doctor, start=at(2, "10:00"), status=Status.CANCELLED)
        AppointmentFactory(doctor=doctor, start=at(8, "10:00"))  # beyond the week
        AppointmentFactory(start=at(0, "12:00"))  # another doctor's

        content = doctor_client.get(DASHBOARD).content.decode()

        assert '2</span> <span class="status status-booked">Booked' in content
        assert '1</span> <span class="status status-checked-in">Checked in' in content
        assert '1</span> <span class="status status-fulfilled">Fulfilled' in content
        assert '1</span> <span class="status status-noshow">No-show' in content
        assert "3</span> booked in the next 7 days" in content

    def test_the_coming_week_lists_open_visits_and_later_ones_follow(
        self, now, doctor, doctor_client
    ):
        tomorrow = AppointmentFactory(doctor=doctor, start=at(1, "09:00"))
        last_day = AppointmentFactory(doctor=doctor, start=at(7, "16:30"))
        cancelled = AppointmentFactory(doctor=doctor, start=at(2, "09:00"), status="cancelled")
        next_week = AppointmentFactory(doctor=doctor, start=at(8, "09:00"))
        others = AppointmentFactory(start=at(1, "10:00"))

        content = doctor_client.get(DASHBOARD).content.decode()

        week, later = section(content, "week-heading"), section(content, "later-heading")
        assert "until Mon 14 Jan" in week
        assert "Tue 8 Jan 2030, 09:00" in week
        assert detail_url(tomorrow) in week
        assert detail_url(last_day) in week
        assert detail_url(cancelled) not in content
        assert detail_url(next_week) in later
        assert "Tue 15 Jan 2030, 09:00" in later
        assert detail_url(others) not in content

    def test_an_empty_day_and_week_say_so(self, now, doctor_client):
        content = doctor_client.get(DASHBOARD).content.decode()

        assert "No appointments today." in content
        assert "Nothing booked in the next 7 days." in content
        assert "Nothing booked after that yet." in content

    def test_later_appointments_page_without_losing_any(self, now, doctor, doctor_client):
        visits = [
            AppointmentFactory(doctor=doctor, start=at(8 + n // 10, "09:00") + n % 10 * HALF_HOUR)
            for n in range(25)
        ]

        first = section(doctor_client.get(DASHBOARD).content.decode(), "later-heading")
        second = section(
            doctor_client.get(DASHBOARD, {"later": 2}).content.decode(), "later-heading"
        )

        assert [detail_url(v) in first for v in visits] == [True] * 20 + [False] * 5
        assert [detail_url(v) in second for v in visits] == [False] * 20 + [True] * 5
        assert "?later=2" in first
        assert "?later=1" in second

    @pytest.mark.parametrize("later", ["x", "0", "-3", "99999999999"])
    def test_a_malformed_later_page_shows_the_first(self, now, doctor, doctor_client, later):
        visit = AppointmentFactory(doctor=doctor, start=at(9, "09:00"))

        response = doctor_client.get(DASHBOARD, {"later": later})

        assert response.status_code == 200
        assert detail_url(visit) in section(response.content.decode(), "later-heading")

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_appointments(
        self, now, doctor, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            AppointmentFactory(doctor=doctor, start=at(0, "09:00") + n * HALF_HOUR)
            AppointmentFactory(doctor=doctor, start=at(1 + n % 7, "09:00") + n * HALF_HOUR)
            AppointmentFactory(doctor=doctor, start=at(8 + n, "09:00"))

        # Session, user, doctor, today's, the week's, the later page.
        with django_assert_num_queries(6):
            response = doctor_client.get(DASHBOARD)

        content = response.content.decode()
        assert content.count(">Open<span") == 2 * count
        assert section(content, "later-heading").count("<li>") == count


HALF_HOUR = datetime.timedelta(minutes=30)


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

    @pytest.mark.parametrize("who", ["patient_client", "staff_client"])
    def test_patients_and_staff_keep_the_plain_page_and_write_no_log(
        self, request, now, doctor, patient, who
    ):
        visit = AppointmentFactory(doctor=doctor, patient=patient, start=at(0, "10:00"))

        response = request.getfixturevalue(who).get(detail_url(visit))

        assert response.status_code == 200
        assert "Emergency contact" not in response.content.decode()
        assert "Earlier visits" not in response.content.decode()
        assert not AccessLog.objects.exists()

    def test_another_doctor_gets_404_and_no_log(self, now, patient, other_doctor):
        visit = AppointmentFactory(patient=patient, start=at(0, "10:00"))

        response = login(other_doctor.user).get(detail_url(visit))

        assert response.status_code == 404
        assert not AccessLog.objects.exists()

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
        # the access-log row, the earlier visits with their records.
        with django_assert_num_queries(7):
            response = doctor_client.get(detail_url(visit))

        assert section(response.content.decode(), "history-heading").count("<tr>") == 1 + count
