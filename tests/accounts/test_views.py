import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.pictures import fake_jpeg_upload, picture_upload
from tests.conftest import login
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "plum-orchard-lantern-42"
REGISTER = reverse("accounts:register")
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
HOME = reverse("accounts:home")
PROFILE = reverse("accounts:profile")
PASSWORD_CHANGE = reverse("accounts:password_change")
PASSWORD_RESET = reverse("accounts:password_reset")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def registration(**overrides):
    return {
        "email": "Nia.Okafor@Example.ORG",
        "first_name": "Nia",
        "last_name": "Okafor",
        "phone": "07700 900123",
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

    def test_creates_an_inactive_patient_and_emails_an_activation_link(
        self, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REGISTER, registration())

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:register_done")
        user = User.objects.get()
        assert user.email == "nia.okafor@example.org"
        assert user.role == User.Role.PATIENT
        assert not user.is_active
        assert (user.first_name, user.last_name, user.phone) == ("Nia", "Okafor", "07700 900123")
        assert user.check_password(STRONG_PASSWORD)
        assert str(Patient.objects.get(user=user).date_of_birth) == "1990-04-02"
        assert logged_in_user_id(client) is None
        assert [m.to for m in mail.outbox] == [["nia.okafor@example.org"]]
        assert "/accounts/activate/" in mail.outbox[0].body

    def test_activation_link_activates_once_and_then_the_patient_logs_in(
        self, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(REGISTER, registration())
        link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]

        response = client.get(link)

        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert User.objects.get().is_active
        assert logged_in_user_id(client) is None
        assert client.get(link).status_code == 400
        client.post(LOGIN, {"username": "nia.okafor@example.org", "password": STRONG_PASSWORD})
        assert logged_in_user_id(client) == str(User.objects.get().pk)

    def test_email_already_registered_looks_the_same_and_changes_nothing(
        self, client, django_capture_on_commit_callbacks
    ):
        UserFactory(email="nia.okafor@example.org", first_name="Old")

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REGISTER, registration(email="NIA.OKAFOR@example.org"))

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


class TestLogin:
    def test_page_asks_for_email(self, client):
        response = client.get(LOGIN)

        assert response.status_code == 200
        assert '<label for="id_username">Email' in response.text
        assert 'type="email"' in response.text

    def test_email_and_password_log_in_whatever_the_case(self, client, patient):
        response = client.post(
            LOGIN, {"username": patient.user.email.upper(), "password": PASSWORD}
        )

        assert response.status_code == 302
        assert response["Location"] == HOME
        assert logged_in_user_id(client) == str(patient.user.pk)

    def test_next_page_is_honoured(self, client, patient):
        response = client.post(
            f"{LOGIN}?next={PROFILE}", {"username": patient.user.email, "password": PASSWORD}
        )

        assert response["Location"] == PROFILE

    @pytest.mark.parametrize(
        ("make_user", "expected"),
        [
            (lambda: PatientFactory().user, "appointments:mine"),
            (lambda: DoctorFactory().user, "appointments:schedule"),
            (lambda: UserFactory(role=User.Role.ADMIN, is_staff=True), "admin:index"),
        ],
        ids=["patient", "doctor", "staff"],
    )
    def test_each_role_lands_on_its_own_start_page(self, client, make_user, expected):
        user = make_user()

        client.post(LOGIN, {"username": user.email, "password": PASSWORD})
        response = client.get(HOME)

        assert response.status_code == 302
        assert response["Location"] == reverse(expected)

    def test_wrong_password_and_unknown_email_show_the_same_error(self, client, patient):
        wrong_password = client.post(
            LOGIN, {"username": patient.user.email, "password": "not-my-password"}
        )
        unknown_email = client.post(
            LOGIN, {"username": "nobody@example.org", "password": "not-my-password"}
        )

        assert wrong_password.status_code == unknown_email.status_code == 200
        error = "The email address or password is not right. Please try again."
        assert error in wrong_password.text
        assert error in unknown_email.text
        assert wrong_password.context["form"].errors == unknown_email.context["form"].errors
        assert logged_in_user_id(client) is None

    def test_start_page_needs_a_login(self, client):
        response = client.get(HOME)

        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={HOME}"


