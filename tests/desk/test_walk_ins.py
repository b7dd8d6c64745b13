"""A walk-in or phone patient gets a record without an online account (no password,
perhaps no email address), is booked at once, and may later claim the account by an
emailed single-use link, keeping every visit."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from patients.models import Patient
from tests.accounts.factories import PASSWORD, StaffFactory, staff_in
from tests.api_support import api_client
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import at, clock_at, login
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
CLAIM_LINK = r"http://testserver(/accounts/claim/\S+/\S+/)"
NEW_PASSWORD = "a-new-and-long-passphrase-2030"


@pytest.fixture
def desk(now):
    return login(staff_in("Reception"))


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def register(client, **data):
    fields = {"first_name": "Walter", "last_name": "Inman", "phone": "07700 900777", **data}
    return client.post(reverse("desk:walk_in"), fields)


def test_a_phone_caller_is_registered_without_email_or_password(desk):
    response = register(desk)

    patient = Patient.objects.get(user__last_name="Inman")
    assert response.status_code == 302
    assert response.url == reverse("desk:book", args=[patient.pk])
    assert patient.user.email is None
    assert not patient.user.has_usable_password()
    assert patient.user.is_active and patient.user.is_patient


def test_two_patients_without_email_do_not_collide(desk):
    register(desk)
    register(desk, first_name="Wendy", phone="07700 900888")

    assert Patient.objects.filter(user__email__isnull=True).count() == 2


def test_a_walk_in_needs_something_to_tell_them_apart(desk):
    response = register(desk, phone="")

    assert response.status_code == 200
    assert "Give a phone number, an email address or a date of birth" in response.content.decode()
    assert not Patient.objects.exists()


def test_an_address_already_in_use_is_refused_on_its_field(desk):
    PatientFactory(user__email="taken@example.org")

    response = register(desk, email="Taken@Example.org")

    assert response.status_code == 200
    assert "A user with this email address already exists." in response.content.decode()
    assert Patient.objects.count() == 1


def test_a_walk_in_cannot_log_in(desk):
    register(desk, email="walter@example.org")

    assert not Client().login(email="walter@example.org", password="")


def test_a_walk_in_is_booked_and_only_the_doctor_is_emailed_when_there_is_no_address(desk):
    register(desk)
    patient = Patient.objects.get()
    doctor = DoctorFactory()

    response = desk.post(
        reverse("desk:book", args=[patient.pk]) + f"?doctor={doctor.pk}&day=2030-01-08",
        {"start": at(1, "09:00").isoformat()},
    )
    run_worker()

    assert response.status_code == 302
    assert Appointment.objects.get().patient == patient
    assert [message.to for message in mail.outbox] == [[doctor.user.email]]


def test_walk_in_later_claims_the_online_account_with_their_history_intact(desk):
    register(desk)
    patient = Patient.objects.get()
    doctor = DoctorFactory()
    past = visit(patient, doctor, -7, "09:00", status=Appointment.Status.FULFILLED)
    upcoming = visit(patient, doctor, 3, "10:00")

    response = desk.post(reverse("desk:invite", args=[patient.pk]), {"email": "Walter@Example.org"})
    assert response.status_code == 302
    run_worker()

    (invitation,) = mail.outbox
    assert invitation.to == ["walter@example.org"]
    link = re.search(CLAIM_LINK, invitation.body).group(1)
    stranger = Client()
    assert stranger.get(link).status_code == 200  # opening it changes nothing
    claimed = stranger.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert claimed.status_code == 302 and claimed.url == reverse("accounts:login")

    user = User.objects.get(email="walter@example.org")
    assert user.pk == patient.user_id and user.has_usable_password() and user.email_confirmed
    patient_client = Client()
    assert patient_client.login(email="walter@example.org", password=NEW_PASSWORD)
    mine = patient_client.get(reverse("appointments:mine")).content.decode()
    assert upcoming.doctor.user.last_name in mine
    assert set(Appointment.objects.filter(patient__user=user)) == {past, upcoming}
    # The link worked once.
    again = Client().post(
        link, {"new_password1": "x" + NEW_PASSWORD, "new_password2": "x" + NEW_PASSWORD}
    )
    assert again.status_code == 400
    assert Client().login(email="walter@example.org", password=NEW_PASSWORD)


def test_an_invitation_sent_before_the_address_changed_stops_working(desk):
    register(desk, email="old@example.org")
    patient = Patient.objects.get()
    desk.post(reverse("desk:invite", args=[patient.pk]), {"email": "old@example.org"})
    run_worker()
    link = re.search(CLAIM_LINK, mail.outbox[0].body).group(1)

    desk.post(reverse("desk:invite", args=[patient.pk]), {"email": "new@example.org"})

    assert Client().get(link).status_code == 400


def test_the_claim_link_expires(desk, settings):
    register(desk, email="walter@example.org")
    patient = Patient.objects.get()
    desk.post(reverse("desk:invite", args=[patient.pk]), {"email": "walter@example.org"})
    run_worker()
    link = re.search(CLAIM_LINK, mail.outbox[0].body).group(1)

    expired = at(0, "08:00") + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    with clock_at(expired):
        assert Client().get(link).status_code == 400


def test_an_online_account_is_not_invited_again(desk):
    patient = PatientFactory(user__email="ann@example.org")

    response = desk.post(reverse("desk:invite", args=[patient.pk]), {"email": "ann@example.org"})

    assert response.status_code == 400
    assert mail.outbox == []
    assert Client().login(email="ann@example.org", password=PASSWORD)


def test_a_patient_without_an_address_reads_everywhere_without_a_500(desk, now):
    register(desk)
    patient = Patient.objects.get()
    appointment = visit(patient, DoctorFactory(), 1, "09:00")
    it = login(StaffFactory())

    ics = it.get(reverse("appointments:ics", args=[appointment.pk]))
    export = it.get(reverse("patients:export", args=[patient.pk]))
    api = api_client(StaffFactory()).get(f"/api/patients/{patient.pk}")

    assert ics.status_code == 200 and b"mailto:None" not in ics.content
    assert export.status_code == 200
    assert api.status_code == 200 and api.json()["email"] is None
    assert str(patient.user) == "Walter Inman"
