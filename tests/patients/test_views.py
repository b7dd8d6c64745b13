"""Signing up as a patient (patients.views) and activating the account."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import UserFactory
from tests.appointments.mail_support import run_worker
from tests.html_support import logged_in_user_id

pytestmark = pytest.mark.django_db


STRONG_PASSWORD = "plum-orchard-lantern-42"
REGISTER = reverse("accounts:register")
LOGIN = reverse("accounts:login")
HOME = reverse("accounts:home")


def registration(**overrides):
    return {
        "email": "Nia.Okafor@Example.ORG",
        "first_name": "Nia",
        "last_name": "Okafor",
        "phone": "0161 496 0123",
        "date_of_birth": "1990-04-02",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


class TestRegister:
    def test_page_offers_the_form(self, client):
        response = client.get(REGISTER)

        assert response.status_code == 200
        assert "Create your patient account" in response.text
        assert 'name="password2"' in response.text

    def test_creates_an_inactive_patient_and_emails_an_activation_link(self, client):
        response = client.post(REGISTER, registration())
        run_worker()

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:register_done")
        user = User.objects.get()
        assert user.email == "nia.okafor@example.org"
        assert user.role == User.Role.PATIENT
        assert not user.is_active
        assert (user.first_name, user.last_name, user.phone) == (
            "Nia",
            "Okafor",
            "+44 161 496 0123",
        )
        assert user.check_password(STRONG_PASSWORD)
        assert str(Patient.objects.get(user=user).date_of_birth) == "1990-04-02"
        assert logged_in_user_id(client) is None
        assert [m.to for m in mail.outbox] == [["nia.okafor@example.org"]]
        assert "/accounts/activate/" in mail.outbox[0].body

    def test_activation_link_activates_once_and_then_the_patient_logs_in(self, client):
        client.post(REGISTER, registration())
        run_worker()
        link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]

        response = client.get(link)

        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert User.objects.get().is_active
        assert logged_in_user_id(client) is None
        assert client.get(link).status_code == 400
        client.post(LOGIN, {"username": "nia.okafor@example.org", "password": STRONG_PASSWORD})
        assert logged_in_user_id(client) == str(User.objects.get().pk)

    def test_email_already_registered_looks_the_same_and_changes_nothing(self, client):
        UserFactory(email="nia.okafor@example.org", first_name="Old")

        response = client.post(REGISTER, registration(email="NIA.OKAFOR@example.org"))
        run_worker()

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:register_done")
        assert User.objects.get().first_name == "Old"
        assert Patient.objects.count() == 0
        assert logged_in_user_id(client) is None
        assert [m.to for m in mail.outbox] == [["nia.okafor@example.org"]]
        assert "You already have an account" in mail.outbox[0].body

    @pytest.mark.parametrize(
        "smuggled",
        [
            {"role": "doctor"},
            {"role": "admin"},
            {"is_staff": "on", "is_superuser": "on", "role": "admin"},
        ],
    )
    def test_cannot_choose_another_role(self, client, smuggled):
        client.post(REGISTER, registration(**smuggled))

        user = User.objects.get()
        assert user.role == User.Role.PATIENT
        assert not user.is_staff
        assert not user.is_superuser
        assert Patient.objects.filter(user=user).exists()

    def test_weak_password_is_refused(self, client):
        response = client.post(REGISTER, registration(password1="12345678", password2="12345678"))

        assert response.status_code == 200
        assert "This password is too common." in response.text
        assert not User.objects.exists()

    def test_logged_in_user_is_sent_to_their_start_page(self, patient_client):
        response = patient_client.get(REGISTER)

        assert response.status_code == 302
        assert response["Location"] == HOME


def test_an_account_deactivated_by_staff_cannot_be_reactivated_by_signing_up_again(client):
    client.post(REGISTER, registration())
    run_worker()
    link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]
    client.get(link)
    User.objects.update(is_active=False)  # staff deactivate the account
    mail.outbox.clear()

    client.post(REGISTER, registration())
    run_worker()
    for message in mail.outbox:
        for old_or_new_link in re.findall(
            r"http://testserver(/accounts/activate/\S+)", message.body
        ):
            client.get(old_or_new_link)
    client.get(link)

    assert not User.objects.get().is_active
    assert all("/accounts/activate/" not in message.body for message in mail.outbox)
