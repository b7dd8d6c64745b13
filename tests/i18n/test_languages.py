"""The site in Spanish: the switcher, pages and their dates, an error page, a logged-in
person's language kept on their account, their emails in it, and the API by its
Accept-Language header (English without one)."""

import re

import pytest
from django.core import mail
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from appointments.services import book_appointment
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.appointments.mail_support import by_recipient, run_worker
from tests.appointments.test_views import book_url, confirm_url
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory
from tests.patients.test_forms import registration_data

pytestmark = pytest.mark.django_db

SWITCH = reverse("set_language")
SPANISH = {"Accept-Language": "es"}


def spanish_browser():
    client = Client()
    client.post(SWITCH, {"language": "es", "next": "/"})
    return client


class TestSwitcher:
    def test_every_page_offers_the_other_language_in_its_own_name_and_comes_back(self, client):
        page = client.get(reverse("doctors:directory") + "?q=Patel").text

        assert f'<form method="post" action="{SWITCH}" class="language-switcher">' in page
        assert '<input type="hidden" name="next" value="/doctors/?q=Patel">' in page
        assert '<button type="submit" name="language" value="es" lang="es"' in page
        assert '<span lang="en" aria-current="true" class="language-current">English</span>' in (
            page
        )

    def test_switching_to_spanish_goes_back_to_the_page_in_spanish(self, client):
        response = client.post(SWITCH, {"language": "es", "next": "/doctors/?q=Patel"})

        assert response.status_code == 302
        assert response["Location"] == "/doctors/?q=Patel"
        assert response.cookies["django_language"].value == "es"
        page = client.get(response["Location"])
        assert page["Content-Language"] == "es"
        assert '<html lang="es">' in page.text
        assert "Buscar un médico" in page.text
        assert "Find a doctor" not in page.text
        assert '<button type="submit" name="language" value="en" lang="en"' in page.text

    def test_a_language_the_clinic_does_not_offer_changes_nothing(self, client):
        client.post(SWITCH, {"language": "fr", "next": "/"})

        assert client.get("/")["Content-Language"] == "en"

    def test_a_next_address_on_another_site_is_not_followed(self, client):
        response = client.post(SWITCH, {"language": "es", "next": "https://evil.example/"})

        assert response.status_code == 302
        assert "evil.example" not in response["Location"]

    def test_a_get_is_refused(self, client):
        assert client.get(SWITCH).status_code == 405

    def test_the_browsers_language_is_the_first_guess(self, client):
        page = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})

        assert page["Content-Language"] == "es"
        assert "Accept-Language" in page["Vary"]

    def test_english_is_the_default(self, client):
        page = client.get("/", headers={"Accept-Language": "de"})

        assert page["Content-Language"] == "en"
        assert '<html lang="en">' in page.text

    def test_without_a_second_language_there_is_no_switcher(self, client, settings):
        settings.LANGUAGES = [("en", "English")]

        assert "language-switcher" not in client.get("/").text


class TestPagesInSpanish:
    def test_the_booking_pages_and_their_dates(self, now, patient):
        doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
        client = login(patient.user)
        client.post(SWITCH, {"language": "es", "next": "/"})

        days = client.get(book_url(doctor)).text
        confirm = client.get(confirm_url(doctor, at(1, "09:30"))).text

        assert "1. Elija un día" in days
        assert "lunes 7 de enero de 2030" in days
        assert "Confirme su reserva" in confirm
        assert "mar 8 ene 2030, 09:30" in confirm
        assert "Tue 8 Jan 2030" not in confirm

    def test_a_booking_message_in_spanish(self, now, patient):
        doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
        client = login(patient.user)
        client.post(SWITCH, {"language": "es", "next": "/"})

        response = client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "reason": ""}, follow=True
        )

        assert "Tiene cita con Dr. Asha Patel el mar 8 ene 2030, 09:30." in response.text

    def test_a_refusal_in_spanish(self, now, patient):
        doctor = DoctorFactory()
        client = login(patient.user)
        client.post(SWITCH, {"language": "es", "next": "/"})

        response = client.post(confirm_url(doctor), {"start": "garbage"}, follow=True)

        assert "Elija una hora de la lista." in response.text

    def test_the_not_found_page(self):
        response = spanish_browser().get("/no-such-page/")

        assert response.status_code == 404
        assert "No hemos encontrado esa página" in response.text
        assert "Ir a la página de inicio" in response.text

    def test_the_server_error_page(self):
        with translation.override("es"):
            page = loader.get_template("500.html").render()

        assert '<html lang="es">' in page
        assert "Algo ha fallado por nuestra parte" in page


