"""Sessions end after 30 idle minutes and when the password changes; revoked tokens stay dead."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from healthcare import settings as project_settings
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.appointments.mail_support import run_worker
from tests.conftest import NOW, clock_at, login

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
NEW_PASSWORD = "quiet-harbour-lantern-77"


def is_logged_in(client):
    response = client.get(PROFILE)
    return response.status_code == 200


class TestIdleTimeout:
    def test_default_is_thirty_minutes(self):
        assert project_settings.SESSION_COOKIE_AGE == 30 * 60
        assert "accounts.sessions.SessionIdleTimeoutMiddleware" in project_settings.MIDDLEWARE

    def test_thirty_idle_minutes_end_the_session(self, patient):
        with clock_at(NOW) as clock:
            client = login(patient.user)
            assert is_logged_in(client)

            clock.shift(datetime.timedelta(minutes=31))
            response = client.get(PROFILE)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_activity_keeps_the_session_alive(self, patient):
        with clock_at(NOW) as clock:
            client = login(patient.user)
            for _ in range(4):  # an hour in all, never 30 minutes idle
                clock.shift(datetime.timedelta(minutes=15))
                assert is_logged_in(client)

    def test_the_timeout_is_configurable(self, settings, patient):
        settings.SESSION_COOKIE_AGE = 5 * 60
        with clock_at(NOW) as clock:
            client = login(patient.user)
            clock.shift(datetime.timedelta(minutes=6))
            assert not is_logged_in(client)

    def test_cookies_are_http_only_and_same_site(self, client, patient):
        response = client.post(
            reverse("accounts:login"), {"username": patient.user.email, "password": PASSWORD}
        )

        cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert not cookie["max-age"]  # gone when the browser closes


class TestPasswordChangeEndsOtherSessions:
    def test_other_sessions_end_and_this_one_stays(self, patient):
        laptop, phone = login(patient.user), login(patient.user)
        assert is_logged_in(phone)

        response = laptop.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        assert is_logged_in(laptop)
        assert not is_logged_in(phone)
        assert SESSION_KEY not in phone.session

    def test_a_password_reset_ends_every_session(self, patient, client):
        phone = login(patient.user)
        client.post(reverse("accounts:password_reset"), {"email": patient.user.email})
        run_worker()
        link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
        form_url = client.get(link.replace("http://testserver", "")).url

        client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        assert not is_logged_in(phone)


class TestTokens:
    def obtain(self, user):
        response = api_client().post(
            reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, format="json"
        )
        return response.json()

    def refresh(self, token):
        return api_client().post(
            reverse("api:auth-token-refresh"), {"refresh": token}, format="json"
        )

    def test_a_logged_out_refresh_token_is_refused(self, patient):
        pair = self.obtain(patient.user)

        logout = api_client().post(
            reverse("api:auth-logout"), {"refresh": pair["refresh"]}, format="json"
        )

        assert logout.status_code == 204
        assert_error(self.refresh(pair["refresh"]), 401, "token_not_valid")

    def test_a_refresh_token_works_once(self, patient):
        pair = self.obtain(patient.user)
        assert self.refresh(pair["refresh"]).status_code == 200

        assert_error(self.refresh(pair["refresh"]), 401, "token_not_valid")

    def test_logging_out_a_used_refresh_token_does_not_revive_it(self, patient):
        pair = self.obtain(patient.user)
        self.refresh(pair["refresh"])

        response = api_client().post(
            reverse("api:auth-logout"), {"refresh": pair["refresh"]}, format="json"
        )

        assert_error(response, 401, "token_not_valid")

    def test_a_session_cookie_does_not_authenticate_the_api(self, patient):
        client = login(patient.user)

        response = client.get(reverse("api:auth-me"))

        assert_error(response, 401, "not_authenticated")

    def test_a_password_change_ends_the_tokens_issued_before_it_at_once(self, patient):
        pair = self.obtain(patient.user)
        me = reverse("api:auth-me")
        old = api_client()
        old.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert old.get(me).status_code == 200

        login(patient.user).post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert_error(old.get(me), 401, "password_changed")
        # The change also ended the log-in for good: its refresh token is blacklisted.
        assert_error(self.refresh(pair["refresh"]), 401, "token_not_valid")
        fresh = api_client().post(
            reverse("api:auth-token"),
            {"email": patient.user.email, "password": NEW_PASSWORD},
            format="json",
        )
        new = api_client()
        new.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access']}")
        assert new.get(me).status_code == 200
        assert self.refresh(fresh.json()["refresh"]).status_code == 200
