"""The API's bearer-token authentication (accounts.authentication): simplejwt's checks on
the token's user, and the caller's profile loaded in the same query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import ProfileJWTAuthentication
from accounts.models import User, UserSession
from accounts.sessions import issue_refresh_token
from tests.accounts.factories import UserFactory
from tests.api_support import assert_error

pytestmark = pytest.mark.django_db

ME = reverse("api:auth-me")


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def access_token(user):
    """An access token as the API issues it: of a log-in (a UserSession row) of `user`."""
    return issue_refresh_token(user).access_token


def without_user_id(user):
    token = access_token(user)
    del token["user_id"]
    return token


def deleted(user):
    token = access_token(user)
    user.delete()
    return token


def deactivated(user):
    token = access_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    return token


def password_changed(user):
    token = access_token(user)
    user.set_password("a-new-and-unusual-passphrase-7")
    user.save()
    return token


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (without_user_id, "token_not_valid"),
        (deleted, "user_not_found"),
        (deactivated, "user_inactive"),
        (password_changed, "password_changed"),
    ],
    ids=["no-user-id", "user-deleted", "user-inactive", "password-changed"],
)
def test_a_token_whose_user_fails_simplejwts_checks_is_refused(make_token, code):
    token = make_token(UserFactory())

    response = bearer(token).get(ME)

    assert_error(response, 401, code)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def ended(user):
    token = access_token(user)
    UserSession.objects.filter(user=user).delete()  # logged out, or ended by hand
    return token


def test_a_token_of_an_ended_log_in_is_refused():
    user = UserFactory()

    assert_error(bearer(ended(user)).get(ME), 401, "session_ended")
    # Nor is a token made by hand, of no log-in at all.
    assert_error(bearer(AccessToken.for_user(user)).get(ME), 401, "session_ended")


def test_a_valid_token_reads_its_own_user():
    user = UserFactory()

    response = bearer(access_token(user)).get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == user.email


@pytest.mark.parametrize("role", ["patient", "doctor"])
def test_the_callers_profile_comes_in_the_same_query_as_the_login(role, request):
    profile = request.getfixturevalue(role)
    token = access_token(profile.user)
    http = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    with CaptureQueriesContext(connection) as queries:
        user, _ = ProfileJWTAuthentication().authenticate(Request(http))
        loaded = user.patient_profile or user.doctor_profile

    assert loaded == profile
    assert len(queries) == 1
