"""The user admin: clinic staff are added here; patients and doctors with their record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import clerk
from tests.conftest import login

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


USERS = "admin:accounts_user_changelist"
ADD_USER = "admin:accounts_user_add"
PATIENTS = "admin:patients_patient_changelist"


def user_change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def add_user_data(**overrides):
    return {
        "email": "Rosa.Lind@Example.org",
        "first_name": "Rosa",
        "last_name": "Lind",
        "phone": "0161 496 0111",
        "role": User.Role.ADMIN,
        "usable_password": "true",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        **overrides,
    }


def test_user_changelist_shows_email_names_and_role(staff_client, doctor):
    response = staff_client.get(reverse(USERS))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("Email address", "First name", "Role", "Phone"):
        assert heading in page
    assert doctor.user.email in page
    assert "Doctor" in page


def test_user_changelist_filters_by_role(staff, staff_client, doctor, patient):
    response = staff_client.get(reverse(USERS), {"role__exact": User.Role.DOCTOR})

    assert list(response.context["cl"].result_list) == [doctor.user]


def test_adding_clinic_staff_gives_admin_access_but_no_patient_record(staff_client):
    staff_client.post(reverse(ADD_USER), add_user_data(role=User.Role.ADMIN))

    user = User.objects.get(email="rosa.lind@example.org")
    assert (user.role, user.is_staff, user.is_superuser) == (User.Role.ADMIN, True, False)
    assert not Patient.objects.filter(user=user).exists()


def test_the_user_form_cannot_create_a_doctor_without_a_profile(staff_client):
    page = staff_client.get(reverse(ADD_USER)).content.decode()
    response = staff_client.post(reverse(ADD_USER), add_user_data(role=User.Role.DOCTOR))

    assert f'value="{User.Role.DOCTOR}"' not in page
    assert "Add doctor" in page  # where doctors are added instead
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"]
    assert not User.objects.filter(email="rosa.lind@example.org").exists()


def test_the_user_form_cannot_create_a_patient_without_a_record(staff_client):
    page = staff_client.get(reverse(ADD_USER)).content.decode()
    response = staff_client.post(reverse(ADD_USER), add_user_data(role=User.Role.PATIENT))

    assert f'value="{User.Role.PATIENT}"' not in page
    assert "Add patient" in page  # where patients are added instead
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"]
    assert not User.objects.filter(email="rosa.lind@example.org").exists()


def test_adding_a_user_with_a_taken_email_in_other_case_is_refused(staff_client, patient):
    response = staff_client.post(reverse(ADD_USER), add_user_data(email=patient.user.email.upper()))

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=patient.user.email).count() == 1


def test_add_user_page_preselects_the_role_from_the_address(staff_client):
    response = staff_client.get(reverse(ADD_USER), {"role": User.Role.ADMIN})

    assert response.context["adminform"].form["role"].value() == User.Role.ADMIN


def test_role_is_read_only_on_the_change_page(staff_client, patient):
    response = staff_client.get(user_change_url(patient.user))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="role"' not in page
    assert "Patient record" in page  # a link to the profile


def test_staff_who_are_not_superusers_cannot_grant_admin_rights(patient):
    client = login(clerk("view_user", "change_user"))
    user = patient.user

    page = client.get(user_change_url(user)).content.decode()
    client.post(
        user_change_url(user),
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "_save": "Save",
        },
    )

    assert 'name="is_superuser"' not in page
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_staff_without_user_permissions_cannot_add_users():
    client = login(clerk("view_patient"))

    response = client.get(reverse(ADD_USER))

    assert response.status_code == 403


def test_a_profile_picture_that_is_not_an_image_is_refused(media_root, staff_client, patient):
    user = patient.user
    upload = SimpleUploadedFile("me.jpg", b"not a picture", content_type="image/jpeg")

    response = staff_client.post(
        user_change_url(user),
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "picture": upload,
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["picture"]
    user.refresh_from_db()
    assert not user.picture


def test_staff_who_are_not_superusers_cannot_change_a_superuser(staff):
    client = login(clerk("view_user", "change_user"))

    page = client.get(user_change_url(staff))
    password = client.post(
        reverse("admin:auth_user_password_change", args=[staff.pk]),
        {"password1": "x-new-passphrase-123", "password2": "x-new-passphrase-123"},
    )

    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()
    assert password.status_code == 403
    staff.refresh_from_db()
    assert not staff.check_password("x-new-passphrase-123")
