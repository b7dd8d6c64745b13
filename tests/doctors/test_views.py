"""The public doctor directory."""

import pytest
from django.urls import reverse

from tests.doctors.factories import DoctorFactory, SpecialtyFactory, doctor_named

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("doctors:directory")


class TestDirectory:
    def test_lists_active_doctors_with_their_specialty_and_experience(self, client):
        cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
        doctor_named("Asha", "Patel", specialty=cardiology, years_of_experience=12)
        retired = doctor_named("Olive", "Gone")
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
        doctor_named("Asha", "Patel")
        doctor_named("Tom", "Brown")

        response = client.get(DIRECTORY, {"q": "pat"})

        content = response.content.decode()
        assert "Dr Asha Patel" in content
        assert "Tom Brown" not in content
        assert "1 doctor found" in content

    def test_search_by_full_name(self, client):
        doctor_named("Asha", "Patel")
        doctor_named("Asha", "Brown")

        response = client.get(DIRECTORY, {"q": "Asha Patel"})

        assert "Dr Asha Patel" in response.content.decode()
        assert "Asha Brown" not in response.content.decode()

    def test_specialty_filter_shows_only_that_specialty(self, client):
        cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
        dermatology = SpecialtyFactory(name="Dermatology", slug="dermatology")
        doctor_named("Asha", "Patel", specialty=cardiology)
        doctor_named("Tom", "Brown", specialty=dermatology)

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
        doctor_named("Asha", "Patel")

        response = client.get(DIRECTORY, {"q": "Zzyzx"})

        content = response.content.decode()
        assert response.status_code == 200
        assert "No doctor matches your search." in content
        assert "Show all doctors" in content

    def test_unknown_specialty_is_an_error_on_the_field_not_a_500(self, client):
        doctor_named("Asha", "Patel")

        response = client.get(DIRECTORY, {"specialty": "astrology", "page": "garbage"})

        assert response.status_code == 200
        assert "We have no such specialty." in response.content.decode()

    def test_results_are_paginated_twenty_per_page(self, client):
        for n in range(21):
            doctor_named("Doc", f"Number{n:02d}")

        first = client.get(DIRECTORY, {"q": "Doc"})
        second = client.get(DIRECTORY, {"q": "Doc", "page": 2})

        assert first.content.decode().count('class="card doctor-card"') == 20
        assert "Page 1 of 2" in first.content.decode()
        assert "?q=Doc&amp;page=2" in first.content.decode()
        assert second.content.decode().count('class="card doctor-card"') == 1
        assert "Number20" in second.content.decode()

    def test_shows_the_picture_when_there_is_one(self, client, media_root):
        doctor = doctor_named("Asha", "Patel")
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

        # Specialties for the select, the count, the page of doctors; their next free
        # times: offers, working hours, sites' type restrictions, busy time (one UNION).
        with django_assert_num_queries(7):
            response = client.get(DIRECTORY)

        assert response.content.decode().count('class="card doctor-card"') == count
