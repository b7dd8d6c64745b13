"""Helpers shared by the API tests: clients holding a user's bearer token, the error shape."""

import json
import uuid

from django.conf import settings
from rest_framework.test import APIClient

from accounts.api import TokenObtainSerializer


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
    """Give the rate limits counters of their own for one test.

    tests/conftest.py already does so for every test; kept for the tests that say so.
    """
    monkeypatch.setattr(settings, "RATELIMIT_CACHE_PREFIX", f"rl:test:{uuid.uuid4().hex}:")
