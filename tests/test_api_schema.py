"""The OpenAPI schema: complete, valid, warning-free, with errors and examples; docs self-hosted."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS

from healthcare.core.api.errors import exception_handler
from healthcare.core.api.schema import ErrorExample
from tests.api_support import api_client

pytestmark = pytest.mark.django_db

# Every endpoint DESIGN.md lists, as the schema must publish it, and those added since
# (closing one's account, downloading a patient's data: issue 19; the waitlist: issue 16).
ENDPOINTS = {
    ("post", "/api/auth/register"),
    ("post", "/api/auth/token"),
    ("post", "/api/auth/token/refresh"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/me"),
    ("post", "/api/auth/me/close"),
    ("get", "/api/auth/users/{id}"),
    ("get", "/api/patients/"),
    ("post", "/api/patients/"),
    ("get", "/api/patients/{id}"),
    ("put", "/api/patients/{id}"),
    ("patch", "/api/patients/{id}"),
    ("delete", "/api/patients/{id}"),
    ("get", "/api/patients/{id}/export"),
    ("get", "/api/patients/{id}/export/pdf"),
    ("get", "/api/dependants/"),
    ("get", "/api/doctors/"),
    ("post", "/api/doctors/"),
    ("get", "/api/doctors/{id}"),
    ("put", "/api/doctors/{id}"),
    ("patch", "/api/doctors/{id}"),
    ("delete", "/api/doctors/{id}"),
    ("get", "/api/doctors/{id}/slots"),
    ("get", "/api/slots/"),
    ("get", "/api/visit-types/"),
    ("get", "/api/sites/"),
    ("get", "/api/appointments/"),
    ("post", "/api/appointments/"),
    ("get", "/api/appointments/{id}"),
    ("patch", "/api/appointments/{id}/status"),
    ("post", "/api/appointments/{id}/reschedule"),
    ("get", "/api/medical-records/"),
    ("post", "/api/medical-records/"),
    ("get", "/api/medical-records/{id}"),
    ("patch", "/api/medical-records/{id}"),
    ("post", "/api/medical-records/break-glass"),
    ("get", "/api/waitlist/"),
    ("post", "/api/waitlist/"),
    ("get", "/api/waitlist/{id}"),
    ("patch", "/api/waitlist/{id}"),
    ("delete", "/api/waitlist/{id}"),
    ("get", "/api/waitlist/offers/"),
    ("post", "/api/waitlist/offers/{id}/claim"),
    ("get", "/api/"),
}
# Reachable without an access token (no 401 from a missing token).
NO_TOKEN = {
    ("get", "/api/"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/token"),
    ("post", "/api/auth/token/refresh"),
    ("post", "/api/auth/logout"),
}
ERROR_REF = "#/components/schemas/Error"
PAGINATION = {"page", "page_size"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = api_client().get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_schema_generation_validates_with_zero_warnings(tmp_path):
    GENERATOR_STATS.reset()

    # --fail-on-warn raises on any warning or error; --validate checks it against OpenAPI 3.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3.")


def test_the_schema_publishes_exactly_the_designed_endpoints(schema):
    assert {(method, path) for method, path, _ in operations(schema)} == ENDPOINTS


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if code.startswith(("4", "5"))}
        if (method, path) not in NO_TOKEN:
            assert "401" in errors, (method, path)
        filters = [
            p
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p["name"] not in PAGINATION
        ]
        if "requestBody" in operation or filters:
            assert "400" in errors, (method, path)
        if any(p["name"] in PAGINATION for p in operation.get("parameters", [])):
            assert "404" in errors, (method, path)  # a page that does not exist
        if "{id}" in path:
            assert "404" in errors, (method, path)
        for code, response in errors.items():
            content = response["content"]["application/json"]
            assert content["schema"]["$ref"] == ERROR_REF, (method, path, code)
            example = next(iter(content["examples"].values()))["value"]
            assert set(example) == {"code", "detail", "fields"}


def test_the_error_component_requires_code_detail_and_fields(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"code", "detail", "fields"}
    assert error["properties"]["fields"]["additionalProperties"]["type"] == "array"


def test_bodies_and_examples_are_documented(schema):
    booking = schema["paths"]["/api/appointments/"]["post"]
    request_schema = booking["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_schema.endswith("/BookingRequest")
    required = schema["components"]["schemas"]["BookingRequest"]["required"]
    assert set(required) == {"doctor", "start"}
    assert booking["requestBody"]["content"]["application/json"]["examples"]
    conflict = booking["responses"]["409"]["content"]["application/json"]["examples"]
    assert "slot_unavailable" in {e["value"]["code"] for e in conflict.values()}
    status_body = schema["paths"]["/api/appointments/{id}/status"]["patch"]["requestBody"]
    assert status_body["content"]["application/json"]["schema"]["$ref"].endswith(
        "/StatusChangeRequest"
    )
    assert schema["components"]["schemas"]["StatusChangeRequest"]["required"] == ["status"]
    slots = schema["paths"]["/api/doctors/{id}/slots"]["get"]
    assert {
        p["name"]: p.get("required", False) for p in slots["parameters"] if p["in"] == "query"
    } == {"start": True, "end": True, "type": False, "site": False}
    first = schema["paths"]["/api/slots/"]["get"]
    assert {
        p["name"]: p.get("required", False) for p in first["parameters"] if p["in"] == "query"
    } == {
        "type": True,
        "specialty": False,
        "site": False,
        "from": False,
        "to": False,
        "page": False,
        "page_size": False,
    }
    listing = schema["paths"]["/api/appointments/"]["get"]["responses"]["200"]
    page = listing["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"count", "next", "previous", "results"} <= set(
        schema["components"]["schemas"][page]["properties"]
    )


def test_the_bearer_scheme_is_declared(schema):
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]

    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")


def test_the_docs_page_loads_nothing_from_another_host():
    response = api_client().get(reverse("api:docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), url
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url


def test_the_docs_script_is_served_separately_and_points_at_our_schema():
    response = api_client().get(reverse("api:docs"), {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_the_api_root_links_every_collection():
    response = api_client().get(reverse("api:root"))

    assert response.status_code == 200
    body = response.json()
    assert body["appointments"].endswith("/api/appointments/")
    assert body["docs"].endswith("/api/docs/")


def error_examples(schema):
    """(method, path, status, example value) for every error example the schema publishes."""
    for method, path, operation in operations(schema):
        for status_code, response in operation["responses"].items():
            if status_code.startswith(("4", "5")):
                for example in response["content"]["application/json"]["examples"].values():
                    yield method, path, status_code, example["value"]


def test_every_error_example_is_what_the_api_answers_for_its_exception(schema):
    answers = {}
    for example in ErrorExample.made:
        response = exception_handler(example.make(), {})
        answers.setdefault(str(response.status_code), []).append(response.data)

    published = list(error_examples(schema))

    assert published
    for method, path, status_code, value in published:
        assert value in answers.get(status_code, []), (method, path, status_code, value)


def test_every_invalid_field_example_names_a_field_the_endpoint_takes(schema):
    components = schema["components"]["schemas"]
    for method, path, _status, value in error_examples(schema):
        if value["code"] != "invalid":
            continue
        operation = schema["paths"][path][method]
        taken = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            taken |= set(components[body["schema"]["$ref"].rsplit("/", 1)[1]]["properties"])

        assert value["fields"], (method, path)
        assert set(value["fields"]) <= taken, (method, path, value["fields"])


@override_settings(CLINIC_CANCELLATION_CUTOFF=timedelta(hours=48))
def test_the_cut_off_example_states_the_clinics_own_cut_off():
    response = api_client().get(reverse("api:schema"), {"format": "json"})

    change = json.loads(response.content)["paths"]["/api/appointments/{id}/status"]["patch"]
    conflicts = change["responses"]["409"]["content"]["application/json"]["examples"]
    cutoff = next(e["value"] for e in conflicts.values() if e["value"]["code"] == "cutoff_passed")
    assert "until 48 hours before" in cutoff["detail"]
