"""Helpers shared by the API tests: clients holding a user's bearer token, the error shape."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.api import TokenObtainSerializer


def api_client(user=None):
    """An APIClient; with `user`, it sends an access token as the API issues it."""
    client = APIClient()
    if user is not None:
        access = TokenObtainSerializer.get_token(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def ids(response):
    """The ids of a list answer's page, in the API's order (asserting it is a 200)."""
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


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


def assert_list_queries_do_not_grow(client, url, add_row):
    """The list at `url` costs the same number of queries with 2 rows as with 8.

    `add_row(n)` adds the n-th row (from 0) that the client sees; the list must count them all.
    """
    counts = []
    for first, rows in ((0, 2), (2, 8)):
        for n in range(first, rows):
            add_row(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        assert response.json()["count"] == rows
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
