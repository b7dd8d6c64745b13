"""Sessions the user can see (accounts:security): every browser and app logged in to the
account, with device, last use and address, and a way to end one or all others."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, UserSession
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.conftest import NOW, clock_at, login

pytestmark = pytest.mark.django_db

SECURITY = reverse("accounts:security")
PROFILE = reverse("accounts:profile")
END_OTHERS = reverse("accounts:sessions_end_others")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser(user, agent=FIREFOX, address="198.51.100.7"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def app_log_in(user):
    response = api_client().post(
        reverse("api:auth-token"),
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="ClinicApp/2.1 (Android 14)",
        REMOTE_ADDR="203.0.113.40",
    )
    return response.json()


def row_of(user, kind, agent_part):
    return UserSession.objects.get(user=user, kind=kind, user_agent__contains=agent_part)


class TestTheList:
    def test_browsers_and_apps_are_listed_with_device_time_and_address(self, patient):
        with clock_at(NOW):
            me = browser(patient.user)
            browser(patient.user, agent=IPHONE, address="192.0.2.9")
            app_log_in(patient.user)

            response = me.get(SECURITY)

        assert response.status_code == 200
        text = response.text
        assert "Firefox on Windows" in text and "(this browser)" in text
        assert "Safari on iPhone" in text and "192.0.2.9" in text
        assert "ClinicApp/2.1 (Android 14)" in text and "203.0.113.40" in text
        assert text.count("End the session on") == 2  # not this browser's own

    def test_the_profile_links_to_it(self, patient):
        assert SECURITY in login(patient.user).get(PROFILE).text

    def test_others_sessions_are_not_shown(self, patient, other_patient):
        browser(other_patient.user, agent=IPHONE)

        response = login(patient.user).get(SECURITY)

        assert "iPhone" not in response.text

    def test_last_used_is_kept_to_the_minute(self, patient):
        with clock_at(NOW) as clock:
            client = browser(patient.user)
            row = UserSession.objects.get(user=patient.user)
            clock.shift(datetime.timedelta(seconds=30))
            client.get(PROFILE)
            row.refresh_from_db()
            assert row.last_used_at == NOW  # not written on every request

            clock.shift(datetime.timedelta(seconds=31))
            client.get(PROFILE, REMOTE_ADDR="198.51.100.99")
            row.refresh_from_db()

        assert row.last_used_at == NOW + datetime.timedelta(seconds=61)
        assert row.ip_address == "198.51.100.99"

    def test_a_session_that_timed_out_is_not_listed(self, patient):
        with clock_at(NOW) as clock:
            browser(patient.user, agent=IPHONE)
            clock.shift(datetime.timedelta(minutes=31))

            response = login(patient.user).get(SECURITY)

        assert "iPhone" not in response.text

    def test_logging_out_removes_it(self, patient):
        client = browser(patient.user)

        client.post(reverse("accounts:logout"))

        assert not UserSession.objects.filter(user=patient.user).exists()


class TestEnding:
    def test_ending_another_browser_logs_it_out_and_is_logged(self, patient):
        me, phone = browser(patient.user), browser(patient.user, agent=IPHONE)
        row = row_of(patient.user, UserSession.Kind.WEB, "iPhone")

        response = me.post(reverse("accounts:session_end", args=[row.pk]))

        assert response.status_code == 302
        assert phone.get(PROFILE).status_code == 302  # to the log-in page
        assert me.get(PROFILE).status_code == 200
        [event] = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_ENDED)
        assert event.actor == patient.user
        assert "Safari on iPhone" in event.detail

    def test_ending_an_app_revokes_its_tokens_at_once(self, patient):
        me = browser(patient.user)
        pair = app_log_in(patient.user)
        app = api_client()
        app.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert app.get(reverse("api:auth-me")).status_code == 200
        row = row_of(patient.user, UserSession.Kind.API, "ClinicApp")

        me.post(reverse("accounts:session_end", args=[row.pk]))

        assert_error(app.get(reverse("api:auth-me")), 401, "session_ended")
        refresh = api_client().post(
            reverse("api:auth-token-refresh"), {"refresh": pair["refresh"]}, format="json"
        )
        assert_error(refresh, 401, "token_not_valid")

    def test_a_refreshed_app_is_still_the_same_log_in(self, patient):
        pair = app_log_in(patient.user)
        rotated = api_client().post(
            reverse("api:auth-token-refresh"), {"refresh": pair["refresh"]}, format="json"
        )
        row = row_of(patient.user, UserSession.Kind.API, "ClinicApp")

        browser(patient.user).post(reverse("accounts:session_end", args=[row.pk]))

        refresh = api_client().post(
            reverse("api:auth-token-refresh"),
            {"refresh": rotated.json()["refresh"]},
            format="json",
        )
        assert_error(refresh, 401, "token_not_valid")

    def test_log_out_everywhere_else_keeps_this_browser(self, patient):
        me, phone = browser(patient.user), browser(patient.user, agent=IPHONE)
        pair = app_log_in(patient.user)

        response = me.post(END_OTHERS, follow=True)

        assert "2 other sessions have ended" in response.text
        assert phone.get(PROFILE).status_code == 302
        assert me.get(PROFILE).status_code == 200
        refresh = api_client().post(
            reverse("api:auth-token-refresh"), {"refresh": pair["refresh"]}, format="json"
        )
        assert_error(refresh, 401, "token_not_valid")
        [event] = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSIONS_ENDED)
        assert event.actor == patient.user

    def test_nobody_ends_someone_elses_session(self, patient, other_patient):
        theirs = browser(other_patient.user)
        row = UserSession.objects.get(user=other_patient.user)

        response = login(patient.user).post(reverse("accounts:session_end", args=[row.pk]))

        assert response.status_code == 404
        assert theirs.get(PROFILE).status_code == 200

    def test_a_password_change_ends_the_others_and_lists_this_one(self, patient):
        me, phone = browser(patient.user), browser(patient.user, agent=IPHONE)

        me.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "quiet-harbour-lantern-77",
                "new_password2": "quiet-harbour-lantern-77",
            },
        )

        assert phone.get(PROFILE).status_code == 302
        [row] = UserSession.objects.filter(user=patient.user)
        assert row.key == me.session.session_key
        assert "(this browser)" in me.get(SECURITY).text
