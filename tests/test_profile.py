"""The profile page (healthcare.views.profile): one's own login, a patient's health
details, a doctor's biography, and the profile picture."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import UserFactory
from tests.accounts.pictures import fake_jpeg_upload, picture_upload
from tests.conftest import login
from tests.html_support import messages_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")
PASSWORD_CHANGE = reverse("accounts:password_change")


def profile_data(user, **overrides):
    return {"first_name": user.first_name, "last_name": user.last_name, "phone": "", **overrides}


def patient_data(**overrides):
    return {
        "date_of_birth": "1985-06-15",
        "blood_type": "O+",
        "allergies": "",
        "medical_history": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        **overrides,
    }


class TestProfile:
    def test_needs_a_login(self, client):
        response = client.get(PROFILE)

        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={PROFILE}"

    def test_shows_the_patients_own_details(self, patient_client, patient):
        patient.allergies = "Penicillin"
        patient.save()

        response = patient_client.get(PROFILE)

        assert response.status_code == 200
        assert patient.user.email in response.text
        assert f'value="{escape(patient.user.first_name)}"' in response.text
        assert 'value="1985-06-15"' in response.text
        assert "Penicillin" in response.text
        assert 'enctype="multipart/form-data"' in response.text
        assert f'href="{PASSWORD_CHANGE}"' in response.text

    def test_patient_saves_their_details(self, patient_client, patient):
        data = profile_data(patient.user, first_name="Ada", phone="0113 496 0001") | patient_data(
            blood_type="AB-",
            allergies="Peanuts",
            medical_history="Asthma since childhood.",
            emergency_contact_name="Sam Lovelace",
            emergency_contact_phone="0113 496 0002",
        )

        response = patient_client.post(PROFILE, data)

        assert response.status_code == 302
        assert response["Location"] == PROFILE
        assert messages_of(response) == ["Your profile has been saved."]
        patient.refresh_from_db()
        patient.user.refresh_from_db()
        assert (patient.user.first_name, patient.user.phone) == ("Ada", "+44 113 496 0001")
        assert patient.blood_type == "AB-"
        assert patient.allergies == "Peanuts"
        assert patient.medical_history == "Asthma since childhood."
        assert patient.emergency_contact_name == "Sam Lovelace"
        assert patient.emergency_contact_phone == "+44 113 496 0002"

    def test_invalid_details_save_nothing(self, patient_client, patient):
        data = profile_data(patient.user, first_name="Changed") | patient_data(
            blood_type="Z+", allergies="Changed"
        )

        response = patient_client.post(PROFILE, data)

        assert response.status_code == 200
        assert response.context["details_form"].has_error("blood_type")
        patient.refresh_from_db()
        patient.user.refresh_from_db()
        assert patient.user.first_name != "Changed"
        assert patient.allergies == ""

    def test_refused_input_is_not_shown_as_saved(self, patient_client, patient):
        name = patient.user.display_name

        response = patient_client.post(
            PROFILE, profile_data(patient.user, first_name="Changed", last_name="")
        )

        assert response.status_code == 200
        assert f"<dd>{escape(name)}</dd>" in response.text
        assert 'value="Changed"' in response.text

    def test_patient_without_a_patient_row_gets_one_on_save(self, client):
        user = UserFactory(role=User.Role.PATIENT)
        client = login(user)

        response = client.post(PROFILE, profile_data(user) | patient_data(allergies="Latex"))

        assert response.status_code == 302
        assert Patient.objects.get(user=user).allergies == "Latex"

    def test_doctor_edits_only_their_bio(self, doctor_client, doctor):
        page = doctor_client.get(PROFILE)
        assert 'name="bio"' in page.text
        assert 'name="allergies"' not in page.text
        assert 'name="license_number"' not in page.text

        response = doctor_client.post(
            PROFILE,
            profile_data(doctor.user, bio="Family doctor.", license_number="HACKED"),
        )

        assert response.status_code == 302
        doctor.refresh_from_db()
        assert doctor.bio == "Family doctor."
        assert doctor.license_number != "HACKED"

    def test_staff_edit_only_their_account(self, staff_client, staff):
        page = staff_client.get(PROFILE)
        assert 'name="bio"' not in page.text
        assert 'name="allergies"' not in page.text

        response = staff_client.post(PROFILE, profile_data(staff, phone="020 7946 0000"))

        assert response.status_code == 302
        staff.refresh_from_db()
        assert staff.phone == "+44 20 7946 0000"


class TestProfilePicture:
    def post_picture(self, client, patient, upload, **extra):
        data = profile_data(patient.user, **extra) | patient_data()
        if upload is not None:
            data["picture"] = upload
        return client.post(PROFILE, data)

    def test_real_png_is_saved_and_shown(self, patient_client, patient, media_root):
        response = self.post_picture(patient_client, patient, picture_upload("PNG"))

        assert response.status_code == 302
        patient.user.refresh_from_db()
        name = patient.user.picture.name
        assert name.startswith("profile-pictures/")
        assert name.endswith(".png")
        assert (media_root / name).is_file()
        page = patient_client.get(PROFILE)
        assert f'src="{patient.user.picture.url}"' in page.text

    @pytest.mark.parametrize(
        "make_upload",
        [
            fake_jpeg_upload,
            lambda: picture_upload("GIF"),
            lambda: picture_upload("JPEG", padding=5 * 1024 * 1024),
        ],
        ids=["text-named-jpg", "gif", "over-5-mb"],
    )
    def test_anything_else_is_refused_and_nothing_saved(
        self, patient_client, patient, media_root, make_upload
    ):
        response = self.post_picture(patient_client, patient, make_upload(), first_name="NotSaved")

        assert response.status_code == 200
        assert response.context["account_form"].has_error("picture")
        assert 'id="id_picture_error"' in response.text
        patient.user.refresh_from_db()
        assert patient.user.picture.name == ""
        assert patient.user.first_name != "NotSaved"
        assert not media_root.exists() or not any(media_root.rglob("*.*"))

    def test_gif_error_says_which_formats_are_allowed(self, patient_client, patient, media_root):
        response = self.post_picture(patient_client, patient, picture_upload("GIF"))

        assert "Upload a JPEG, PNG or WebP picture." in response.text

    def test_over_limit_error_names_the_limit(self, patient_client, patient, media_root):
        response = self.post_picture(
            patient_client, patient, picture_upload("PNG", padding=5 * 1024 * 1024)
        )

        assert "pictures can be at most 5.0\xa0MB" in response.text

    def test_picture_can_be_removed_and_its_file_is_deleted(
        self, patient_client, patient, media_root, django_capture_on_commit_callbacks
    ):
        self.post_picture(patient_client, patient, picture_upload("PNG"))
        patient.user.refresh_from_db()
        stored = media_root / patient.user.picture.name

        with django_capture_on_commit_callbacks(execute=True):
            response = self.post_picture(patient_client, patient, None, remove_picture="on")

        assert response.status_code == 302
        patient.user.refresh_from_db()
        assert patient.user.picture.name == ""
        assert not stored.exists()

    def test_new_picture_replaces_the_old_file(
        self, patient_client, patient, media_root, django_capture_on_commit_callbacks
    ):
        self.post_picture(patient_client, patient, picture_upload("PNG"))
        patient.user.refresh_from_db()
        old = media_root / patient.user.picture.name

        with django_capture_on_commit_callbacks(execute=True):
            self.post_picture(patient_client, patient, picture_upload("WEBP"))

        patient.user.refresh_from_db()
        assert patient.user.picture.name.endswith(".webp")
        assert (media_root / patient.user.picture.name).is_file()
        assert not old.exists()

    def test_saving_other_fields_keeps_the_picture(self, patient_client, patient, media_root):
        self.post_picture(patient_client, patient, picture_upload("PNG"))
        patient.user.refresh_from_db()
        name = patient.user.picture.name

        self.post_picture(patient_client, patient, None, phone="0113 496 0003")

        patient.user.refresh_from_db()
        assert patient.user.picture.name == name
        assert patient.user.phone == "+44 113 496 0003"
