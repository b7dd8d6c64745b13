"""Password checks: Argon2id with OWASP's parameters, and never more at once than the
machine's slots allow (a short queue, then 503 with Retry-After), for the log-in page
and the API alike."""

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.urls import reverse

from accounts.hashers import CPU_BOUND, BoundedArgon2PasswordHasher
from healthcare.core import concurrency
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:auth-token")
LOGIN = reverse("accounts:login")
OWASP = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}


@pytest.fixture
def argon2(settings, tmp_path):
    """The production hasher, one check at a time, one waiting for up to 5 seconds."""
    settings.PASSWORD_HASHERS = ["accounts.hashers.BoundedArgon2PasswordHasher"]
    settings.CPU_BOUND_LOCK_DIR = tmp_path
    settings.CPU_BOUND_SLOTS = {CPU_BOUND: (1, 1, 5.0)}
    return settings


def with_password(user, encoded):
    user.password = encoded
    user.save(update_fields=["password"])
    return user


def slot(settings, kind, index=0):
    """Hold one slot (`run` or `queue`) as another process would: its open, locked fd."""
    fd = concurrency._try_lock(settings.CPU_BOUND_LOCK_DIR / f"{CPU_BOUND}.{kind}.{index}")
    assert fd is not None
    return fd


def log_in(user):
    return api_client().post(TOKEN, {"email": user.email, "password": PASSWORD}, format="json")


def test_new_passwords_use_owasps_argon2id_parameters(argon2):
    decoded = BoundedArgon2PasswordHasher().decode(make_password(PASSWORD))

    assert decoded["variety"] == "argon2id"
    assert {key: decoded[key] for key in OWASP} == OWASP


def test_an_older_hash_still_logs_in_and_is_rehashed_with_owasps_parameters(argon2, patient):
    # Django's own defaults (100 MiB, 8 lanes), as hashes made before were.
    user = with_password(patient.user, Argon2PasswordHasher().encode(PASSWORD, "oldsaltoldsalt12"))

    assert log_in(user).status_code == 200

    user.refresh_from_db()
    decoded = BoundedArgon2PasswordHasher().decode(user.password)
    assert {key: decoded[key] for key in OWASP} == OWASP


def test_a_log_in_waits_for_a_slot_that_comes_free(argon2, patient):
    user = with_password(patient.user, make_password(PASSWORD))
    running = slot(argon2, "run")
    threading.Timer(0.2, concurrency._release, args=[running]).start()

    assert log_in(user).status_code == 200


def test_beyond_the_queue_the_api_answers_503_with_retry_after(argon2, patient):
    user = with_password(patient.user, make_password(PASSWORD))
    held = [slot(argon2, "run"), slot(argon2, "queue")]
    try:
        response = log_in(user)
    finally:
        for fd in held:
            concurrency._release(fd)

    assert_error(response, 503, "unavailable")
    assert response["Retry-After"] == "1"
    assert log_in(user).status_code == 200  # the slots are free again


def test_a_wait_that_runs_out_is_503_too(argon2, patient):
    argon2.CPU_BOUND_SLOTS = {CPU_BOUND: (1, 1, 0.05)}
    user = with_password(patient.user, make_password(PASSWORD))
    running = slot(argon2, "run")
    try:
        response = log_in(user)
    finally:
        concurrency._release(running)

    assert_error(response, 503, "unavailable")


def test_the_log_in_page_answers_503_with_retry_after_when_busy(argon2, client, patient):
    user = with_password(patient.user, make_password(PASSWORD))
    held = [slot(argon2, "run"), slot(argon2, "queue")]
    try:
        response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    finally:
        for fd in held:
            concurrency._release(fd)

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "briefly unavailable" in response.content.decode()
    assert "_auth_user_id" not in client.session
