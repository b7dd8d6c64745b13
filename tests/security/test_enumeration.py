"""No answer tells whether an email address has an account: sign-up, log-in, password reset."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.api_support import api_client
from tests.appointments.mail_support import run_worker

pytestmark = pytest.mark.django_db

KNOWN = "known@example.org"
UNKNOWN = "unknown@example.org"
PASSWORD = "plum-orchard-lantern-42"


@pytest.fixture(autouse=True)
def known_account(db):
    return UserFactory(email=KNOWN)


def page_answer(response):
    """What a person sees: status, where it leads, and the page's main content."""
    text = response.content.decode()
    main = text.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
    main = main.replace(UNKNOWN, "EMAIL").replace(KNOWN, "EMAIL")
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", main)
    return response.status_code, response.get("Location"), main


def api_answer(response):
    return response.status_code, response.json()


@pytest.mark.parametrize("case", [KNOWN, KNOWN.upper()])
def test_sign_up_page_answers_alike(case):
    data = {
        "first_name": "Nia",
        "last_name": "Okafor",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    known = Client().post(reverse("accounts:register"), {**data, "email": case}, follow=True)
    unknown = Client().post(reverse("accounts:register"), {**data, "email": UNKNOWN}, follow=True)

    assert page_answer(known) == page_answer(unknown)


def test_api_sign_up_answers_alike():
    data = {"first_name": "Nia", "last_name": "Okafor", "password": PASSWORD}

    url = reverse("api:auth-register")
    known = api_client().post(url, {**data, "email": KNOWN}, format="json")
    unknown = api_client().post(url, {**data, "email": UNKNOWN}, format="json")

    assert api_answer(known) == api_answer(unknown)
    assert known.status_code == 202


def test_log_in_page_answers_alike():
    known = Client().post(reverse("accounts:login"), {"username": KNOWN, "password": "wrong"})
    unknown = Client().post(reverse("accounts:login"), {"username": UNKNOWN, "password": "wrong"})

    assert page_answer(known) == page_answer(unknown)


def test_log_in_page_answers_alike_for_an_account_not_yet_activated():
    UserFactory(email="pending@example.org", is_active=False)

    pending = Client().post(
        reverse("accounts:login"), {"username": "pending@example.org", "password": "x"}
    )
    unknown = Client().post(reverse("accounts:login"), {"username": UNKNOWN, "password": "x"})

    assert pending.status_code == unknown.status_code == 200
    assert "is not right" in pending.text and "inactive" not in pending.text.lower()


def test_api_token_answers_alike():
    url = reverse("api:auth-token")
    known = api_client().post(url, {"email": KNOWN, "password": "wrong"}, format="json")
    unknown = api_client().post(url, {"email": UNKNOWN, "password": "wrong"}, format="json")

    assert api_answer(known) == api_answer(unknown)


def test_password_reset_answers_alike(mailoutbox):
    known = Client().post(reverse("accounts:password_reset"), {"email": KNOWN}, follow=True)
    unknown = Client().post(reverse("accounts:password_reset"), {"email": UNKNOWN}, follow=True)
    run_worker()

    assert page_answer(known) == page_answer(unknown)
    assert [m.to for m in mailoutbox] == [[KNOWN]]  # only the owner learns anything
