import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import second_factor
from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import give_second_factor
from tests.doctors.factories import DoctorFactory
from tests.html_support import logged_in_user_id, messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "plum-orchard-lantern-42"
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
HOME = reverse("accounts:home")
PROFILE = reverse("accounts:profile")
PASSWORD_CHANGE = reverse("accounts:password_change")
PASSWORD_RESET = reverse("accounts:password_reset")
RESEND = reverse("accounts:resend_activation")


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
        if second_factor.required_for(user):
            give_second_factor(client, user)  # doctors and staff: the code page's part
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

    def test_right_password_of_an_account_awaiting_activation_says_so_and_offers_the_link(
        self, client
    ):
        UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)

        response = client.post(LOGIN, {"username": "nia@example.org", "password": PASSWORD})

        assert response.status_code == 200
        assert "This account is waiting for activation" in response.text
        assert "The email address or password is not right" not in response.text
        assert f'action="{RESEND}"' in response.text
        assert 'name="email" value="nia@example.org"' in response.text
        assert logged_in_user_id(client) is None

    def test_wrong_password_of_an_account_awaiting_activation_tells_nothing(self, client):
        UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)

        response = client.post(LOGIN, {"username": "nia@example.org", "password": "guess-1234"})

        assert "The email address or password is not right" in response.text
        assert "waiting for activation" not in response.text
        assert f'action="{RESEND}"' not in response.text

    def test_right_password_of_a_retired_account_tells_nothing_more(self, client):
        UserFactory(email="old@example.org", is_active=False, email_confirmed=True)

        response = client.post(LOGIN, {"username": "old@example.org", "password": PASSWORD})

        assert "The email address or password is not right" in response.text
        assert "waiting for activation" not in response.text

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
        run_worker()

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
        run_worker()

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
        assert "<form" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]


class TestResendActivation:
    def test_sends_the_link_again_to_an_account_awaiting_activation(self, client):
        UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)

        response = client.post(RESEND, {"email": "Nia@Example.org"})
        run_worker()

        assert response.status_code == 302
        assert response["Location"] == LOGIN
        [message] = mail.outbox
        assert message.to == ["nia@example.org"]
        link = re.search(r"http://testserver(/accounts/activate/\S+)", message.body)[1]
        client.get(link)
        assert User.objects.get(email="nia@example.org").is_active

    @pytest.mark.parametrize("email", ["nobody@example.org", "active@example.org"])
    def test_answers_the_same_for_any_other_address_and_sends_nothing(self, client, email):
        UserFactory(email="active@example.org")
        UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)

        response = client.post(RESEND, {"email": email}, follow=True)
        pending = Client().post(RESEND, {"email": "nia@example.org"}, follow=True)
        run_worker()

        assert messages_of(response) == messages_of(pending)
        assert "If an account with this address is waiting for activation" in response.text
        assert [m.to for m in mail.outbox] == [["nia@example.org"]]

    def test_page_asks_for_the_address(self, client):
        response = client.get(RESEND)

        assert response.status_code == 200
        assert 'name="email"' in response.text
