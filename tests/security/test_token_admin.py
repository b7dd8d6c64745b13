"""Finding (high): staff could act as any user in the API.

The admin listed simplejwt's outstanding tokens with the whole refresh token on show, so
staff could copy a doctor's token and use the API as that doctor, and delete a blacklist
row to revive a logged-out token. No admin page shows a token now, the blacklist has no
admin pages at all, and ending someone's sessions is a logged staff action instead.
"""

import pytest
from django.contrib.admin.sites import site
from django.urls import NoReverseMatch, reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import SecurityEvent
from tests.accounts.factories import PASSWORD, clerk
from tests.api_support import api_client, assert_error
from tests.conftest import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

USERS = reverse("admin:accounts_user_changelist")
PROFILE = reverse("accounts:profile")


def obtain(user):
    response = api_client().post(
        reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token):
    return api_client().post(reverse("api:auth-token-refresh"), {"refresh": token}, format="json")


def admin_urls():
    """Every model's list in the admin and the change page of its first object."""
    for model in site._registry:
        meta = model._meta
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])


def test_no_admin_page_shows_a_token(staff_client, patient):
    pair = obtain(patient.user)
    api_client().post(reverse("api:auth-logout"), {"refresh": pair["refresh"]}, format="json")
    obtain(patient.user)
    assert OutstandingToken.objects.exists() and BlacklistedToken.objects.exists()

    urls = list(admin_urls())

    assert len(urls) > 10
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert "eyJ" not in response.text, url  # the start of every JWT


@pytest.mark.parametrize("model", ["outstandingtoken", "blacklistedtoken"])
def test_the_token_blacklist_has_no_admin_pages(staff_client, model):
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:token_blacklist_{model}_changelist")

    assert staff_client.get(f"/admin/token_blacklist/{model}/").status_code == 404


def test_staff_cannot_revive_a_logged_out_token_by_deleting_its_blacklist_row(
    staff_client, patient
):
    pair = obtain(patient.user)
    api_client().post(reverse("api:auth-logout"), {"refresh": pair["refresh"]}, format="json")
    row = BlacklistedToken.objects.get()

    response = staff_client.post(
        f"/admin/token_blacklist/blacklistedtoken/{row.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 404
    assert BlacklistedToken.objects.filter(pk=row.pk).exists()
    assert_error(refresh(pair["refresh"]), 401, "token_not_valid")


class TestEndAllSessions:
    def end_all_sessions(self, client, *users):
        return client.post(
            USERS,
            {"action": "end_all_sessions", "_selected_action": [user.pk for user in users]},
            follow=True,
        )

    def test_staff_end_every_web_session_and_api_token_of_a_user(self, staff, patient):
        browser, other_browser = login(patient.user), login(patient.user)
        first, second = obtain(patient.user), obtain(patient.user)

        response = self.end_all_sessions(login(staff), patient.user)

        assert response.status_code == 200
        assert "Ended every session" in response.text
        for client in (browser, other_browser):
            assert client.get(PROFILE).status_code == 302  # to the log-in page
        for pair in (first, second):
            assert_error(refresh(pair["refresh"]), 401, "token_not_valid")
        # Logging in again works as usual.
        assert login(patient.user).get(PROFILE).status_code == 200

    def test_it_is_in_the_security_log_with_who_did_it(self, staff, patient, other_patient):
        obtain(patient.user)

        self.end_all_sessions(login(staff), patient.user, other_patient.user)

        events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSIONS_ENDED)
        assert {event.target for event in events} == {
            str(patient.user),
            str(other_patient.user),
        }
        assert {event.actor for event in events} == {staff}

    def test_other_users_keep_their_sessions(self, staff, patient, other_patient):
        browser = login(other_patient.user)
        pair = obtain(other_patient.user)

        self.end_all_sessions(login(staff), patient.user)

        assert browser.get(PROFILE).status_code == 200
        assert refresh(pair["refresh"]).status_code == 200

    def test_staff_who_may_not_change_users_cannot(self, patient):
        browser = login(patient.user)
        viewer = login(clerk("view_user"))

        response = self.end_all_sessions(viewer, patient.user)

        assert "end_all_sessions" not in response.text
        assert browser.get(PROFILE).status_code == 200
        assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSIONS_ENDED).exists()
