"""Phone numbers (healthcare.core.phone): every form and the API refuse what is not one,
read a number without a country code as the clinic's region's, and keep valid numbers in
the international format; numbers saved before the check stay readable."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from patients.forms import RegistrationForm
from patients.models import Patient
from tests.api_support import api_client, assert_error
from tests.conftest import login
from tests.doctors.factories import SpecialtyFactory
from tests.doctors.test_admin import add_data
from tests.patients.test_forms import registration_data

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
REGISTER = reverse("api:auth-register")


def profile_data(user, **overrides):
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": "",
        "date_of_birth": "1985-06-15",
        "blood_type": "O+",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        **overrides,
    }


class TestForms:
    @pytest.mark.parametrize("typed", ["abc", "123", "020 7946", "+44 20 7946 0000 0000 00"])
    def test_profile_refuses_what_is_not_a_phone_number(self, patient_client, patient, typed):
        response = patient_client.post(PROFILE, profile_data(patient.user, phone=typed))

        assert response.status_code == 200
        assert "Please enter a valid phone number" in response.text
        patient.user.refresh_from_db()
        assert patient.user.phone == ""

    def test_emergency_contact_phone_is_checked_too(self, patient_client, patient):
        response = patient_client.post(
            PROFILE, profile_data(patient.user, emergency_contact_phone="call Tom")
        )

        assert "Please enter a valid phone number" in response.text
        patient.refresh_from_db()
        assert patient.emergency_contact_phone == ""

    def test_national_number_is_saved_in_international_format(self, patient_client, patient):
        response = patient_client.post(
            PROFILE,
            profile_data(
                patient.user, phone="020 7946 0000", emergency_contact_phone="+48600700800"
            ),
        )

        assert response.status_code == 302
        patient.refresh_from_db()
        assert patient.user.phone == "+44 20 7946 0000"
        assert patient.emergency_contact_phone == "+48 600 700 800"

    def test_the_clinics_region_reads_numbers_without_a_country_code(self, settings):
        settings.CLINIC_PHONE_REGION = "PL"

        form = RegistrationForm(registration_data(phone="600 700 800"))

        assert form.is_valid(), form.errors
        assert form.cleaned_data["phone"] == "+48 600 700 800"

    def test_sign_up_refuses_letters(self):
        form = RegistrationForm(registration_data(phone="abc"))

        assert form.has_error("phone", "invalid_phone")

    def test_a_number_saved_before_the_check_is_shown_as_it_was(self, patient_client, patient):
        User.objects.filter(pk=patient.user.pk).update(phone="ask at desk")

        response = patient_client.get(PROFILE)

        assert response.status_code == 200
        assert 'value="ask at desk"' in response.text


class TestApi:
    def test_sign_up_refuses_letters_with_400_on_the_field(self):
        response = api_client().post(
            REGISTER,
            {
                "email": "ada@example.org",
                "password": "an-unusual-passphrase-42",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "phone": "abc",
            },
            format="json",
        )

        assert_error(response, 400, fields=["phone"])
        assert not User.objects.exists()

    def test_profile_change_saves_international_format(self, patient):
        url = reverse("api:patient-detail", args=[patient.pk])

        response = api_client(patient.user).patch(
            url,
            {"phone": "020 7946 0123", "emergency_contact_phone": "0161 496 0000"},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["phone"] == "+44 20 7946 0123"
        assert response.json()["emergency_contact_phone"] == "+44 161 496 0000"

    def test_profile_change_refuses_letters(self, patient):
        url = reverse("api:patient-detail", args=[patient.pk])

        response = api_client(patient.user).patch(
            url, {"emergency_contact_phone": "abc"}, format="json"
        )

        assert_error(response, 400, fields=["emergency_contact_phone"])


@pytest.mark.parametrize(
    ("module", "model", "field"),
    [
        ("accounts.migrations.0009_phone_numbers", User, "phone"),
        ("patients.migrations.0005_phone_numbers", Patient, "emergency_contact_phone"),
    ],
)
def test_migration_writes_valid_numbers_internationally_and_keeps_the_rest(
    patient, other_patient, module, model, field
):
    rows = model.objects.filter(pk__in=[patient.user.pk, other_patient.user.pk])
    if model is Patient:
        rows = model.objects.filter(pk__in=[patient.pk, other_patient.pk])
    first, second = rows.order_by("pk")
    model.objects.filter(pk=first.pk).update(**{field: "020 7946 0000"})
    model.objects.filter(pk=second.pk).update(**{field: "ask at desk"})

    importlib.import_module(module).write_valid_numbers_internationally(apps, None)

    assert getattr(model.objects.get(pk=first.pk), field) == "+44 20 7946 0000"
    assert getattr(model.objects.get(pk=second.pk), field) == "ask at desk"


def test_the_admin_refuses_it_too(now, staff):
    response = login(staff).post(
        reverse("admin:doctors_doctor_add"), add_data(SpecialtyFactory(), phone="abc")
    )

    assert response.status_code == 200
    assert "Please enter a valid phone number" in response.text
    assert not User.objects.filter(email="nadia.haddad@clinic.example").exists()
