"""Cache-Control: nothing a logged-in person sees, and no API answer, is kept by a browser
or a shared cache (`no-store, private`), so the back button after log-out shows nothing.

Public pages seen by anonymous visitors, static files, the API schema and its docs keep
their own caching. Checked in development mode here and in production mode (settings
read afresh in another process) below.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.api_support import api_client
from tests.appointments.factories import AppointmentFactory
from tests.conftest import login
from tests.records.factories import MedicalRecordFactory
from tests.security.test_settings import PRODUCTION

pytestmark = pytest.mark.django_db

NO_STORE = "no-store, private"
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(now, patient, doctor, staff):
    appointment = AppointmentFactory(patient=patient, doctor=doctor)
    record = MedicalRecordFactory(patient=patient, doctor=doctor)
    return {"patient": patient, "doctor": doctor, "staff": staff, "a": appointment, "r": record}


def private_pages(w):
    return [
        (w["patient"].user, reverse("records:mine")),
        (w["patient"].user, reverse("records:detail", args=[w["r"].pk])),
        (w["patient"].user, reverse("records:access_log")),
        (w["patient"].user, reverse("appointments:mine")),
        (w["patient"].user, reverse("appointments:detail", args=[w["a"].pk])),
        (w["patient"].user, reverse("appointments:ics", args=[w["a"].pk])),
        (w["patient"].user, reverse("accounts:profile")),
        (w["doctor"].user, reverse("appointments:schedule")),
        (w["doctor"].user, reverse("patients:detail", args=[w["patient"].pk])),
        (w["doctor"].user, reverse("patients:list")),
        (w["staff"], reverse("admin:index")),
        (w["staff"], reverse("admin:patients_patient_change", args=[w["patient"].pk])),
        (w["staff"], reverse("admin:records_medicalrecord_change", args=[w["r"].pk])),
        # Public pages too, once someone is logged in: they show who it is.
        (w["patient"].user, reverse("home")),
        (w["patient"].user, reverse("doctors:directory")),
        (w["patient"].user, "/no-such-page/"),
    ]


def test_every_page_a_logged_in_person_sees_is_no_store(world):
    for user, url in private_pages(world):
        response = login(user).get(url)

        assert response.status_code in (200, 404), url
        assert response["Cache-Control"] == NO_STORE, url


def test_the_answer_to_a_form_post_is_no_store_too(world):
    response = login(world["patient"].user).post(reverse("accounts:profile"), {})

    assert response["Cache-Control"] == NO_STORE


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("doctors:directory"),
        "/no-such-page/",
    ],
)
def test_public_pages_for_anonymous_visitors_keep_their_caching(client, url, doctor):
    response = client.get(url)

    assert "no-store" not in response.get("Cache-Control", "")


def test_the_doctors_public_page_for_an_anonymous_visitor_is_not_no_store(client, now, doctor):
    response = client.get(reverse("doctors:detail", args=[doctor.pk]))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_api_answer_is_no_store_whoever_asks(world):
    answers = [
        api_client().get(reverse("api:root")),
        api_client().get(reverse("api:doctor-list")),  # public data, still no-store
        api_client().get(reverse("api:appointment-list")),  # 401
        api_client().get("/api/no-such-endpoint"),  # the JSON 404
        api_client().post(reverse("api:auth-token"), {"email": "x@example.org", "password": "x"}),
        api_client(world["patient"].user).get(reverse("api:record-detail", args=[world["r"].pk])),
        api_client(world["doctor"].user).get(reverse("api:patient-detail", args=[world["a"].pk])),
    ]

    for response in answers:
        assert response["Cache-Control"] == NO_STORE, (response.status_code, response.content)


def test_the_schema_and_the_docs_keep_their_caching(world):
    for url in (reverse("api:schema"), reverse("api:docs")):
        for client in (api_client(), login(world["patient"].user)):
            response = client.get(url)

            assert response.status_code == 200
            assert "no-store" not in response.get("Cache-Control", ""), url


def test_static_files_keep_their_caching_even_for_a_logged_in_person(world):
    response = login(world["patient"].user).get("/static/css/site.css")

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


def test_the_calendar_feed_is_no_store(now, patient):
    login(patient.user).post(reverse("accounts:calendar_feed_create"))
    token = patient.user.calendar_feeds.get().token

    response = Client().get(reverse("accounts:calendar_feed", args=[token]))  # no login

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


PRODUCTION_REQUESTS = """
import json, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
from django.test import Client
from accounts.models import User
user = User.objects.create_user(email="p@example.org", password="x")
anonymous, logged_in = Client(), Client()
logged_in.force_login(user)
host = {"HTTP_HOST": "clinic.example.org", "secure": True}
# Answers drawn without templates: production's pages need collectstatic's manifest,
# which takes minutes to make (every file compressed twice).
answers = {
    "page": logged_in.get("/accounts/home/", **host),
    "api": anonymous.get("/api/", **host),
    "schema": anonymous.get("/api/schema/", **host),
}
print(json.dumps({k: [r.status_code, r.get("Cache-Control", "")] for k, r in answers.items()}))
"""


def test_production_mode_sends_it_too(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "healthcare.settings",
            **PRODUCTION,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUESTS],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["page"] == [302, NO_STORE]  # a logged-in person's start page
    assert answers["api"] == [200, NO_STORE]
    assert answers["schema"][0] == 200 and "no-store" not in answers["schema"][1]
