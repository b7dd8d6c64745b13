"""CSRF: every HTML form carries the token and a POST without it is refused (403);
the API cannot be driven through a session cookie at all (JWT only, so 401).

The forms are found by reading the pages each role sees, so a new form is covered
as soon as a page shows it.
"""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import second_factor
from tests.accounts.factories import PASSWORD
from tests.api_support import assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import give_second_factor
from tests.doctors.factories import TimeOffFactory

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def csrf_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        assert client.login(email=user.email, password=PASSWORD)
        if second_factor.required_for(user):
            give_second_factor(client, user)
    return client


def post_forms(client, url):
    """(action, body) of each POST form on the page at `url`."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    forms = []
    for attributes, body in FORM.findall(response.content.decode()):
        if not re.search(r'method="post"', attributes, re.I):
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        forms.append((html.unescape(action[1]) if action and action[1] else url, body))
    return forms


@pytest.fixture
def pages(now, patient, doctor, staff):
    upcoming = AppointmentFactory(patient=patient, doctor=doctor, start=now.replace(day=9, hour=9))
    today = AppointmentFactory(patient=patient, doctor=doctor, start=now.replace(hour=7))
    TimeOffFactory(
        doctor=doctor, start=now.replace(day=20), end=now.replace(day=21)
    )  # its "remove" form
    book = reverse("appointments:book_confirm", args=[doctor.pk])
    return {
        None: [
            reverse("accounts:login"),
            reverse("accounts:register"),
            reverse("accounts:password_reset"),
            reverse("admin:login"),
        ],
        patient.user: [
            reverse("accounts:profile"),
            reverse("accounts:security"),
            reverse("accounts:two_factor_setup"),
            reverse("accounts:password_change"),
            f"{book}?start=2030-01-08T09:00:00%2B00:00",
            reverse("appointments:detail", args=[upcoming.pk]),
            reverse("appointments:cancel", args=[upcoming.pk]),
            reverse("appointments:reschedule", args=[upcoming.pk]) + "?day=2030-01-10",
            # Choosing a new time is a GET; the form that moves the visit is on its confirmation.
            reverse("appointments:reschedule_confirm", args=[upcoming.pk])
            + "?start=2030-01-10T10:00:00%2B00:00",
        ],
        doctor.user: [
            reverse("appointments:detail", args=[today.pk]),
            reverse("records:write", args=[today.pk]),
            reverse("doctors:hours"),
            reverse("doctors:time_off"),
            reverse("accounts:profile"),
            reverse("accounts:security"),
        ],
        staff: [
            reverse("admin:accounts_user_change", args=[patient.user.pk]),
            reverse("admin:doctors_specialty_add"),
        ],
    }


def test_every_form_has_the_token_and_is_refused_without_it(pages):
    checked = set()
    for user, urls in pages.items():
        client = csrf_client(user)
        for url in urls:
            for action, body in post_forms(client, url):
                assert 'name="csrfmiddlewaretoken"' in body, f"{url}: form to {action}"
                if action in checked:
                    continue
                checked.add(action)
                response = csrf_client(user).post(action, {"anything": "x"})
                assert response.status_code == 403, f"{action} answered {response.status_code}"
    # The crawl really reached the forms that matter.
    assert {
        reverse("accounts:login"),
        reverse("accounts:logout"),
        reverse("accounts:register"),
        reverse("accounts:profile"),
        reverse("accounts:password_change"),
        reverse("accounts:two_factor_setup"),
        reverse("accounts:recovery_codes"),
    } <= checked
    assert any("/book/" in action for action in checked)
    assert any(action.endswith("/cancel/") for action in checked)
    assert any(action.endswith("/reschedule/") for action in checked)
    assert any("/records/write/" in action for action in checked)
    assert len(checked) >= 15


def test_a_refusal_changes_nothing(patient):
    client = csrf_client(patient.user)

    client.post(reverse("accounts:logout"))

    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_post_with_the_token_is_accepted(patient):
    client = csrf_client(patient.user)
    page = client.get(reverse("accounts:profile"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("api:appointment-list", {"doctor": 1, "start": "2030-01-08T09:00:00Z"}),
        ("api:patient-list", {"email": "x@example.org"}),
        ("api:auth-me", {}),
    ],
)
def test_a_session_cookie_cannot_drive_the_api(patient, url, body):
    client = csrf_client(patient.user)  # logged in, with a session cookie, no token

    response = client.post(reverse(url), body, content_type="application/json")

    assert_error(response, 401, "not_authenticated")
