"""The API's sign-up (patients.api.RegisterView): always a patient, never telling who is
registered."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import UserFactory
from tests.api_support import api_client, assert_error
from tests.appointments.mail_support import run_worker

pytestmark = pytest.mark.django_db

REGISTER = reverse("api:auth-register")


def sign_up(**overrides):
    data = {
        "email": "Ada@Example.org",
        "password": "an-unusual-passphrase-42",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **overrides,
    }
    return api_client().post(REGISTER, data, format="json")


class TestRegister:
    def test_creates_an_inactive_patient_and_answers_202_without_the_user(self):
        response = sign_up(phone="+44 20 7946 0000", date_of_birth="1985-12-10")
        run_worker()

        assert response.status_code == 202
        assert set(response.json()) == {"detail"}
        user = User.objects.get(email="ada@example.org")
        patient = Patient.objects.get(user=user)
        assert not user.is_active
        assert (user.first_name, user.last_name, user.phone) == (
            "Ada",
            "Lovelace",
            "+44 20 7946 0000",
        )
        assert patient.date_of_birth == datetime.date(1985, 12, 10)
        assert user.check_password("an-unusual-passphrase-42")
        assert [m.to for m in mail.outbox] == [["ada@example.org"]]
        assert "/accounts/activate/" in mail.outbox[0].body

    def test_always_makes_a_patient_whatever_role_is_asked_for(self):
        response = sign_up(role="admin", is_staff=True)

        assert response.status_code == 202
        user = User.objects.get()
        assert (user.role, user.is_staff, user.is_superuser) == ("patient", False, False)

    def test_runs_djangos_password_validators(self):
        response = sign_up(password="password")

        body = assert_error(response, 400, "invalid", fields=["password"])
        assert "too common" in " ".join(body["fields"]["password"])
        assert not User.objects.exists()

    def test_refuses_a_password_like_ones_own_name(self):
        response = sign_up(password="adalovelace")

        body = assert_error(response, 400, "invalid", fields=["password"])
        assert "too similar" in " ".join(body["fields"]["password"])

    def test_a_taken_email_gets_the_same_answer_and_changes_nothing(self):
        UserFactory(email="ada@example.org", first_name="Old")
        fresh = sign_up(email="someone.new@example.org")

        response = sign_up(email="ADA@EXAMPLE.ORG")
        run_worker()

        assert response.status_code == fresh.status_code == 202
        assert response.json() == fresh.json()
        assert User.objects.get(email="ada@example.org").first_name == "Old"
        assert "You already have an account" in mail.outbox[-1].body

    def test_missing_and_malformed_fields_are_named(self):
        response = api_client().post(
            REGISTER, {"email": "not-an-email", "date_of_birth": "1985-13-01"}, format="json"
        )

        assert_error(
            response,
            400,
            "invalid",
            fields=["email", "password", "first_name", "last_name", "date_of_birth"],
        )

    def test_refuses_a_date_of_birth_in_the_future(self, now):
        response = sign_up(date_of_birth="2030-01-08")

        assert_error(response, 400, "invalid", fields=["date_of_birth"])

    def test_is_throttled_per_client_address(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register-ip": "2/m"}
        for n in range(2):
            assert sign_up(email=f"p{n}@example.org").status_code == 202

        response = sign_up(email="p3@example.org")

        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
