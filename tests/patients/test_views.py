"""Signing up as a patient; the doctor's patient list and patient page: who sees whom,
history, and the access log."""

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from patients.models import Patient
from records.models import AccessLog
from tests.accounts.factories import UserFactory
from tests.appointments.factories import AppointmentFactory
from tests.conftest import login
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
Status = Appointment.Status
LIST = reverse("patients:list")

STRONG_PASSWORD = "plum-orchard-lantern-42"
REGISTER = reverse("accounts:register")
LOGIN = reverse("accounts:login")
HOME = reverse("accounts:home")


def registration(**overrides):
    return {
        "email": "Nia.Okafor@Example.ORG",
        "first_name": "Nia",
        "last_name": "Okafor",
        "phone": "07700 900123",
        "date_of_birth": "1990-04-02",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def at(day, hhmm):
    """A time in the clinic, `day` days after Monday 7 January 2030 (negative: before)."""
    date = datetime.date(2030, 1, 7) + datetime.timedelta(days=day)
    return datetime.datetime.combine(date, datetime.time.fromisoformat(hhmm), tzinfo=LONDON)


def detail(patient):
    return reverse("patients:detail", args=[patient.pk])


def visit(patient, doctor, day, hhmm="09:00", **kwargs):
    return AppointmentFactory(patient=patient, doctor=doctor, start=at(day, hhmm), **kwargs)


def named(first, last, email=None):
    user = {"user__first_name": first, "user__last_name": last}
    if email:
        user["user__email"] = email
    return PatientFactory(**user)


class TestAccess:
    @pytest.mark.parametrize("page", ["list", "detail"])
    def test_anonymous_is_sent_to_log_in(self, client, patient, page):
        response = client.get(LIST if page == "list" else detail(patient))

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    def test_patients_get_404_on_the_list(self, patient_client):
        assert patient_client.get(LIST).status_code == 404

    def test_a_patient_cannot_see_another_patients_page(self, now, other_patient, patient_client):
        response = patient_client.get(detail(other_patient))

        assert response.status_code == 404
        assert not AccessLog.objects.exists()

    def test_a_patient_sees_their_own_page_without_a_log_row(self, now, patient, patient_client):
        response = patient_client.get(detail(patient))

        assert response.status_code == 200
        assert not AccessLog.objects.exists()

    def test_a_doctor_without_a_profile_gets_404(self, now):
        client = login(UserFactory(role="doctor"))

        assert client.get(LIST).status_code == 404


class TestList:
    def test_doctor_sees_only_their_own_patients(self, now, doctor, other_doctor, doctor_client):
        mine = named("Amira", "Haddad")
        theirs = named("Boris", "Ivanov")
        visit(mine, doctor, -7)
        visit(theirs, other_doctor, -7)

        response = doctor_client.get(LIST)

        assert response.status_code == 200
        content = response.content.decode()
        assert "Amira Haddad" in content
        assert "Boris Ivanov" not in content

    def test_a_patient_whose_only_visit_was_cancelled_is_not_listed(
        self, now, doctor, doctor_client
    ):
        visit(named("Cleo", "Dunn"), doctor, 2, status=Status.CANCELLED)

        response = doctor_client.get(LIST)

        assert "Cleo Dunn" not in response.content.decode()
        assert "No patients yet" in response.content.decode()

    def test_shows_last_and_next_visit_with_this_doctor(
        self, now, doctor, other_doctor, doctor_client
    ):
        patient = named("Amira", "Haddad")
        visit(patient, doctor, -14, "10:00", status=Status.FULFILLED)
        visit(patient, doctor, -7, "11:00", status=Status.FULFILLED)
        visit(patient, doctor, 3, "14:00")
        visit(patient, doctor, 10, "09:30")
        visit(patient, doctor, 1, "09:00", status=Status.CANCELLED)
        visit(patient, other_doctor, -1, "09:00", status=Status.FULFILLED)

        content = doctor_client.get(LIST).content.decode()

        assert "Mon 31 Dec 2029, 11:00" in content  # last visit with this doctor
        assert "Thu 10 Jan 2030, 14:00" in content  # next one
        assert "Sun 6 Jan 2030" not in content  # the other doctor's visit
        assert "Tue 8 Jan 2030" not in content  # cancelled

    @pytest.mark.parametrize("query", ["haddad", "amira", "Amira Hadd", "amira.h@example"], ids=str)
    def test_search_by_name_or_email(self, now, doctor, doctor_client, query):
        visit(named("Amira", "Haddad", "amira.h@example.com"), doctor, -7)
        visit(named("Boris", "Ivanov", "bi@example.net"), doctor, -6)

        content = doctor_client.get(LIST, {"q": query}).content.decode()

        assert "Amira Haddad" in content
        assert "Boris Ivanov" not in content

    def test_search_without_match_says_so(self, now, doctor, doctor_client):
        visit(named("Amira", "Haddad"), doctor, -7)

        content = doctor_client.get(LIST, {"q": "zzz"}).content.decode()

        assert "No patient matches your search." in content
        assert "Amira Haddad" not in content

    def test_staff_see_every_patient(self, now, doctor, other_doctor, staff_client):
        visit(named("Amira", "Haddad"), doctor, -7)
        visit(named("Boris", "Ivanov"), other_doctor, -7)
        named("Cleo", "Dunn")

        content = staff_client.get(LIST).content.decode()

        assert all(name in content for name in ("Amira Haddad", "Boris Ivanov", "Cleo Dunn"))

    def test_the_list_is_paginated(self, now, doctor, doctor_client):
        for n in range(30):
            visit(PatientFactory(user__last_name=f"Zed{n:02d}"), doctor, -30 + n)

        first = doctor_client.get(LIST).content.decode()
        second = doctor_client.get(LIST, {"page": 2}).content.decode()

        assert "Page 1 of 2" in first
        assert "Zed00" in first and "Zed29" not in first
        assert "Zed29" in second

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_patients(
        self, now, doctor, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            patient = PatientFactory()
            visit(patient, doctor, -n - 1)
            visit(patient, doctor, n + 1)

        # session, user, doctor, count, page
        with django_assert_num_queries(5):
            response = doctor_client.get(LIST)

        assert len(response.context["page_obj"].object_list) == count


class TestDetail:
    def test_shows_the_profile(self, now, doctor, doctor_client):
        patient = PatientFactory(
            date_of_birth=datetime.date(1985, 6, 15),
            blood_type="AB-",
            allergies="Penicillin\nPeanuts",
            medical_history="Asthma since childhood",
            emergency_contact_name="Sam Haddad",
            emergency_contact_phone="+44 20 7946 0000",
        )
        visit(patient, doctor, -7)

        response = doctor_client.get(detail(patient))

        assert response.status_code == 200
        content = response.content.decode()
        assert patient.user.display_name in content
        assert "44 years" in content
        assert "AB−" in content
        assert "Penicillin<br>Peanuts" in content
        assert "Asthma since childhood" in content
        assert "Sam Haddad" in content
        assert "+44 20 7946 0000" in content

    def test_a_doctor_sees_their_history_with_this_patient_and_the_records(
        self, now, doctor, other_doctor, patient, doctor_client
    ):
        mine = visit(patient, doctor, -7, "10:00", status=Status.FULFILLED, reason="Sore throat")
        upcoming = visit(patient, doctor, 2, "11:00", reason="Follow-up")
        theirs = visit(patient, other_doctor, -3, "15:00", reason="Knee pain")
        record = MedicalRecordFactory(appointment=mine, diagnosis="Tonsillitis")

        content = doctor_client.get(detail(patient)).content.decode()

        assert reverse("appointments:detail", args=[mine.pk]) in content
        assert reverse("appointments:detail", args=[upcoming.pk]) in content
        assert "Sore throat" in content and "Follow-up" in content
        assert reverse("appointments:detail", args=[theirs.pk]) not in content
        assert "Knee pain" not in content
        assert "Tonsillitis" in content
        assert reverse("records:detail", args=[record.pk]) in content

    def test_staff_see_appointments_with_every_doctor(
        self, now, doctor, other_doctor, patient, staff_client
    ):
        visit(patient, doctor, -7, reason="Sore throat")
        visit(patient, other_doctor, -3, reason="Knee pain")

        content = staff_client.get(detail(patient)).content.decode()

        assert "Sore throat" in content and "Knee pain" in content

    def test_another_doctors_patient_is_404_and_writes_no_log_row(
        self, now, other_doctor, patient, doctor_client
    ):
        visit(patient, other_doctor, -7)

        response = doctor_client.get(detail(patient))

        assert response.status_code == 404
        assert not AccessLog.objects.exists()

    def test_a_patient_whose_visit_was_cancelled_is_404(self, now, doctor, patient, doctor_client):
        visit(patient, doctor, 2, status=Status.CANCELLED)

        assert doctor_client.get(detail(patient)).status_code == 404

    def test_a_view_writes_one_access_log_row(self, now, doctor, patient, doctor_client):
        visit(patient, doctor, -7)

        response = doctor_client.get(detail(patient), REMOTE_ADDR="203.0.113.9")

        assert response.status_code == 200
        entry = AccessLog.objects.get()
        assert entry.actor == doctor.user
        assert entry.action == AccessLog.Action.VIEW
        assert entry.target == AccessLog.Target.PATIENT
        assert entry.object_id == patient.pk
        assert entry.patient == patient
        assert entry.ip_address == "203.0.113.9"

    def test_a_staff_view_is_logged_too(self, now, staff, patient, staff_client):
        staff_client.get(detail(patient))

        assert AccessLog.objects.get().actor == staff

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_history(
        self, now, doctor, patient, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            past = visit(patient, doctor, -n - 1, status=Status.FULFILLED)
            MedicalRecordFactory(appointment=past)
            visit(patient, doctor, n + 1)

        # session, user, doctor, patient, log row, appointments, records
        with django_assert_num_queries(7):
            response = doctor_client.get(detail(patient))

        assert response.content.decode().count("status-fulfilled") == count


class TestRegister:
    def test_page_offers_the_form(self, client):
        response = client.get(REGISTER)

        assert response.status_code == 200
        assert "Create your patient account" in response.text
        assert 'name="password2"' in response.text

    def test_creates_an_inactive_patient_and_emails_an_activation_link(
        self, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REGISTER, registration())

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:register_done")
        user = User.objects.get()
        assert user.email == "nia.okafor@example.org"
        assert user.role == User.Role.PATIENT
        assert not user.is_active
        assert (user.first_name, user.last_name, user.phone) == ("Nia", "Okafor", "07700 900123")
        assert user.check_password(STRONG_PASSWORD)
        assert str(Patient.objects.get(user=user).date_of_birth) == "1990-04-02"
        assert logged_in_user_id(client) is None
        assert [m.to for m in mail.outbox] == [["nia.okafor@example.org"]]
        assert "/accounts/activate/" in mail.outbox[0].body

    def test_activation_link_activates_once_and_then_the_patient_logs_in(
        self, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(REGISTER, registration())
        link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]

        response = client.get(link)

        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert User.objects.get().is_active
        assert logged_in_user_id(client) is None
        assert client.get(link).status_code == 400
        client.post(LOGIN, {"username": "nia.okafor@example.org", "password": STRONG_PASSWORD})
        assert logged_in_user_id(client) == str(User.objects.get().pk)

    def test_email_already_registered_looks_the_same_and_changes_nothing(
        self, client, django_capture_on_commit_callbacks
    ):
        UserFactory(email="nia.okafor@example.org", first_name="Old")

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REGISTER, registration(email="NIA.OKAFOR@example.org"))

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:register_done")
        assert User.objects.get().first_name == "Old"
        assert Patient.objects.count() == 0
        assert logged_in_user_id(client) is None
        assert [m.to for m in mail.outbox] == [["nia.okafor@example.org"]]
        assert "You already have an account" in mail.outbox[0].body

    @pytest.mark.parametrize(
        "smuggled",
        [
            {"role": "doctor"},
            {"role": "admin"},
            {"is_staff": "on", "is_superuser": "on", "role": "admin"},
        ],
    )
    def test_cannot_choose_another_role(self, client, smuggled):
        client.post(REGISTER, registration(**smuggled))

        user = User.objects.get()
        assert user.role == User.Role.PATIENT
        assert not user.is_staff
        assert not user.is_superuser
        assert Patient.objects.filter(user=user).exists()

    def test_weak_password_is_refused(self, client):
        response = client.post(REGISTER, registration(password1="12345678", password2="12345678"))

        assert response.status_code == 200
        assert "This password is too common." in response.text
        assert not User.objects.exists()

    def test_logged_in_user_is_sent_to_their_start_page(self, patient_client):
        response = patient_client.get(REGISTER)

        assert response.status_code == 302
        assert response["Location"] == HOME


def test_an_account_deactivated_by_staff_cannot_be_reactivated_by_signing_up_again(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, registration())
    link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body)[1]
    client.get(link)
    User.objects.update(is_active=False)  # staff deactivate the account
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, registration())
    for message in mail.outbox:
        for old_or_new_link in re.findall(
            r"http://testserver(/accounts/activate/\S+)", message.body
        ):
            client.get(old_or_new_link)
    client.get(link)

    assert not User.objects.get().is_active
    assert all("/accounts/activate/" not in message.body for message in mail.outbox)
