"""The doctor's workspace: the dashboard."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ, at, clock_at, login
from tests.html_support import section
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
DASHBOARD = reverse("appointments:schedule")


def detail_url(appointment):
    return reverse("appointments:detail", args=[appointment.pk])


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
        summer_morning = datetime.datetime(2030, 7, 1, 7, 0, tzinfo=CLINIC_TZ)
        with clock_at(summer_morning):
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

        # Session, user, doctor, today's, the week's, the later page, visits without a record.
        with django_assert_num_queries(7):
            response = doctor_client.get(DASHBOARD)

        content = response.content.decode()
        assert content.count(">Open<span") == 2 * count
        assert section(content, "later-heading").count("<li>") == count


HALF_HOUR = datetime.timedelta(minutes=30)
