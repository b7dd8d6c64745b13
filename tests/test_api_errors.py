"""Every error under /api/ has one JSON shape: {"code", "detail", "fields"}; never HTML."""

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from appointments.services import (
    CutoffPassed,
    InvalidTransition,
    NotAcceptingPatients,
    ReasonRequired,
    SlotUnavailable,
    TimeOffConflict,
)
from healthcare.core.api.errors import exception_handler
from healthcare.core.errors import DomainError, NotVisible
from records.services import NothingChanged, RecordError, RecordExists
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


class TestUnknownAddresses:
    @pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
    def test_an_unknown_address_is_a_json_404_for_every_method(self, method):
        response = getattr(api_client(), method)("/api/no/such/thing")

        body = assert_error(response, 404, "not_found")
        assert b"<html" not in response.content.lower()
        assert "Did you mean" not in body["detail"]

    @pytest.mark.parametrize(
        ("path", "hint"),
        [("/api/patients", "/api/patients/"), ("/api/auth/me/", "/api/auth/me")],
    )
    def test_a_wrong_trailing_slash_is_404_with_a_hint(self, path, hint):
        body = assert_error(api_client().get(path), 404, "not_found")

        assert hint in body["detail"]

    def test_a_non_numeric_id_is_a_json_404(self, patient):
        assert_error(api_client(patient.user).get("/api/appointments/abc"), 404, "not_found")


class TestProtocolErrors:
    def test_a_method_the_endpoint_lacks_is_405(self, patient):
        visit = AppointmentFactory(patient=patient)

        response = api_client(patient.user).delete(
            reverse("api:appointment-detail", args=[visit.pk])
        )

        assert_error(response, 405, "method_not_allowed")

    def test_malformed_json_is_400_parse_error(self, patient):
        response = api_client(patient.user).post(
            reverse("api:appointment-list"), "{not json", content_type="application/json"
        )

        assert_error(response, 400, "parse_error")

    def test_a_form_body_is_415(self, patient):
        response = api_client(patient.user).post(
            reverse("api:appointment-list"), {"doctor": "1"}, format="multipart"
        )

        assert_error(response, 415, "unsupported_media_type")

    def test_asking_for_html_is_406_answered_in_json(self, patient):
        response = api_client(patient.user).get(reverse("api:auth-me"), HTTP_ACCEPT="text/html")

        assert_error(response, 406, "not_acceptable")

    def test_a_rubbish_bearer_token_is_401(self):
        client = api_client()
        client.credentials(HTTP_AUTHORIZATION="Bearer rubbish")

        assert_error(client.get(reverse("api:auth-me")), 401, "token_not_valid")

    def test_a_body_that_is_not_an_object_is_400(self, patient):
        response = api_client(patient.user).post(
            reverse("api:appointment-list"), [1, 2], format="json"
        )

        assert_error(response, 400, "invalid")

    def test_a_role_that_may_not_is_403(self, patient):
        response = api_client(patient.user).post(reverse("api:doctor-list"), {}, format="json")

        assert_error(response, 403, "permission_denied")

    def test_too_many_logins_are_429(self, settings, patient):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "1/m"}
        client = api_client()
        client.post(reverse("api:auth-token"), {"email": "x", "password": "y"}, format="json")

        response = client.post(
            reverse("api:auth-token"), {"email": "x", "password": "y"}, format="json"
        )

        assert_error(response, 429, "throttled")
        assert "Retry-After" in response


def raising(exc):
    class Raising(APIView):
        authentication_classes = []
        permission_classes = []

        def get(self, request):
            raise exc

    request = APIRequestFactory().get("/api/test")
    response = Raising.as_view()(request)
    response.render()
    return response


class TestDomainErrors:
    @pytest.mark.parametrize(
        ("exc", "status", "code"),
        [
            (SlotUnavailable(), 409, "slot_unavailable"),
            (NotAcceptingPatients(), 409, "not_accepting_patients"),
            (CutoffPassed(), 409, "cutoff_passed"),
            (InvalidTransition(), 409, "invalid_transition"),
            (RecordExists(), 409, "record_exists"),
            (TimeOffConflict([]), 409, "time_off_conflict"),
            (NothingChanged(), 400, "nothing_changed"),
            (DomainError("Too long.", code="invalid"), 400, "invalid"),
            (NotVisible(), 404, "not_found"),
        ],
    )
    def test_each_domain_error_has_its_status_and_code(self, exc, status, code):
        body = assert_error(raising(exc), status, code, fields=[])

        if not isinstance(exc, NotVisible):
            assert body["detail"] == exc.message

    def test_a_domain_error_naming_fields_is_400_with_them(self):
        exc = RecordError("Please enter a diagnosis.", fields={"diagnosis": "Please enter one."})

        body = assert_error(raising(exc), 400, "invalid_record", fields=["diagnosis"])

        assert body["fields"]["diagnosis"] == ["Please enter one."]

    def test_a_missing_reason_is_400_on_the_reason_field(self):
        body = assert_error(raising(ReasonRequired()), 400, "reason_required", fields=["reason"])

        assert body["fields"]["reason"] == [body["detail"]]

    def test_a_forbidden_object_says_nothing_about_why(self):
        body = assert_error(raising(NotVisible("You are not this patient's doctor.")), 404)

        assert body["detail"] == "Not found."


class TestServerErrors:
    def test_a_bug_is_a_json_500_and_is_logged(self, caplog):
        request = APIRequestFactory().get("/api/test")

        response = exception_handler(RuntimeError("boom"), {"request": request})

        assert response.status_code == 500
        assert response.data == {
            "code": "server_error",
            "detail": "Something went wrong on our side. Please try again.",
            "fields": {},
        }
        assert any(
            record.levelname == "ERROR" and record.name == "django.request"
            for record in caplog.records
        )


class TestValidationShape:
    def test_nested_and_general_messages_are_flattened(self):
        exc = serializers.ValidationError(
            {
                "non_field_errors": ["The end must be after the start."],
                "hours": [{}, {"start": ["Required."]}],
                "name": ["Too long.", "Not allowed."],
            }
        )

        body = assert_error(raising(exc), 400, "invalid")

        assert body["detail"] == "The end must be after the start."
        assert body["fields"] == {
            "hours.1.start": ["Required."],
            "name": ["Too long.", "Not allowed."],
        }
