"""Production plumbing: /healthz, request ids and logs, a quick 503 while the database is
down, and the benchmark's seed command."""

import json
import logging

import pytest
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.db.models import Count
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from appointments.models import Appointment
from healthcare.core import ops
from records.models import MedicalRecord


@pytest.mark.django_db
def test_health_check_answers_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_check_is_503_naming_the_cache_when_the_cache_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(ops.cache, "set", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": pytest.approx(0, abs=1000),
    }
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_health_check_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(ops, "_check_database", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "OperationalError"


def test_ceiling_view_answers_json_without_touching_the_database(client):
    response = client.get("/bench/ceiling")  # no django_db mark: a query would fail

    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_a_request_gets_an_id_in_the_response_and_one_json_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="healthcare.request"):
        response = client.get("/doctors/?page=1")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "healthcare.request"]
    assert len(lines) == 1
    assert lines[0]["request_id"] == request_id
    assert lines[0]["method"] == "GET"
    assert lines[0]["path"] == "/doctors/"
    assert lines[0]["status"] == 200
    assert lines[0]["user_id"] is None
    assert lines[0]["duration_ms"] >= 0


@pytest.mark.django_db
def test_secret_tokens_in_paths_never_reach_the_request_log(client, caplog):
    token = "s3cr3t-feed-token-0123456789"
    with caplog.at_level(logging.INFO, logger="healthcare.request"):
        client.get(f"/accounts/calendar/{token}.ics")
        client.get(f"/accounts/password/reset/MQ/{token}/")

    paths = [
        json.loads(r.getMessage())["path"] for r in caplog.records if r.name == "healthcare.request"
    ]
    assert paths == [
        "/accounts/calendar/[redacted].ics",
        "/accounts/password/reset/[redacted]/[redacted]/",
    ]


@pytest.mark.django_db
def test_the_callers_request_id_is_kept_and_the_user_logged(patient, patient_client, caplog):
    with caplog.at_level(logging.INFO, logger="healthcare.request"):
        response = patient_client.get("/appointments/", HTTP_X_REQUEST_ID="lb-1234.abc")

    assert response["X-Request-ID"] == "lb-1234.abc"
    line = json.loads(caplog.records[-1].getMessage())
    assert line["request_id"] == "lb-1234.abc"
    assert line["user_id"] == patient.user.pk


def test_a_request_id_that_is_not_plain_is_replaced(client):
    response = client.get("/bench/ceiling", HTTP_X_REQUEST_ID="bad id\nwith a newline")

    assert response["X-Request-ID"] != "bad id\nwith a newline"
    assert len(response["X-Request-ID"]) == 32


def test_a_lost_database_in_a_view_is_a_quick_503_page():
    middleware = ops.DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/doctors/")

    response = middleware.process_exception(request, OperationalError("server closed"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"briefly unavailable" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_other_errors_are_left_to_django():
    middleware = ops.DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/"), ValueError()) is None


def test_a_lost_database_behind_an_api_error_handler_is_a_503_in_the_api_shape():
    """An API view's own handler answers 500; the request log middleware turns it to 503."""

    def api_view(request):
        try:
            raise OperationalError("the database system is shutting down")
        except OperationalError:
            got_request_exception.send(sender=None, request=request)
            return HttpResponse(status=500)

    response = ops.RequestLogMiddleware(api_view)(RequestFactory().post("/api/appointments/"))

    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "service_unavailable"
    assert response["X-Request-ID"]


def test_an_ordinary_500_stays_a_500():
    def view(request):
        try:
            raise ValueError("a bug")
        except ValueError:
            got_request_exception.send(sender=None, request=request)
            return HttpResponse(status=500)

    response = ops.RequestLogMiddleware(view)(RequestFactory().get("/doctors/"))

    assert response.status_code == 500


@pytest.mark.django_db
def test_seed_bench_fills_a_clinic_whose_calendars_never_overlap(now):
    call_command("seed_bench", doctors=4, patients=30, appointments=600, days=90, stdout=None)

    assert User.objects.filter(email__endswith="@bench.example").count() == 4 + 30 + 1
    assert Appointment.objects.count() == 600
    active = Appointment.objects.active()
    assert not active.values("doctor", "start").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not active.values("patient", "start").annotate(n=Count("pk")).filter(n__gt=1).exists()
    fulfilled = Appointment.objects.filter(status=Appointment.Status.FULFILLED)
    assert MedicalRecord.objects.count() == fulfilled.count() > 0
    assert Appointment.objects.filter(start__gt=now, status=Appointment.Status.BOOKED).exists()


@pytest.mark.django_db
def test_seed_bench_refuses_to_seed_twice():
    call_command("seed_bench", doctors=1, patients=2, appointments=5, days=20, stdout=None)

    with pytest.raises(Exception, match="already holds benchmark data"):
        call_command("seed_bench", doctors=1, patients=2, appointments=5, days=20, stdout=None)


@pytest.mark.django_db
def test_postgresql_has_the_index_for_a_doctors_busy_time():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's (migrations 0004 and 0006)")
    with connection.cursor() as cursor:
        # Rebuilt on busy_until (the end plus the visit type's buffer) by migration 0006.
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'appt_doctor_busy_active_idx'"
        )
        (definition,) = cursor.fetchone()

    assert "(doctor_id, busy_until, start)" in definition
    assert "<> 'cancelled'" in definition
