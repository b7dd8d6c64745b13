"""The main navigation marks where one is: aria-current="page" on the page itself, "true"
on the section a page belongs to; nothing else is marked."""

import re

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db


def marked(page):
    """{link text: aria-current value} of the marked links of the main navigation."""
    nav = page[page.index('<nav aria-label="Main"') : page.index("</nav>")]
    return dict(
        (text, value)
        for value, text in re.findall(r'<a [^>]*aria-current="(\w+)"[^>]*>([^<]+)</a>', nav)
    )


def test_a_patients_page_is_marked_as_the_current_one(patient_client):
    page = patient_client.get(reverse("appointments:mine")).text

    assert marked(page) == {"My appointments": "page"}


def test_a_page_under_a_section_marks_the_section(now, patient_client, patient, doctor):
    visit = AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "09:00"))

    page = patient_client.get(reverse("appointments:detail", args=[visit.pk])).text

    assert marked(page) == {"My appointments": "true"}


def test_the_doctors_dashboard_and_the_public_directory(doctor_client, client):
    assert marked(doctor_client.get(reverse("appointments:schedule")).text) == {"Dashboard": "page"}
    assert marked(client.get(reverse("doctors:directory")).text) == {"Find a doctor": "page"}
    assert marked(client.get(reverse("accounts:login")).text) == {"Log in": "page"}


def test_the_home_page_marks_only_the_brand(client):
    page = client.get(reverse("home")).text

    assert marked(page) == {}
    assert re.search(r'<a class="brand" href="/" aria-current="page">', page)
