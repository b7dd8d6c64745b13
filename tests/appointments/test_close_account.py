"""A patient closes their own account: confirmed by password, visits to come cancelled
with the usual emails, no way in afterwards (sessions, tokens, calendar address), the
records kept for the retention period."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import SecurityEvent
from appointments.models import Appointment
from appointments.services import WrongPassword, close_account, issue_calendar_feed
from healthcare.core.errors import NotAllowed
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import at, login

pytestmark = pytest.mark.django_db
Status = Appointment.Status
CLOSE = reverse("accounts:close")
API_CLOSE = reverse("api:auth-me-close")


@pytest.fixture
def visits(now, patient, doctor):
    """Last week's visit, one in three hours (inside the 24-hour cut-off), one next week."""
    return {
        "past": AppointmentFactory(
            patient=patient, doctor=doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        ),
        "soon": AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "11:00")),
        "next_week": AppointmentFactory(patient=patient, doctor=doctor, start=at(7, "14:00")),
    }


def statuses(visits):
    return {name: Appointment.objects.get(pk=a.pk).status for name, a in visits.items()}


def test_closing_cancels_every_visit_to_come_even_inside_the_cutoff(visits, patient, doctor):
    cancelled = close_account(user=patient.user, password=PASSWORD)

    assert cancelled == 2
    assert statuses(visits) == {
        "past": Status.FULFILLED,
        "soon": Status.CANCELLED,
        "next_week": Status.CANCELLED,
    }
    soon = Appointment.objects.get(pk=visits["soon"].pk)
    assert soon.cancelled_by == patient.user
    assert soon.cancellation_reason == "The patient's account at the clinic was closed."
    run_worker()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([patient.user.email, doctor.user.email] * 2)


def test_the_account_is_closed_and_the_records_stay(visits, patient):
    close_account(user=patient.user, password=PASSWORD)

    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert not patient.user.is_active
    assert not patient.user.has_usable_password()
    assert patient.closed_at is not None and patient.purged_at is None
    assert Appointment.objects.filter(patient=patient).count() == 3  # nothing deleted


def test_a_wrong_password_changes_nothing(visits, patient):
    with pytest.raises(WrongPassword):
        close_account(user=patient.user, password=PASSWORD + "x")

    patient.user.refresh_from_db()
    assert patient.user.is_active
    assert statuses(visits)["next_week"] == Status.BOOKED


def test_only_a_patient_closes_their_own_account_here(doctor):
    with pytest.raises(NotAllowed):
        close_account(user=doctor.user, password=PASSWORD)


class TestPage:
    def test_shows_what_happens_then_closes_and_logs_out(self, visits, patient):
        client = login(patient.user)

        page = client.get(CLOSE).content.decode()
        response = client.post(CLOSE, {"password": PASSWORD}, follow=True)

        assert "Your 2 upcoming visits are cancelled" in page
        assert "for 8 years after your last visit" in page
        assert "Your account is closed. Your 2 upcoming visits are cancelled." in response.text
        assert not response.context["user"].is_authenticated
        assert SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.ACCOUNT_CLOSED, actor=patient.user
        ).exists()

    def test_a_wrong_password_is_a_form_error(self, visits, patient):
        response = login(patient.user).post(CLOSE, {"password": "nope"})

        assert response.status_code == 200
        assert "That is not your password." in response.text
        assert statuses(visits)["next_week"] == Status.BOOKED

    def test_every_other_way_in_ends(self, now, patient):
        other_browser = login(patient.user)
        refresh = RefreshToken.for_user(patient.user)
        token_client = api_client(patient.user)
        feed = issue_calendar_feed(patient.user)

        login(patient.user).post(CLOSE, {"password": PASSWORD})

        assert other_browser.get(reverse("records:mine")).status_code == 302  # to log in
        assert token_client.get(reverse("api:auth-me")).status_code == 401
        refreshed = api_client().post(
            reverse("api:auth-token-refresh"), {"refresh": str(refresh)}, format="json"
        )
        assert refreshed.status_code == 401
        assert not Client().login(email=patient.user.email, password=PASSWORD)
        assert Client().get(reverse("accounts:calendar_feed", args=[feed.token])).status_code == 404

    def test_doctors_and_staff_have_no_such_page(self, doctor_client, staff_client):
        assert doctor_client.get(CLOSE).status_code == 404
        assert staff_client.get(CLOSE).status_code == 404

    def test_the_profile_links_to_it_for_patients_only(self, patient_client, doctor_client):
        assert CLOSE in patient_client.get(reverse("accounts:profile")).text
        assert CLOSE not in doctor_client.get(reverse("accounts:profile")).text


class TestApi:
    def test_a_patient_closes_their_account(self, visits, patient):
        response = api_client(patient.user).post(API_CLOSE, {"password": PASSWORD}, format="json")

        assert response.status_code == 200
        assert response.json() == {"cancelled_visits": 2}
        patient.user.refresh_from_db()
        assert not patient.user.is_active

    def test_a_wrong_password_is_400(self, visits, patient):
        response = api_client(patient.user).post(API_CLOSE, {"password": "no"}, format="json")

        assert_error(response, 400, "wrong_password", fields=["password"])

    def test_a_doctor_gets_403(self, doctor):
        response = api_client(doctor.user).post(API_CLOSE, {"password": PASSWORD}, format="json")

        assert_error(response, 403, "permission_denied")
