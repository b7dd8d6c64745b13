"""Single-line fields refuse control characters (CR, LF, NUL, escape…) and line separators.

A name with a line break in it writes extra lines into the plain-text emails ("Hello
Ada\\nYour appointment is cancelled…") and into logs; every single-line field (names,
phones, the emergency contact, the licence number, a specialty's name, a time off's
reason) refuses them: a form error on the field, an API 400 naming the field. Multi-line
fields (reasons for a visit, records, history) keep their line breaks.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from doctors.models import Doctor, Specialty, TimeOff
from healthcare.core.validators import validate_single_line
from patients.models import Patient
from tests.api_support import api_client, assert_error
from tests.conftest import at, login
from tests.doctors.factories import SpecialtyFactory
from tests.patients.factories import PatientFactory
from tests.patients.test_views import STRONG_PASSWORD, registration

pytestmark = pytest.mark.django_db

CONTROL = ["\r", "\n", "\r\n", "\x00", "\t", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", CONTROL, ids=repr)
def test_the_validator_refuses_each_control_character_and_line_separator(char):
    with pytest.raises(ValidationError) as error:
        validate_single_line(f"Ada{char}Bcc: mallory@example.org")

    assert error.value.code == "control_characters"


@pytest.mark.parametrize(
    "text",
    ["Ada Lovelace", "Zoë O’Brien-Smith", "李小龍", "+44 (0)20 7946 0000", "Anne\u00a0Marie", ""],
)
def test_the_validator_lets_ordinary_text_through(text):
    validate_single_line(text)


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone"])
def test_the_sign_up_page_refuses_a_line_break_in_a_name_or_phone(client, field):
    response = client.post(reverse("accounts:register"), registration(**{field: "Nia\r\nBcc: x"}))

    assert response.status_code == 200
    assert response.context["form"].has_error(field, "control_characters")
    assert not User.objects.exists()


def test_the_profile_page_refuses_a_line_break_in_the_login_and_the_emergency_contact(now):
    patient = PatientFactory(emergency_contact_name="Sam")
    data = {
        "first_name": "Ada\nX",
        "last_name": "Lovelace",
        "phone": "",
        "date_of_birth": "",
        "blood_type": "",
        "allergies": "Penicillin\nLatex",  # multi-line fields keep their line breaks
        "medical_history": "",
        "emergency_contact_name": "Sam\rSmith",
        "emergency_contact_phone": "\x1b[2J",
    }

    response = login(patient.user).post(reverse("accounts:profile"), data)

    assert response.status_code == 200
    assert response.context["account_form"].has_error("first_name", "control_characters")
    details = response.context["details_form"]
    assert details.has_error("emergency_contact_name", "control_characters")
    assert details.has_error("emergency_contact_phone", "control_characters")
    assert not details.has_error("allergies")
    patient.refresh_from_db()
    assert patient.emergency_contact_name == "Sam"


def test_the_doctors_time_off_reason_is_one_line(now, doctor):
    response = login(doctor.user).post(
        reverse("doctors:time_off"),
        {
            "start": at(10, "09:00").strftime("%Y-%m-%dT%H:%M"),
            "end": at(10, "17:00").strftime("%Y-%m-%dT%H:%M"),
            "reason": "Training\nBook with Dr Evil instead",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("reason", "control_characters")
    assert not TimeOff.objects.exists()


def test_the_admin_refuses_a_line_break_in_a_specialty_and_a_new_doctor(staff_client):
    response = staff_client.post(
        reverse("admin:doctors_specialty_add"), {"name": "Cardiology\nX", "slug": "cardiology"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("name", "control_characters")

    specialty = SpecialtyFactory()
    response = staff_client.post(
        reverse("admin:doctors_doctor_add"),
        {
            "email": "new.doctor@clinic.example",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "first_name": "Greg\r\nory",
            "last_name": "House",
            "phone": "",
            "specialty": specialty.pk,
            "license_number": "GMC-1\n2",
            "years_of_experience": 3,
            "bio": "Line one.\nLine two.",
            "slot_minutes": 30,
            "accepting_new_patients": "on",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.has_error("first_name", "control_characters")
    assert form.has_error("license_number", "control_characters")
    assert not form.has_error("bio")
    assert not Doctor.objects.exists()
    assert not Specialty.objects.exclude(pk=specialty.pk).exists()


def test_the_api_sign_up_names_the_field(client):
    response = api_client().post(
        reverse("api:auth-register"),
        {
            "email": "nia@example.org",
            "password": STRONG_PASSWORD,
            "first_name": "Nia\nBcc: x",
            "last_name": "Okafor",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", fields=["first_name"])
    assert not User.objects.exists()


def test_the_api_refuses_control_characters_in_a_patients_profile(now, patient):
    response = api_client(patient.user).patch(
        reverse("api:patient-detail", args=[patient.pk]),
        {
            "last_name": "Love\rlace",
            "phone": "\x07",
            "emergency_contact_name": "Sam\u2028Smith",
            "medical_history": "Asthma.\nEczema.",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", fields=["last_name", "phone", "emergency_contact_name"])
    assert Patient.objects.get(pk=patient.pk).medical_history == ""


def test_the_api_refuses_control_characters_in_a_new_doctor(staff):
    specialty = SpecialtyFactory()
    response = api_client(staff).post(
        reverse("api:doctor-list"),
        {
            "email": "new.doctor@clinic.example",
            "first_name": "Greg",
            "last_name": "House\nM.D.",
            "specialty": specialty.slug,
            "license_number": "GMC\t1234567",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", fields=["last_name", "license_number"])
    assert not Doctor.objects.exists()
