"""The front page: the clinic's specialties and a way straight into the directory."""

import pytest
from django.urls import reverse

from tests.doctors.factories import DoctorFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db


def test_home_offers_a_search_into_the_directory(client):
    SpecialtyFactory(name="Cardiology", slug="cardiology")

    response = client.get(reverse("home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'action="{reverse("doctors:directory")}"' in content
    assert '<label for="home-q">' in content
    assert '<option value="cardiology">Cardiology</option>' in content


def test_home_links_each_specialty_to_its_filtered_directory(client):
    SpecialtyFactory(name="Cardiology", slug="cardiology")

    content = client.get(reverse("home")).content.decode()

    assert f"{reverse('doctors:directory')}?specialty=cardiology" in content


def test_the_home_search_lands_on_matching_doctors(client):
    cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
    DoctorFactory(user__first_name="Asha", user__last_name="Patel", specialty=cardiology)
    DoctorFactory(user__first_name="Tom", user__last_name="Brown")

    response = client.get(reverse("doctors:directory"), {"q": "Patel", "specialty": "cardiology"})

    assert "Dr Asha Patel" in response.content.decode()
    assert "Tom Brown" not in response.content.decode()