class TestTheAccountsLanguage:
    def test_switching_while_logged_in_keeps_the_choice_on_the_account(self, patient):
        client = login(patient.user)

        client.post(SWITCH, {"language": "es", "next": "/"})

        patient.user.refresh_from_db()
        assert patient.user.language == "es"

    def test_the_accounts_language_follows_them_to_another_browser(self, patient):
        patient.user.language = "es"
        patient.user.save()
        client = login(patient.user)  # a new browser: no cookie, no Accept-Language

        response = client.get(reverse("appointments:mine"))

        assert response["Content-Language"] == "es"
        assert "Mis citas" in response.text
        assert response.cookies["django_language"].value == "es"

    def test_choosing_spanish_on_the_log_in_page_keeps_it_on_the_account(self, patient):
        client = spanish_browser()

        client.post(
            reverse("accounts:login"), {"username": patient.user.email, "password": "x" * 3}
        )
        assert User.objects.get(pk=patient.user.pk).language == ""  # a wrong password

        client.post(
            reverse("accounts:login"), {"username": patient.user.email, "password": PASSWORD}
        )

        assert User.objects.get(pk=patient.user.pk).language == "es"

    def test_a_log_in_waiting_for_its_second_factor_can_switch_too(self, doctor):
        client = Client()
        login_page = reverse("accounts:login")
        pending = client.post(login_page, {"username": doctor.user.email, "password": PASSWORD})
        next_page = pending["Location"]  # the code page, or setting up a second factor

        response = client.post(SWITCH, {"language": "es", "next": next_page})

        assert response["Location"] == next_page
        assert client.get(next_page)["Content-Language"] == "es"
        assert User.objects.get(pk=doctor.user.pk).language == "es"

    def test_a_language_no_longer_offered_falls_back_to_english(self, patient, settings):
        patient.user.language = "es"
        settings.LANGUAGES = [("en", "English")]

        assert patient.user.language_code == "en"


class TestEmailsInTheRecipientsLanguage:
    def test_each_side_of_a_booking_reads_it_in_their_own_language(self, now):
        patient = PatientFactory(user__language="es")
        doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")

        book_appointment(
            patient=patient, doctor=doctor, start=at(1, "09:00"), reason="", booked_by=patient.user
        )
        run_worker()

        messages = by_recipient(mail.outbox)
        spanish = messages[patient.user.email]
        english = messages[doctor.user.email]
        assert spanish.subject == "Su cita del mar 8 ene 2030, 09:00 está reservada"
        assert f"Hola, {patient.user.first_name}:" in spanish.body
        assert "Su cita con Dr. Asha Patel el mar 8 ene 2030, 09:00 está reservada." in (
            spanish.body
        )
        assert english.subject == "New appointment on Tue 8 Jan 2030, 09:00"

    def test_signing_up_in_spanish_gets_the_activation_email_in_spanish(self):
        client = spanish_browser()

        client.post(reverse("accounts:register"), registration_data())
        run_worker()

        user = User.objects.get(email="new.patient@example.org")
        assert user.language == "es"
        (message,) = mail.outbox
        assert message.subject == "Active su cuenta de Riverside Clinic"
        assert "Para activarla, abra este enlace:" in message.body

    def test_a_password_reset_asked_for_in_english_goes_to_a_spanish_reader_in_spanish(self):
        patient = PatientFactory(user__language="es")

        Client().post(reverse("accounts:password_reset"), {"email": patient.user.email})
        run_worker()

        (message,) = mail.outbox
        assert "Restablezca su contraseña" in message.subject
        assert re.search(r"Para elegir una contraseña nueva, abra este enlace:", message.body)


class TestTheApi:
    def test_errors_are_in_spanish_when_asked_for(self):
        response = api_client().get("/api/auth/me", headers=SPANISH)

        body = assert_error(response, 401)
        assert body["detail"] == "Las credenciales de autenticación no se proveyeron."
        assert response["Content-Language"] == "es"
        assert response["Vary"] == "Accept-Language"

    def test_our_own_messages_are_in_spanish_too(self):
        response = api_client().get("/api/no-such-endpoint/", headers=SPANISH)

        body = assert_error(response, 404)
        assert body["detail"].startswith("No hay ningún punto de la API en esta dirección")

    def test_the_first_language_offered_wins(self):
        response = api_client().get("/api/auth/me", headers={"Accept-Language": "fr, es;q=0.5"})

        assert response["Content-Language"] == "es"

    def test_english_without_the_header_even_after_a_spanish_request(self):
        api_client().get("/api/auth/me", headers=SPANISH)

        response = api_client().get("/api/auth/me")

        body = assert_error(response, 401)
        assert body["detail"] == "Authentication credentials were not provided."
        assert response["Content-Language"] == "en"

    def test_signing_up_through_the_api_in_spanish_keeps_spanish_on_the_account(self):
        data = {
            "email": "ana@example.org",
            "password": "correct-horse-battery-staple",
            "first_name": "Ana",
            "last_name": "Ruiz",
        }

        response = api_client().post("/api/auth/register", data, format="json", headers=SPANISH)

        assert response.status_code == 202
        assert response.json()["detail"].startswith("Hemos enviado un mensaje")
        assert User.objects.get(email="ana@example.org").language == "es"
