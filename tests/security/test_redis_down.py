"""When the shared cache (Redis) is down: log-in and password reset fail closed (503),
booking, rescheduling, sign-up and reading pages go on (fail open, with a warning logged).
"""

import socket

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse

from appointments.models import Appointment
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.appointments.mail_support import run_worker
from tests.conftest import login

pytestmark = pytest.mark.django_db


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down():
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/9",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_log_in_page_refuses_with_503_rather_than_count_nothing(redis_down, client, patient):
    response = client.post(
        reverse("accounts:login"), {"username": patient.user.email, "password": PASSWORD}
    )

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "briefly unavailable" in response.text
    assert SESSION_KEY not in client.session


def test_api_token_refuses_with_503_in_the_error_shape(redis_down, patient):
    response = api_client().post(
        reverse("api:auth-token"),
        {"email": patient.user.email, "password": PASSWORD},
        format="json",
    )

    assert_error(response, 503, "unavailable")
    assert int(response["Retry-After"]) > 0


def test_password_reset_refuses_with_503(redis_down, client, patient, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": patient.user.email})
    run_worker()

    assert response.status_code == 503
    assert mailoutbox == []


def test_booking_goes_through_and_the_outage_is_logged(redis_down, now, patient, doctor, caplog):
    client = login(patient.user)

    response = client.post(
        reverse("appointments:book_confirm", args=[doctor.pk]),
        {"start": "2030-01-08T09:00:00+00:00", "reason": "Check-up"},
    )

    assert response.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 1
    assert "letting requests limited by booking-account through" in caplog.text


def test_api_booking_goes_through(redis_down, now, patient, doctor):
    response = api_client(patient.user).post(
        reverse("api:appointment-list"),
        {"doctor": doctor.pk, "start": "2030-01-08T09:00:00Z", "reason": "x"},
        format="json",
    )

    assert response.status_code == 201, response.content


def test_pages_that_do_not_count_keep_serving(redis_down, client, doctor):
    assert client.get(reverse("doctors:directory")).status_code == 200
    assert client.get(reverse("doctors:detail", args=[doctor.pk])).status_code == 200
