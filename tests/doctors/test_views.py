"""The public doctor directory and each doctor's page with their next free slots."""

import datetime
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.doctors.factories import DoctorFactory, SpecialtyFactory, TimeOffFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
DIRECTORY = reverse("doctors:directory")


def at(day, hhmm):
    """A time in the clinic, `day` days after Monday 7 January 2030."""
    date = datetime.date(2030, 1, 7) + datetime.timedelta(days=day)
    return datetime.datetime.combine(date, datetime.time.fromisoformat(hhmm), tzinfo=LONDON)


def booking_link(doctor, start):
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    return f"{url}?{urlencode({'start': start.isoformat()})}"


def named(first, last, **kwargs):
    return DoctorFactory(user__first_name=first, user__last_name=last, **kwargs)


class TestDirectory:
    def test_lists_active_doctors_with_their_specialty_and_experience(self, client):
        cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
        named("Asha", "Patel", specialty=cardiology, years_of_experience=12)
        retired = named("Olive", "Gone")
        retired.user.is_active = False
        retired.user.save()

        response = client.get(DIRECTORY)

        assert response.status_code == 200
        content = response.content.decode()
        assert "Dr Asha Patel" in content
        assert "Cardiology" in content
        assert "12 years" in content
        assert "Accepting new patients" in content
        assert "Olive Gone" not in content

    def test_search_by_name_shows_only_matching_doctors(self, client):
        named("Asha", "Patel")
        named("Tom", "Brown")

        response = client.get(DIRECTORY, {"q": "pat"})

        content = response.content.decode()
        assert "Dr Asha Patel" in content
        assert "Tom Brown" not in content
        assert "1 doctor found" in content

    def test_search_by_full_name(self, client):
        named("Asha", "Patel")
        named("Asha", "Brown")

        response = client.get(DIRECTORY, {"q": "Asha Patel"})

        assert "Dr Asha Patel" in response.content.decode()
        assert "Asha Brown" not in response.content.decode()

    def test_specialty_filter_shows_only_that_specialty(self, client):
        cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
        dermatology = SpecialtyFactory(name="Dermatology", slug="dermatology")
        named("Asha", "Patel", specialty=cardiology)
        named("Tom", "Brown", specialty=dermatology)

        response = client.get(DIRECTORY, {"specialty": "dermatology"})

        content = response.content.decode()
        assert "Dr Tom Brown" in content
        assert "Asha Patel" not in content
        assert '<option value="dermatology" selected>' in content

    def test_form_fields_are_labelled(self, client):
        response = client.get(DIRECTORY)

        content = response.content.decode()
        assert '<label for="id_q">' in content
        assert '<label for="id_specialty">' in content
        assert 'method="get"' in content

    def test_no_match_shows_a_helpful_empty_state(self, client):
        named("Asha", "Patel")

        response = client.get(DIRECTORY, {"q": "Zzyzx"})

        content = response.content.decode()
        assert response.status_code == 200
        assert "No doctor matches your search." in content
        assert "Show all doctors" in content

    def test_unknown_specialty_is_an_error_on_the_field_not_a_500(self, client):
        named("Asha", "Patel")

        response = client.get(DIRECTORY, {"specialty": "astrology", "page": "garbage"})

        assert response.status_code == 200
        assert "We have no such specialty." in response.content.decode()

    def test_results_are_paginated_twenty_per_page(self, client):
        for n in range(21):
            named("Doc", f"Number{n:02d}")

        first = client.get(DIRECTORY, {"q": "Doc"})
        second = client.get(DIRECTORY, {"q": "Doc", "page": 2})

        assert first.content.decode().count('class="card doctor-card"') == 20
        assert "Page 1 of 2" in first.content.decode()
        assert "?q=Doc&amp;page=2" in first.content.decode()
        assert second.content.decode().count('class="card doctor-card"') == 1
        assert "Number20" in second.content.decode()

    def test_shows_the_picture_when_there_is_one(self, client, media_root):
        doctor = named("Asha", "Patel")
        doctor.user.picture = "profile-pictures/asha.png"
        doctor.user.save()

        response = client.get(DIRECTORY)

        assert "/media/profile-pictures/asha.png" in response.content.decode()

    @pytest.mark.parametrize("count", [2, 12])
    def test_query_count_does_not_grow_with_the_number_of_doctors(
        self, client, django_assert_num_queries, count
    ):
        for _ in range(count):
            DoctorFactory()

        # Specialties for the select, the count, the page of doctors.
        with django_assert_num_queries(3):
            response = client.get(DIRECTORY)

        assert response.content.decode().count('class="card doctor-card"') == count


class TestDoctorPage:
    def test_shows_profile_and_next_free_slots_as_booking_links(self, client, now):
        doctor = named("Asha", "Patel", bio="Heart health for all ages.", years_of_experience=7)

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
        doctor = DoctorFactory(working_hours=[])

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        assert response.status_code == 200
        assert "No free times in the next 14 days." in response.content.decode()

    def test_inactive_doctor_is_not_found(self, client, now):
        doctor = DoctorFactory(user__is_active=False)

        response = client.get(reverse("doctors:detail", args=[doctor.pk]))

        assert response.status_code == 404

    def test_unknown_doctor_is_not_found(self, client, db):
        assert client.get(reverse("doctors:detail", args=[999999])).status_code == 404
