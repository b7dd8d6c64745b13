"""Request bodies: every API endpoint refuses an over-large body (413, before reading it)
and over-deep JSON (400), instead of answering 500 with a traceback.

The limits are settings: API_MAX_BODY_BYTES (1 MB) and API_MAX_JSON_DEPTH (32 levels).
"""

import io
import json

import pytest
from django.urls import reverse
from rest_framework.exceptions import ParseError

from appointments.models import Appointment
from healthcare.core.api.parsers import JSONParser, RequestTooLarge
from patients.models import Patient
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

SEVEN_MB = 7 * 1024 * 1024
DEEP = 50_000


def body_operations():
    """(method, path) of every operation the schema says takes a JSON body."""
    schema = json.loads(api_client().get(reverse("api:schema"), {"format": "json"}).content)
    return [
        (method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


@pytest.fixture
def urls(now, staff):
    """Each body operation's address, with the id of an object that exists."""
    record = MedicalRecordFactory()
    appointment = AppointmentFactory(
        patient=record.patient, doctor=record.doctor, start=at(1, "09:00")
    )
    ids = {
        "/api/patients/": record.patient.pk,
        "/api/doctors/": record.doctor.pk,
        "/api/appointments/": appointment.pk,
        "/api/medical-records/": record.pk,
    }
    operations = body_operations()
    assert len(operations) >= 14
    result = []
    for method, path in operations:
        prefix = path.split("{id}")[0]
        result.append((method, path.replace("{id}", str(ids.get(prefix, 1)))))
    return result


def send(client, method, url, body):
    return client.generic(method.upper(), url, body, content_type="application/json")


def unchanged():
    return (
        Patient.objects.count(),
        list(Appointment.objects.values_list("status", "start")),
    )


def test_a_7_mb_body_is_413_on_every_endpoint(urls, staff):
    client = api_client(staff)
    body = b'{"email": "' + b"a" * SEVEN_MB + b'"}'
    before = unchanged()

    for method, url in urls:
        response = send(client, method, url, body)

        assert_error(response, 413, "request_too_large"), (method, url)
    assert unchanged() == before


def test_50000_levels_of_nesting_are_400_on_every_endpoint(urls, staff):
    client = api_client(staff)
    body = b"[" * DEEP + b"]" * DEEP
    before = unchanged()

    for method, url in urls:
        response = send(client, method, url, body)

        assert_error(response, 400, "parse_error"), (method, url)
    assert unchanged() == before


def nested(levels):
    """A log-in body whose `email` is `levels` - 1 lists deep (the body itself is 1 level)."""
    value = "a@example.org"
    for _ in range(levels - 1):
        value = [value]
    return json.dumps({"email": value, "password": "x"}).encode()


def test_nesting_is_refused_from_one_level_over_the_limit(settings, client):
    settings.API_MAX_JSON_DEPTH = 32
    url = reverse("api:auth-token")

    at_limit = send(api_client(), "post", url, nested(32))
    over = send(api_client(), "post", url, nested(33))

    assert_error(at_limit, 400, "invalid", fields=["email"])  # parsed, then validated
    assert_error(over, 400, "parse_error")


def test_bodies_are_refused_from_one_byte_over_the_limit(settings):
    settings.API_MAX_BODY_BYTES = 1000
    url = reverse("api:auth-token")
    prefix, suffix = b'{"email": ["', b'"], "password": "x"}'  # a list: refused by the field

    def body(size):
        return prefix + b"a" * (size - len(prefix) - len(suffix)) + suffix

    at_limit = send(api_client(), "post", url, body(1000))
    over = send(api_client(), "post", url, body(1001))

    assert_error(at_limit, 400, "invalid", fields=["email"])
    assert_error(over, 413, "request_too_large")


def test_brackets_and_quotes_inside_strings_do_not_count_as_nesting(settings):
    settings.API_MAX_JSON_DEPTH = 2
    data = {"email": '[[[{{{"\\"]]]', "password": 'x"[['}

    parsed = JSONParser().parse(
        io.BytesIO(json.dumps(data).encode()), "application/json", {"encoding": "utf-8"}
    )

    assert parsed == data


class Stream(io.BytesIO):
    """A request body that remembers how much was asked of it."""

    def __init__(self, data):
        super().__init__(data)
        self.asked = 0

    def read(self, size=-1):
        self.asked += size if size is not None and size >= 0 else len(self.getvalue())
        return super().read(size)


class FakeRequest:
    def __init__(self, content_length):
        self.META = {"CONTENT_LENGTH": str(content_length)} if content_length is not None else {}


def parse(stream, content_length):
    return JSONParser().parse(
        stream,
        "application/json",
        {"encoding": "utf-8", "request": FakeRequest(content_length)},
    )


def test_a_declared_length_over_the_limit_is_refused_without_reading(settings):
    settings.API_MAX_BODY_BYTES = 100
    stream = Stream(b"{}" + b" " * 200)

    with pytest.raises(RequestTooLarge):
        parse(stream, 202)

    assert stream.asked == 0


def test_an_understated_length_reads_one_byte_past_the_limit_and_no_more(settings):
    settings.API_MAX_BODY_BYTES = 100
    stream = Stream(b"{}" + b" " * 10_000)

    with pytest.raises(RequestTooLarge):
        parse(stream, None)

    assert stream.asked == 101


def test_not_a_number_is_still_refused(settings):
    with pytest.raises(ParseError):
        parse(Stream(b'{"a": NaN}'), 10)


def test_the_schema_documents_both_refusals_on_every_body_operation():
    schema = json.loads(api_client().get(reverse("api:schema"), {"format": "json"}).content)

    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if "requestBody" not in operation:
                continue
            responses = operation["responses"]
            too_large = responses["413"]["content"]["application/json"]["examples"].values()
            malformed = responses["400"]["content"]["application/json"]["examples"].values()
            assert {e["value"]["code"] for e in too_large} == {"request_too_large"}, path
            assert "parse_error" in {e["value"]["code"] for e in malformed}, (method, path)
