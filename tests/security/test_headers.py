"""Security headers on every answer, and no inline script or style without the CSP nonce.

A browser check of the admin and Swagger UI under the policy is tests/e2e/test_csp.py.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import login

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def csp(response):
    directives = (part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    return {name: value for name, value in directives}


def assert_no_unsanctioned_inline_code(response):
    """Inline <script>/<style> only with this response's nonce; no style=, on*=, javascript:."""
    html = response.content.decode()
    header = response["Content-Security-Policy"]
    nonces = set(NONCE.findall(header))
    for tag, attributes in re.findall(r"<(script|style)\b([^>]*)>", html):
        if tag == "script" and re.search(r"\bsrc=", attributes):
            continue
        if tag == "script" and re.search(r'type="application/(ld\+)?json"', attributes):
            continue  # data, never run
        found = re.search(r'nonce="([^"]+)"', attributes)
        assert found and found[1] in nonces, f"inline <{tag}{attributes}> without the nonce"
    assert not re.search(r"<[^>]+\sstyle=", html), "a style= attribute"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "an inline event handler"
    assert "javascript:" not in html.lower()


@pytest.fixture
def pages(now, patient, doctor, staff):
    appointment = AppointmentFactory(patient=patient, doctor=doctor)
    return [
        (None, reverse("home")),
        (None, reverse("doctors:directory")),
        (None, reverse("doctors:detail", args=[doctor.pk])),
        (None, reverse("accounts:login")),
        (None, reverse("accounts:register")),
        (None, reverse("accounts:password_reset")),
        (None, "/no-such-page/"),
        (patient.user, reverse("accounts:profile")),
        (patient.user, reverse("appointments:mine")),
        (patient.user, reverse("appointments:book", args=[doctor.pk])),
        (patient.user, reverse("appointments:detail", args=[appointment.pk])),
        (patient.user, reverse("records:mine")),
        (doctor.user, reverse("appointments:schedule")),
        (doctor.user, reverse("doctors:hours")),
        (doctor.user, reverse("patients:list")),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:accounts_user_change", args=[patient.user.pk])),
        (staff, reverse("admin:accounts_securityevent_changelist")),
        (staff, reverse("admin:appointments_appointment_changelist")),
        (None, reverse("admin:login")),
        (None, reverse("api:docs")),
    ]


def test_every_page_has_the_policy_and_no_unsanctioned_inline_code(pages, client):
    for user, url in pages:
        response = (login(user) if user else client).get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert_no_unsanctioned_inline_code(response)


def test_the_policy_allows_only_this_site_and_nonces(client):
    response = client.get(reverse("api:docs"))
    policy = csp(response)

    assert policy["default-src"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]+'", policy["script-src"])
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]+'", policy["style-src"])
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_each_response_gets_a_fresh_nonce(client):
    first = NONCE.findall(client.get(reverse("api:docs"))["Content-Security-Policy"])
    second = NONCE.findall(client.get(reverse("api:docs"))["Content-Security-Policy"])

    assert first and second and first != second


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/", "/api/nothing-here"])
def test_security_headers_are_on_pages_and_api_answers(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


def test_hsts_is_sent_over_https_when_configured(settings, client):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_plain_http_is_redirected_to_https_except_the_health_check(settings, client):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/doctors/")["Location"] == "https://testserver/doctors/"
    assert client.get("/healthz").status_code != 301


def test_templates_hold_no_inline_script_or_style_without_a_nonce():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "emails" in path.parts:
            continue  # email bodies are not served under the site's policy
        text = path.read_text()
        for tag, attributes in re.findall(r"<(script|style)\b([^>]*)>", text):
            if "src=" in attributes or "csp_nonce" in attributes:
                continue
            offenders.append(f"{path.relative_to(TEMPLATES)}: <{tag}{attributes}>")
        if re.search(r"\sstyle=|\son[a-z]+=", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: style= or on*= attribute")
    assert offenders == []


def test_the_api_skips_the_browsers_middleware_and_keeps_the_headers(patient):
    # A browser's session cookie and language cookie mean nothing to the API
    # (healthcare.core.browser): no session is read or written, no cookie set; only the
    # Accept-Language header picks the language (French is not offered: English).
    browser = login(patient.user)
    browser.cookies["django_language"] = "es"

    response = browser.get("/api/doctors/", headers={"Accept-Language": "fr"})

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["Vary"] == "Accept-Language"
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    assert "X-Request-ID" in response
    # The same browser's pages still negotiate (and so say so).
    assert "Accept-Language" in browser.get("/doctors/").get("Vary", "")


def test_an_api_error_is_in_english_after_a_page_in_another_language(client):
    client.get("/doctors/", headers={"Accept-Language": "fr"})  # activates French here

    response = client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
