"""The doctor's patient list (appointments.views.patient_list): who sees whom, and their
last and next visit."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.accounts.factories import UserFactory
from tests.appointments.factories import visit
from tests.conftest import login
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
LIST = reverse("patients:list")


def detail(patient):
    return reverse("patients:detail", args=[patient.pk])


def named(first, last, email=None):
    user = {"user__first_name": first, "user__last_name": last}
    if email:
        user["user__email"] = email
    return PatientFactory(**user)


class TestAccess:
    def test_a_doctor_without_a_profile_gets_404(self, now):
        client = login(UserFactory(role="doctor"))

        assert client.get(LIST).status_code == 404


class TestList:
    def test_doctor_sees_only_their_own_patients(self, now, doctor, other_doctor, doctor_client):
        mine = named("Amira", "Haddad")
        theirs = named("Boris", "Ivanov")
        visit(mine, doctor, -7)
        visit(theirs, other_doctor, -7)

        response = doctor_client.get(LIST)

        assert response.status_code == 200
        content = response.content.decode()
        assert "Amira Haddad" in content
        assert "Boris Ivanov" not in content

    def test_a_patient_whose_only_visit_was_cancelled_is_not_listed(
        self, now, doctor, doctor_client
    ):
        visit(named("Cleo", "Dunn"), doctor, 2, status=Status.CANCELLED)

        response = doctor_client.get(LIST)

        assert "Cleo Dunn" not in response.content.decode()
        assert "No patients yet" in response.content.decode()

    def test_shows_last_and_next_visit_with_this_doctor(
        self, now, doctor, other_doctor, doctor_client
    ):
        patient = named("Amira", "Haddad")
        visit(patient, doctor, -14, "10:00", status=Status.FULFILLED)
        visit(patient, doctor, -7, "11:00", status=Status.FULFILLED)
        visit(patient, doctor, 3, "14:00")
        visit(patient, doctor, 10, "09:30")
        visit(patient, doctor, 1, "09:00", status=Status.CANCELLED)
        visit(patient, other_doctor, -1, "09:00", status=Status.FULFILLED)

        content = doctor_client.get(LIST).content.decode()

        assert "Mon 31 Dec 2029, 11:00" in content  # last visit with this doctor
        assert "Thu 10 Jan 2030, 14:00" in content  # next one
        assert "Sun 6 Jan 2030" not in content  # the other doctor's visit
        assert "Tue 8 Jan 2030" not in content  # cancelled

    @pytest.mark.parametrize("query", ["haddad", "amira", "Amira Hadd", "amira.h@example"], ids=str)
    def test_search_by_name_or_email(self, now, doctor, doctor_client, query):
        visit(named("Amira", "Haddad", "amira.h@example.com"), doctor, -7)
        visit(named("Boris", "Ivanov", "bi@example.net"), doctor, -6)

        content = doctor_client.get(LIST, {"q": query}).content.decode()

        assert "Amira Haddad" in content
        assert "Boris Ivanov" not in content

    def test_search_without_match_says_so(self, now, doctor, doctor_client):
        visit(named("Amira", "Haddad"), doctor, -7)

        content = doctor_client.get(LIST, {"q": "zzz"}).content.decode()

        assert "No patient matches your search." in content
        assert "Amira Haddad" not in content

    def test_staff_see_every_patient(self, now, doctor, other_doctor, staff_client):
        visit(named("Amira", "Haddad"), doctor, -7)
        visit(named("Boris", "Ivanov"), other_doctor, -7)
        named("Cleo", "Dunn")

        content = staff_client.get(LIST).content.decode()

        assert all(name in content for name in ("Amira Haddad", "Boris Ivanov", "Cleo Dunn"))

    def test_the_list_is_paginated(self, now, doctor, doctor_client):
        for n in range(30):
            visit(PatientFactory(user__last_name=f"Zed{n:02d}"), doctor, -30 + n)

        first = doctor_client.get(LIST).content.decode()
        second = doctor_client.get(LIST, {"page": 2}).content.decode()

        assert "Page 1 of 2" in first
        assert "Zed00" in first and "Zed29" not in first
        assert "Zed29" in second

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_patients(
        self, now, doctor, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            patient = PatientFactory()
            visit(patient, doctor, -n - 1)
            visit(patient, doctor, n + 1)

        # session, user, doctor, count, page
        with django_assert_num_queries(5):
            response = doctor_client.get(LIST)

        assert len(response.context["page_obj"].object_list) == count
