"""The API's accounts: JWT pairs, rotation, logout, and who am I."""

import datetime

import pytest
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.api_support import api_client, assert_error
from tests.conftest import clock_at

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:auth-token")
REFRESH = reverse("api:auth-token-refresh")
LOGOUT = reverse("api:auth-logout")
ME = reverse("api:auth-me")


def obtain(email, password=PASSWORD):
    return api_client().post(TOKEN, {"email": email, "password": password}, format="json")


class TestTokens:
    def test_email_and_password_give_a_pair_carrying_only_the_id_role_and_a_digest(self, patient):
        response = obtain(patient.user.email.upper())

        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh", "device"}
        payload = AccessToken(response.json()["access"]).payload
        assert payload["user_id"] == str(patient.user.pk)
        assert payload["role"] == "patient"
        # The digest of the password hash that lets a password change end the token.
        assert payload["hash_password"] == get_md5_hash_password(patient.user.password)
        assert set(payload) == {
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "role",
            "hash_password",
            "sid",  # the log-in's key: random, names no one
        }
        text = str(payload)
        for personal in (
            patient.user.email,
            patient.user.first_name,
            patient.user.last_name,
            patient.user.password,
        ):
            assert personal not in text

    def test_access_lives_15_minutes_and_refresh_7_days(self, patient, now):
        pair = obtain(patient.user.email).json()

        access = AccessToken(pair["access"])
        assert access["exp"] - access["iat"] == 15 * 60
        refresh = RefreshToken(pair["refresh"])
        assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600

    def test_a_wrong_password_is_401_in_the_error_shape(self, patient):
        response = obtain(patient.user.email, "wrong")

        assert_error(response, 401, "no_active_account")

    def test_an_inactive_account_gets_no_token(self, patient):
        User.objects.filter(pk=patient.user.pk).update(is_active=False)

        assert_error(obtain(patient.user.email), 401, "no_active_account")

    def test_an_account_awaiting_activation_is_told_so_only_with_the_right_password(self):
        UserFactory(email="nia@example.org", is_active=False, email_confirmed=False)

        assert_error(obtain("nia@example.org"), 401, "awaiting_activation")
        assert_error(obtain("nia@example.org", "wrong"), 401, "no_active_account")

    def test_missing_credentials_are_named(self):
        response = api_client().post(TOKEN, {}, format="json")

        assert_error(response, 400, "invalid", fields=["email", "password"])

    def test_refresh_rotates_and_the_old_refresh_token_stops_working(self, patient):
        first = obtain(patient.user.email).json()

        response = api_client().post(REFRESH, {"refresh": first["refresh"]}, format="json")

        assert response.status_code == 200
        second = response.json()
        assert set(second) == {"access", "refresh"}
        assert second["refresh"] != first["refresh"]
        assert AccessToken(second["access"])["role"] == "patient"
        again = api_client().post(REFRESH, {"refresh": first["refresh"]}, format="json")
        assert_error(again, 401, "token_not_valid")

    def test_an_access_token_is_no_refresh_token(self, patient):
        pair = obtain(patient.user.email).json()

        response = api_client().post(REFRESH, {"refresh": pair["access"]}, format="json")

        assert_error(response, 401, "token_not_valid")

    def test_refresh_for_a_deleted_account_is_401(self):
        # Issued without logging in: an account with security-log entries cannot be deleted.
        user = UserFactory()
        refresh = str(RefreshToken.for_user(user))
        user.delete()

        response = api_client().post(REFRESH, {"refresh": refresh}, format="json")

        assert_error(response, 401, "no_active_account")

    def test_an_expired_access_token_is_401(self, patient, now):
        client = api_client(patient.user)

        with clock_at(now + datetime.timedelta(minutes=16)):
            response = client.get(ME)

        assert_error(response, 401, "token_not_valid")
        assert response["WWW-Authenticate"].startswith("Bearer")


class TestLogout:
    def test_logout_then_refresh_is_401(self, patient):
        pair = obtain(patient.user.email).json()

        response = api_client().post(LOGOUT, {"refresh": pair["refresh"]}, format="json")

        assert response.status_code == 204
        refresh = api_client().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        body = assert_error(refresh, 401, "token_not_valid")
        assert "blacklisted" in body["detail"]

    def test_logging_out_twice_or_with_rubbish_is_401(self, patient):
        pair = obtain(patient.user.email).json()
        api_client().post(LOGOUT, {"refresh": pair["refresh"]}, format="json")

        again = api_client().post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
        rubbish = api_client().post(LOGOUT, {"refresh": "not-a-token"}, format="json")

        assert_error(again, 401, "token_not_valid")
        assert_error(rubbish, 401, "token_not_valid")

    def test_logout_needs_the_refresh_token(self):
        assert_error(api_client().post(LOGOUT, {}, format="json"), 400, "invalid", ["refresh"])


class TestMe:
    def test_a_patient_sees_their_account_and_patient_id(self, patient):
        response = api_client(patient.user).get(ME)

        assert response.status_code == 200
        assert response.json() == {
            "id": patient.user.pk,
            "email": patient.user.email,
            "first_name": patient.user.first_name,
            "last_name": patient.user.last_name,
            "phone": "",
            "role": "patient",
            "patient_id": patient.pk,
            "doctor_id": None,
        }

    def test_a_doctor_gets_their_doctor_id(self, doctor):
        body = api_client(doctor.user).get(ME).json()

        assert (body["role"], body["doctor_id"], body["patient_id"]) == ("doctor", doctor.pk, None)

    def test_staff_have_neither_profile(self, staff):
        body = api_client(staff).get(ME).json()

        assert (body["role"], body["doctor_id"], body["patient_id"]) == ("admin", None, None)

    def test_anonymous_is_401(self):
        response = api_client().get(ME)

        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_a_token_of_a_deactivated_account_stops_working(self, patient):
        client = api_client(patient.user)
        User.objects.filter(pk=patient.user.pk).update(is_active=False)

        assert_error(client.get(ME), 401, "user_inactive")


class TestUserDetail:
    def test_one_reads_oneself(self, patient):
        response = api_client(patient.user).get(reverse("api:auth-user", args=[patient.user.pk]))

        assert response.status_code == 200
        assert response.json()["patient_id"] == patient.pk

    def test_staff_read_anyones_account(self, staff, doctor):
        response = api_client(staff).get(reverse("api:auth-user", args=[doctor.user.pk]))

        assert response.status_code == 200
        assert response.json()["doctor_id"] == doctor.pk
