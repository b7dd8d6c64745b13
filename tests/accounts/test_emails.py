"""Account emails (activation, "already registered", password reset) go out from the task
worker, as the appointment emails do: a mail server that is down never fails the request."""

import logging
import re

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.api_support import api_client
from tests.appointments.mail_support import run_worker
from tests.patients.factories import PatientFactory
from tests.patients.test_forms import registration_data

pytestmark = pytest.mark.django_db

REGISTER = reverse("accounts:register")
PASSWORD_RESET = reverse("accounts:password_reset")
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
ACTIVATION_LINK = r"http://testserver(/accounts/activate/\S+)"
RESET_LINK = r"http://testserver(/accounts/password/reset/\S+/\S+/)"


class MailServerDown(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.MailServerDown"}}


def sign_up(client):
    return client.post(REGISTER, registration_data(email="Nia.Okafor@Example.ORG"))


def tasks_queued():
    return [(task.task_path, task.args_kwargs["args"]) for task in DBTaskResult.objects.all()]


def test_sign_up_answers_while_the_mail_server_is_down_and_the_link_goes_out_later(
    client, settings, mail_server_down
):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    user = User.objects.get(email="nia.okafor@example.org")
    assert mail.outbox == []

    settings.MAILERS = LOCMEM  # the mail server is back when the worker runs
    run_worker()

    (message,) = mail.outbox
    assert message.to == ["nia.okafor@example.org"]
    client.get(re.search(ACTIVATION_LINK, message.body)[1])
    user.refresh_from_db()
    assert user.is_active


def test_api_sign_up_answers_202_while_the_mail_server_is_down(settings, mail_server_down):
    response = api_client().post(
        reverse("api:auth-register"),
        {
            "email": "ada@example.org",
            "password": "an-unusual-passphrase-42",
            "first_name": "Ada",
            "last_name": "Lovelace",
        },
        format="json",
    )

    assert response.status_code == 202
    settings.MAILERS = LOCMEM
    run_worker()
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert "/accounts/activate/" in mail.outbox[0].body


def test_signing_up_with_a_taken_address_answers_alike_while_the_mail_server_is_down(
    client, settings, mail_server_down
):
    UserFactory(email="nia.okafor@example.org")

    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    settings.MAILERS = LOCMEM
    run_worker()
    (message,) = mail.outbox
    assert "You already have an account" in message.body
    assert "http://testserver/accounts/password/reset/" in message.body


def test_password_reset_answers_while_the_mail_server_is_down_and_the_link_goes_out_later(
    client, settings, patient, mail_server_down
):
    response = client.post(PASSWORD_RESET, {"email": patient.user.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []

    settings.MAILERS = LOCMEM
    run_worker()

    (message,) = mail.outbox
    assert message.to == [patient.user.email]
    form_page = client.get(re.search(RESET_LINK, message.body)[1], follow=True)
    assert "Choose a new password" in form_page.text


def test_a_send_that_fails_in_the_worker_is_kept_as_a_failed_task(client, mail_server_down):
    sign_up(client)

    run_worker()

    (task,) = DBTaskResult.objects.all()
    assert task.status == "FAILED"
    assert "ConnectionRefusedError" in task.exception_class_path
    assert User.objects.filter(email="nia.okafor@example.org", is_active=False).exists()


def test_the_task_rows_staff_can_read_hold_no_link(client, patient):
    sign_up(client)
    client.post(PASSWORD_RESET, {"email": patient.user.email})
    new_user = User.objects.get(email="nia.okafor@example.org")

    assert sorted(tasks_queued()) == [
        ("accounts.tasks.send_activation", [new_user.pk]),
        ("accounts.tasks.send_password_reset", [patient.user.pk, patient.user.email]),
    ]


def test_the_links_are_not_logged(client, patient, caplog):
    with caplog.at_level(logging.DEBUG):
        sign_up(client)
        client.post(PASSWORD_RESET, {"email": patient.user.email})
        run_worker()

    activation, reset = (m.body for m in sorted(mail.outbox, key=lambda m: m.subject))
    tokens = [
        re.search(ACTIVATION_LINK, activation)[1].rstrip("/").rsplit("/", 1)[1],
        re.search(RESET_LINK, reset)[1].rstrip("/").rsplit("/", 1)[1],
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the requests and the worker did log
    assert not [token for token in tokens if token in logged]


def test_no_activation_link_goes_to_an_account_activated_before_the_worker_ran(client):
    sign_up(client)
    User.objects.update(is_active=True, email_confirmed=True)

    run_worker()

    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.parametrize(
    "change",
    [{"email": "new.address@example.org"}, {"is_active": False}],
    ids=["address-changed", "deactivated"],
)
def test_no_reset_link_goes_out_if_the_account_changed_before_the_worker_ran(client, change):
    patient = PatientFactory()
    client.post(PASSWORD_RESET, {"email": patient.user.email})
    User.objects.filter(pk=patient.user.pk).update(**change)

    run_worker()

    assert mail.outbox == []


def test_the_reset_email_reads_as_before(settings, patient):
    settings.CLINIC_NAME = "Riverside Clinic"

    Client().post(PASSWORD_RESET, {"email": patient.user.email})
    run_worker()

    (message,) = mail.outbox
    assert message.subject == "Reset your password at Riverside Clinic"
    assert f"Hello {patient.user.first_name}," in message.body
    assert f"your Riverside Clinic account ({patient.user.email})" in message.body
    assert message.body.count("http://testserver/accounts/password/reset/") == 1


def test_every_emailed_link_is_on_site_url_whatever_host_the_request_named(
    client, settings, patient
):
    """One source of absolute links (SITE_URL): the activation and reset links and the
    appointment emails agree, and a forged Host header never reaches an email."""
    settings.SITE_URL = "https://clinic.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]

    client.post(REGISTER, registration_data(), HTTP_HOST="evil.example")
    client.post(PASSWORD_RESET, {"email": patient.user.email}, HTTP_HOST="evil.example")
    run_worker()

    bodies = "\n".join(message.body for message in mail.outbox)
    assert len(mail.outbox) == 2
    assert "https://clinic.example.org/accounts/activate/" in bodies
    assert "https://clinic.example.org/accounts/password/reset/" in bodies
    assert "evil.example" not in bodies and "testserver" not in bodies
