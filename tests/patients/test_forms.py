"""Signing up and a patient's health details: the forms' own checks."""

import pytest

from patients.forms import PatientDetailsForm, RegistrationForm
from tests.accounts.factories import UserFactory

STRONG_PASSWORD = "plum-orchard-lantern-42"


def registration_data(**overrides):
    return {
        "email": "new.patient@example.org",
        "first_name": "Nia",
        "last_name": "Okafor",
        "phone": "",
        "date_of_birth": "",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


@pytest.mark.django_db
class TestRegistrationForm:
    def test_valid_data_gives_lowercased_email(self):
        form = RegistrationForm(registration_data(email="  Nia.Okafor@Example.ORG "))

        assert form.is_valid(), form.errors
        assert form.cleaned_data["email"] == "nia.okafor@example.org"

    def test_email_registered_already_is_not_told_apart(self):
        UserFactory(email="taken@example.org")

        form = RegistrationForm(registration_data(email="TAKEN@example.org"))

        assert form.is_valid(), form.errors

    @pytest.mark.parametrize("password", ["12345678", "password", "short1"])
    def test_weak_password_is_refused(self, password):
        form = RegistrationForm(registration_data(password1=password, password2=password))

        assert not form.is_valid()
        assert "password2" in form.errors

    def test_password_like_own_name_is_refused(self):
        form = RegistrationForm(registration_data(password1="niaokafor", password2="niaokafor"))

        assert not form.is_valid()
        assert form.has_error("password2", "password_too_similar")

    def test_passwords_that_differ_are_refused(self):
        form = RegistrationForm(registration_data(password2=STRONG_PASSWORD + "x"))

        assert not form.is_valid()
        assert form.has_error("password2", "password_mismatch")

    def test_date_of_birth_in_the_future_is_refused(self, now):
        form = RegistrationForm(registration_data(date_of_birth="2030-01-08"))

        assert not form.is_valid()
        assert form.has_error("date_of_birth", "future")

    def test_implausible_date_of_birth_is_refused(self):
        form = RegistrationForm(registration_data(date_of_birth="1899-12-31"))

        assert not form.is_valid()
        assert form.has_error("date_of_birth", "implausible")

    def test_there_is_no_role_field(self):
        assert "role" not in RegistrationForm().fields


@pytest.mark.django_db
def test_patient_date_of_birth_cannot_be_in_the_future(now):
    form = PatientDetailsForm({"date_of_birth": "2030-01-08", "blood_type": ""})

    assert not form.is_valid()
    assert form.has_error("date_of_birth", "future")
