"""The patient admin (patients added with their login, the list) and the access log."""

import pytest
from django.urls import reverse

from accounts.models import User
from patients.models import AccessLog, Patient
from tests.conftest import at
from tests.patients.factories import PatientFactory
from tests.records.factories import record_at

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PATIENTS = "admin:patients_patient_changelist"
ADD_PATIENT = "admin:patients_patient_add"


def record_change_url(record):
    return reverse("admin:records_medicalrecord_change", args=[record.pk])


def patient_change_url(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


def add_patient_data(**overrides):
    return {
        "email": "Rosa.Lind@Example.org",
        "first_name": "Rosa",
        "last_name": "Lind",
        "phone": "0161 496 0111",
        "usable_password": "true",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        **overrides,
    }


def test_adding_a_patient_creates_the_login_and_the_patient_record(staff_client):
    response = staff_client.post(reverse(ADD_PATIENT), add_patient_data())

    user = User.objects.get(email="rosa.lind@example.org")
    assert response.status_code == 302
    assert response.url == patient_change_url(user.patient)
    assert user.role == User.Role.PATIENT
    assert not user.is_staff
    assert user.check_password("a-long-and-unusual-passphrase")
    assert Patient.objects.filter(user=user).exists()


def test_adding_a_patient_without_a_password_leaves_it_unusable(staff_client):
    data = add_patient_data(usable_password="false", password1="", password2="")

    staff_client.post(reverse(ADD_PATIENT), data)

    user = User.objects.get(email="rosa.lind@example.org")
    assert not user.has_usable_password()
    assert Patient.objects.filter(user=user).exists()


def test_patient_changelist_shows_name_email_birth_date_and_no_medical_details(staff_client):
    patient = PatientFactory(user__first_name="Amelia", user__last_name="Clarke")

    response = staff_client.get(reverse(PATIENTS))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("Name", "Email address", "Date of birth"):
        assert heading in page
    assert "Amelia Clarke" in page
    assert patient.user.email in page
    assert "Blood type" not in page  # clinical content: on the (logged) patient page only


@pytest.mark.parametrize("rows", [2, 10])
def test_patient_changelist_query_count_does_not_grow_with_rows(
    staff_client, rows, django_assert_num_queries
):
    PatientFactory.create_batch(rows)

    with django_assert_num_queries(5):
        response = staff_client.get(reverse(PATIENTS))

    assert len(response.context["cl"].result_list) == rows


def test_patient_changelist_searches_by_email(staff_client):
    wanted = PatientFactory()
    PatientFactory()

    response = staff_client.get(reverse(PATIENTS), {"q": wanted.user.email})

    assert list(response.context["cl"].result_list) == [wanted]


def test_patient_change_page_links_to_booking(staff_client, patient):
    response = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{reverse('admin:appointments_appointment_add')}?patient={patient.pk}" in page
    assert 'name="blood_type"' in page


def test_add_patient_page_asks_for_the_login(staff_client):
    response = staff_client.get(reverse(ADD_PATIENT))

    page = response.content.decode()
    assert response.status_code == 200
    for field in ("email", "first_name", "last_name", "phone", "password1"):
        assert f'name="{field}"' in page


def test_adding_a_patient_with_a_taken_email_in_other_case_is_refused(staff_client, patient):
    email = patient.user.email.upper()

    response = staff_client.post(reverse(ADD_PATIENT), add_patient_data(email=email))

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=patient.user.email).count() == 1


def patient_data(**overrides):
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "",
        "date_of_birth": "1985-06-15",
        "blood_type": "A+",
        "allergies": "Penicillin",
        "medical_history": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "_save": "Save",
        **overrides,
    }


def test_opening_a_patient_is_written_to_the_access_log(staff, staff_client, patient):
    staff_client.get(patient_change_url(patient))

    entry = AccessLog.objects.get()
    assert (entry.actor, entry.action, entry.target) == (staff, "view", "patient")
    assert entry.patient == patient


def test_changing_a_patient_saves_and_is_written_to_the_access_log(staff, staff_client, patient):
    response = staff_client.post(patient_change_url(patient), patient_data())

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.blood_type, patient.allergies) == ("A+", "Penicillin")
    assert list(AccessLog.objects.values_list("action", flat=True)) == ["update"]


def test_a_date_of_birth_in_the_future_is_refused(staff_client, patient):
    response = staff_client.post(
        patient_change_url(patient), patient_data(date_of_birth="2031-01-01")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_of_birth"]
    patient.refresh_from_db()
    assert patient.date_of_birth.year == 1985


def test_patients_are_deleted_with_their_login_not_on_their_own(staff_client, patient):
    response = staff_client.post(
        reverse("admin:patients_patient_delete", args=[patient.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_access_log_lists_who_saw_whose_data_and_cannot_be_changed(staff, staff_client):
    record = record_at(at(-3, "10:00"))
    staff_client.get(record_change_url(record))
    entry = AccessLog.objects.get()

    changelist = staff_client.get(reverse("admin:patients_accesslog_changelist"))
    change = staff_client.post(
        reverse("admin:patients_accesslog_change", args=[entry.pk]), {"action": "amend"}
    )

    page = changelist.content.decode()
    assert changelist.status_code == 200
    assert staff.email in page
    assert record.patient.user.display_name in page
    assert "Viewed" in page
    assert change.status_code == 403
    assert reverse("admin:patients_accesslog_add") not in page
