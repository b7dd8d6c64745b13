"""Staff invite doctors and staff by email: the link (signed, expiring, single-use) sets
their password, and leads on to the second factor their role needs. Both ends are in the
security log."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, User
from doctors.models import Doctor
from tests.accounts.factories import staff_in
from tests.appointments.mail_support import run_worker
from tests.conftest import NOW, clock_at, login
from tests.doctors.factories import SpecialtyFactory
from tests.doctors.test_admin import add_data as doctor_data
from tests.html_support import logged_in_user_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

NEW_PASSWORD = "quiet-harbour-lantern-77"
LINK = r"http://testserver(/accounts/invitation/\S+/)"


def invite_doctor(client):
    data = doctor_data(SpecialtyFactory(), password1="", password2="")
    response = client.post(reverse("admin:doctors_doctor_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Doctor.objects.get().user


def invite_staff(client):
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "rosa.lind@example.org",
            "first_name": "Rosa",
            "last_name": "Lind",
            "phone": "",
            "role": User.Role.ADMIN,
            "usable_password": "false",
        },
    )
    assert response.status_code == 302
    return User.objects.get(email="rosa.lind@example.org")


def emailed_link():
    run_worker()
    [message] = mail.outbox
    return message, re.search(LINK, message.body)[1]


def set_password(client, link, password=NEW_PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


@pytest.fixture
def manager_client():
    return login(staff_in("Clinic manager"))


def test_the_add_doctor_page_invites_by_default(manager_client):
    page = manager_client.get(reverse("admin:doctors_doctor_add")).text

    assert "Leave both empty to email the doctor an invitation" in page


def test_an_invited_doctor_sets_a_password_then_sets_up_a_second_factor(manager_client, client):
    user = invite_doctor(manager_client)
    message, link = emailed_link()

    page = client.get(link)
    response = set_password(client, link)

    assert message.to == [user.email]
    assert "Choose your password" in page.text and user.email in page.text
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor_setup")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)
    # Until the second factor is set up, the rest of the site waits.
    assert client.get(reverse("appointments:schedule"))["Location"].startswith(
        reverse("accounts:two_factor_setup")
    )


def test_invitations_are_in_the_security_log(manager_client, client):
    manager = User.objects.get(is_staff=True)
    user = invite_doctor(manager_client)
    _message, link = emailed_link()
    set_password(client, link)

    sent = SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITATION_SENT)
    accepted = SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITATION_ACCEPTED)
    assert (sent.actor, sent.target) == (manager, str(user))
    assert accepted.actor == user


def test_the_link_works_once(manager_client, client):
    invite_doctor(manager_client)
    _message, link = emailed_link()
    set_password(client, link)

    again = set_password(Client(), link, password="another-long-passphrase-9")

    assert again.status_code == 400
    assert "This invitation link has expired or has already been used" in again.text
    assert User.objects.get(role=User.Role.DOCTOR).check_password(NEW_PASSWORD)


@pytest.mark.parametrize(("days", "works"), [(7, True), (7.001, False)])
def test_the_link_expires_after_invitation_days(manager_client, client, days, works):
    invite_doctor(manager_client)
    _message, link = emailed_link()

    with clock_at(NOW + datetime.timedelta(days=days) - datetime.timedelta(minutes=1)):
        before = client.get(link).status_code
    with clock_at(NOW + datetime.timedelta(days=days) + datetime.timedelta(minutes=1)):
        after = client.get(link).status_code

    assert (before, after) == ((200, 400) if works else (400, 400))


def test_a_forged_or_mangled_link_is_refused(manager_client, client):
    invite_doctor(manager_client)
    _message, link = emailed_link()

    assert client.get(link.replace("/invitation/", "/invitation/x")).status_code == 400
    assert client.get(reverse("accounts:invitation", args=["nonsense"])).status_code == 400


def test_a_weak_password_is_refused_and_the_link_still_works(manager_client, client):
    user = invite_doctor(manager_client)
    _message, link = emailed_link()

    refused = set_password(client, link, password="password")

    assert refused.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert set_password(client, link).status_code == 302


def test_staff_are_invited_the_same_way(client, staff):
    user = invite_staff(login(staff))
    message, link = emailed_link()

    response = set_password(client, link)

    assert user.is_staff and message.to == ["rosa.lind@example.org"]
    assert "Clinic staff" in message.body
    assert response["Location"] == reverse("accounts:two_factor_setup")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_doctor_given_a_password_is_not_invited(manager_client):
    manager_client.post(reverse("admin:doctors_doctor_add"), doctor_data(SpecialtyFactory()))
    run_worker()

    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.INVITATION_SENT).exists()
