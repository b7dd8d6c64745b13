"""Helpers shared by the API tests: clients holding a user's bearer token, the error shape."""

import json
import uuid

from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from accounts.api import TokenObtainSerializer
from healthcare.api import AuthRateThrottle


def api_client(user=None):
    """An APIClient; with `user`, it sends an access token as the API issues it."""
    client = APIClient()
    if user is not None:
        access = TokenObtainSerializer.get_token(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def assert_error(response, status_code, code=None, fields=None):
    """The response is an error in the API's one shape; returns its body."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "fields"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["fields"], dict)
    for messages in body["fields"].values():
        assert messages and all(isinstance(message, str) for message in messages)
    if code is not None:
        assert body["code"] == code, body
    if fields is not None:
        assert set(body["fields"]) == set(fields), body
    return body


def fresh_throttle_cache(monkeypatch):
    """Give the login/sign-up throttle an empty cache of its own for one test.

    The clock is pinned in most tests, so counts kept in the shared cache would pile up
    across tests and throttle later ones.
    """
    cache = LocMemCache(f"api-throttle-{uuid.uuid4().hex}", {"TIMEOUT": 300})
    monkeypatch.setattr(AuthRateThrottle, "cache", cache)