class TestLogout:
    def test_post_logs_out_and_goes_to_the_front_page(self, patient_client):
        response = patient_client.post(LOGOUT)

        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert logged_in_user_id(patient_client) is None
        assert messages_of(response) == ["You have been logged out."]
        assert patient_client.get(PROFILE).status_code == 302

    def test_get_does_not_log_out(self, patient_client, patient):
        response = patient_client.get(LOGOUT)

        assert response.status_code == 405
        assert logged_in_user_id(patient_client) == str(patient.user.pk)


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
        data = profile_data(patient.user, first_name="Ada", phone="01632 960001") | patient_data(
            blood_type="AB-",
            allergies="Peanuts",
            medical_history="Asthma since childhood.",
            emergency_contact_name="Sam Lovelace",
            emergency_contact_phone="01632 960002",
        )

        response = patient_client.post(PROFILE, data)

        assert response.status_code == 302
        assert response["Location"] == PROFILE
        assert messages_of(response) == ["Your profile has been saved."]
        patient.refresh_from_db()
        patient.user.refresh_from_db()
        assert (patient.user.first_name, patient.user.phone) == ("Ada", "01632 960001")
        assert patient.blood_type == "AB-"
        assert patient.allergies == "Peanuts"
        assert patient.medical_history == "Asthma since childhood."
        assert patient.emergency_contact_name == "Sam Lovelace"
        assert patient.emergency_contact_phone == "01632 960002"

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
        assert staff.phone == "020 7946 0000"


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

        self.post_picture(patient_client, patient, None, phone="01632 960003")

        patient.user.refresh_from_db()
        assert patient.user.picture.name == name
        assert patient.user.phone == "01632 960003"


class TestPasswordChange:
    def test_needs_a_login(self, client):
        response = client.get(PASSWORD_CHANGE)

        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={PASSWORD_CHANGE}"

    def test_changes_password_and_keeps_this_session(self, patient_client, patient):
        response = patient_client.post(
            PASSWORD_CHANGE,
            {
                "old_password": PASSWORD,
                "new_password1": STRONG_PASSWORD,
                "new_password2": STRONG_PASSWORD,
            },
        )

        assert response.status_code == 302
        assert response["Location"] == PROFILE
        assert messages_of(response) == ["Your password has been changed."]
        patient.user.refresh_from_db()
        assert patient.user.check_password(STRONG_PASSWORD)
        assert patient_client.get(PROFILE).status_code == 200

    def test_wrong_old_password_changes_nothing(self, patient_client, patient):
        response = patient_client.post(
            PASSWORD_CHANGE,
            {
                "old_password": "not-it",
                "new_password1": STRONG_PASSWORD,
                "new_password2": STRONG_PASSWORD,
            },
        )

        assert response.status_code == 200
        assert response.context["form"].has_error("old_password")
        patient.user.refresh_from_db()
        assert patient.user.check_password(PASSWORD)


class TestPasswordReset:
    def test_emailed_link_sets_a_new_password(self, client, patient, settings):
        settings.CLINIC_NAME = "Riverside Clinic"

        response = client.post(PASSWORD_RESET, {"email": patient.user.email.upper()})

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [patient.user.email]
        assert message.subject == "Reset your password at Riverside Clinic"
        assert "The team at Riverside Clinic" in message.body
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)
        assert link

        form_page = client.get(link.group(1), follow=True)
        assert form_page.status_code == 200
        assert "Choose a new password" in form_page.text
        set_password_url = form_page.redirect_chain[-1][0]
        done = client.post(
            set_password_url,
            {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD},
        )

        assert done.status_code == 302
        assert done["Location"] == reverse("accounts:password_reset_complete")
        assert client.get(done["Location"]).status_code == 200
        assert Client().login(email=patient.user.email, password=STRONG_PASSWORD)
        assert not Client().login(email=patient.user.email, password=PASSWORD)

    def test_unknown_email_looks_the_same_but_sends_nothing(self, client):
        response = client.post(PASSWORD_RESET, {"email": "nobody@example.org"})

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert mail.outbox == []
        assert "Check your email" in client.get(response["Location"]).text

    def test_bad_link_says_it_no_longer_works(self, client, patient):
        url = reverse(
            "accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}
        )

        response = client.get(url)

        assert response.status_code == 200
        assert "This link no longer works" in response.text
        assert "<form" not in response.text.split("<main", 1)[1]


def test_an_account_deactivated_by_staff_cannot_be_reactivated_by_signing_up_again(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, registration())
    link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]
    client.get(link)
    User.objects.update(is_active=False)  # staff deactivate the account
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, registration())
    for message in mail.outbox:
        for old_or_new_link in re.findall(
            r"http://testserver(/accounts/activate/\S+)", message.body
        ):
            client.get(old_or_new_link)
    client.get(link)

    assert not User.objects.get().is_active
    assert all("/accounts/activate/" not in message.body for message in mail.outbox)
