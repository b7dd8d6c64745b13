"""A doctor's page (appointments.views.doctor_detail): the profile and the next free
slots, each a way into booking."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, TimeOffFactory, doctor_named

pytestmark = pytest.mark.django_db


def booking_link(doctor, start):
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    return f"{url}?{urlencode({'start': start.isoformat()})}"


class TestDoctorPage:
    def test_shows_profile_and_next_free_slots_as_booking_links(self, client, now):
        doctor = doctor_named(
            "Asha", "Patel", bio="Heart health for all ages.", years_of_experience=7
        )

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        content = response.content.decode()
        assert response.status_code == 200
        assert "Dr Asha Patel" in content
        assert "Heart health for all ages." in content
        assert "7 years" in content
        assert "Monday 7 January 2030" in content
        # Two hours' notice at 08:00: the first free slot is 10:00.
        assert booking_link(doctor, at(0, "09:30")) not in content
        assert booking_link(doctor, at(0, "10:00")) in content
        assert booking_link(doctor, at(1, "09:00")) in content
        assert reverse("appointments:book", args=[doctor.pk]) in content

    def test_booked_and_time_off_slots_are_not_offered(self, client, now):
        doctor = DoctorFactory()
        AppointmentFactory(doctor=doctor, start=at(1, "10:00"))
        TimeOffFactory(doctor=doctor, start=at(2, "09:00"), end=at(2, "12:00"))

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        content = response.content.decode()
        assert booking_link(doctor, at(1, "09:30")) in content
        assert booking_link(doctor, at(1, "10:00")) not in content
        assert booking_link(doctor, at(1, "10:30")) in content
        assert booking_link(doctor, at(2, "09:00")) not in content
        assert booking_link(doctor, at(2, "11:30")) not in content
        assert booking_link(doctor, at(2, "13:00")) in content

    def test_a_doctor_without_free_slots_says_so(self, client, now):
        doctor = DoctorFactory(working_hours=[(5, "09:00", "10:00")])  # Saturdays
        TimeOffFactory(doctor=doctor, start=at(0, "00:00"), end=at(14, "00:00"))

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        assert response.status_code == 200
        assert "No free times in the next 14 days." in response.content.decode()

    def test_a_doctor_without_working_hours_is_not_public(self, client, now):
        doctor = DoctorFactory(working_hours=[])

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        assert response.status_code == 404

    def test_inactive_doctor_is_not_found(self, client, now):
        doctor = DoctorFactory(user__is_active=False)

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        assert response.status_code == 404

    def test_unknown_doctor_is_not_found(self, client, db):
        assert client.get(reverse("doctors:detail", args=[999999])).status_code == 404
