"""The front page: "What do you need?" (into first available), the next free times across
doctors, each one click from its confirmation, and a way into the directory."""

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login
from tests.doctors.factories import (
    DoctorFactory,
    SpecialtyFactory,
    TimeOffFactory,
    VisitTypeFactory,
)
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def confirm(doctor, start):
    return (
        reverse("appointments:book_confirm", args=[doctor.pk])
        + f"?start={start.isoformat().replace(':', '%3A').replace('+', '%2B')}"
    )


def test_home_asks_what_you_need_and_searches_first_available(now, client):
    SpecialtyFactory(name="Cardiology", slug="cardiology")
    DoctorFactory()  # makes the default visit type
    VisitTypeFactory(name="Annual review")

    content = client.get(reverse("home")).content.decode()

    assert "What do you need?" in content
    assert f'action="{reverse("appointments:first_available")}"' in content
    assert "selected>Consultation</option>" in content  # the usual visit, not the first by name
    assert '<option value="cardiology">Cardiology</option>' in content
    assert "Any site" in content


def test_home_shows_the_next_free_times_each_a_link_to_its_confirmation(now, client):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

    content = client.get(reverse("home")).content.decode()

    assert "Next free times" in content
    assert content.count('<li class="card">') == 6
    assert confirm(doctor, at(0, "10:00")) not in content  # taken
    assert confirm(doctor, at(0, "10:30")) in content
    assert "Mon 7 Jan, 10:30" in content and "Dr Asha Patel" in content


@pytest.mark.parametrize(("clock", "first"), [("08:00", "10:00"), ("08:01", "10:30")])
def test_the_first_time_on_the_home_page_keeps_the_minimum_notice(client, clock, first):
    with clock_at(at(0, clock)):
        DoctorFactory()
        content = client.get(reverse("home")).content.decode()

    assert f"Mon 7 Jan, {first}" in content
    assert "Mon 7 Jan, 09:30" not in content


def test_a_doctor_not_taking_new_patients_has_no_times_for_visitors_or_new_patients(now, client):
    closed = DoctorFactory(accepting_new_patients=False)
    seen, new = PatientFactory(), PatientFactory()
    AppointmentFactory(doctor=closed, patient=seen, start=at(-7, "09:00"), status="fulfilled")

    for who, shown in ((client, False), (login(new.user), False), (login(seen.user), True)):
        content = who.get(reverse("home")).content.decode()
        assert (confirm(closed, at(0, "10:00")) in content) is shown


def test_without_free_times_the_home_page_says_so(now, client):
    DoctorFactory(working_hours=[])

    content = client.get(reverse("home")).content.decode()

    assert "No free times you can book online in the next 14 days." in content


def test_home_offers_a_search_into_the_directory(client):
    content = client.get(reverse("home")).content.decode()

    assert f'action="{reverse("doctors:directory")}"' in content
    assert '<label for="home-q">' in content


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


@pytest.mark.parametrize(
    ("days_off", "first"), [(2, "Wed 9 Jan, 09:00"), (13, "Sun 20 Jan, 09:00")]
)
def test_free_times_after_the_first_two_days_are_found_up_to_the_fourteenth(
    now, client, days_off, first
):
    """The home page looks in the first two days, then over all fourteen."""
    doctor = DoctorFactory(working_hours=[(day, "09:00", "12:00") for day in range(7)])
    TimeOffFactory(doctor=doctor, start=at(0, "00:00"), end=at(days_off, "00:00"))

    content = client.get(reverse("home")).content.decode()

    assert first in content
    assert content.count('<li class="card">') == 6


def test_nothing_after_the_fourteenth_day_is_on_the_home_page(now, client):
    doctor = DoctorFactory(working_hours=[(day, "09:00", "12:00") for day in range(7)])
    TimeOffFactory(doctor=doctor, start=at(0, "00:00"), end=at(14, "00:00"))

    content = client.get(reverse("home")).content.decode()

    assert "No free times you can book online in the next 14 days." in content
