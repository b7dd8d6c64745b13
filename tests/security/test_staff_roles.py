"""Staff roles with least privilege: what each role the clinic ships may do and read,
beyond who reaches which page (tests/test_authorization_matrix.py has that).

Reception keeps patients' contact details and the calendar, without clinical content;
the clinic manager keeps doctors and their calendars; the records officer reads
clinical content, every read logged. Superusers (IT) manage logins. Before this, every
staff member could do and read everything, because being staff was the only check.
"""

import pytest
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from doctors.models import TimeOff
from patients.models import AccessLog, Patient
from tests.accounts.factories import StaffFactory, staff_in
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, login
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


@pytest.fixture
def reception():
    return staff_in("Reception")


@pytest.fixture
def manager():
    return staff_in("Clinic manager")


@pytest.fixture
def records_officer():
    return staff_in("Records officer")


@pytest.fixture
def sick_patient():
    return PatientFactory(
        user__first_name="Amelia",
        user__phone="0161 496 0123",
        blood_type="A+",
        allergies="Penicillin",
        medical_history="Asthma since childhood",
        emergency_contact_name="Tom Clarke",
    )


def patient_admin(patient):
    return reverse("admin:patients_patient_change", args=[patient.pk])


class TestReception:
    def test_sees_a_patients_contact_details_in_the_admin_but_no_medical_details(
        self, now, reception, sick_patient
    ):
        page = login(reception).get(patient_admin(sick_patient)).content.decode()

        assert "0161 496 0123" in page and "Tom Clarke" in page
        for medical in ("Penicillin", "Asthma since childhood", 'name="blood_type"'):
            assert medical not in page
        # The profile was opened (personal data), and that is logged.
        assert AccessLog.objects.get().target == AccessLog.Target.PATIENT

    def test_updates_contact_details_the_login_included_and_leaves_medical_ones(
        self, now, reception, sick_patient
    ):
        response = login(reception).post(
            patient_admin(sick_patient),
            {
                "first_name": "Amelia",
                "last_name": "Clarke-Jones",
                "phone": "0161 496 0999",
                "date_of_birth": "1988-03-14",
                "emergency_contact_name": "Tom Clarke",
                "emergency_contact_phone": "0161 496 0124",
                "allergies": "",  # not on the page: ignored
                "_save": "Save",
            },
        )

        assert response.status_code == 302
        sick_patient.refresh_from_db()
        sick_patient.user.refresh_from_db()
        assert (sick_patient.user.last_name, sick_patient.user.phone) == (
            "Clarke-Jones",
            "+44 161 496 0999",
        )
        assert sick_patient.allergies == "Penicillin"

    def test_registers_a_patient_without_any_right_over_logins(self, now, reception):
        response = login(reception).post(
            reverse("admin:patients_patient_add"),
            {
                "email": "walk.in@example.org",
                "first_name": "Walk",
                "last_name": "In",
                "phone": "",
                "usable_password": "false",
            },
        )

        assert response.status_code == 302
        assert Patient.objects.get().user.email == "walk.in@example.org"
        assert login(reception).get(reverse("admin:accounts_user_changelist")).status_code == 403

    def test_sees_appointments_without_their_reasons_and_leaves_no_clinical_log(
        self, now, reception
    ):
        appointment = AppointmentFactory(start=at(1, "09:00"), reason="Chest pain")
        client = login(reception)

        pages = [
            client.get(reverse("admin:appointments_appointment_changelist")),
            client.get(reverse("admin:appointments_appointment_change", args=[appointment.pk])),
            client.get(reverse("appointments:detail", args=[appointment.pk])),
        ]

        for page in pages:
            assert page.status_code == 200
            assert "Chest pain" not in page.content.decode()
        assert not AccessLog.objects.exists()

    def test_checks_patients_in_from_the_admin(self, now, reception, patient, doctor):
        today = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "10:00"))
        client = login(reception)

        client.post(
            reverse("admin:appointments_appointment_changelist"),
            {"action": "check_in", "_selected_action": [today.pk]},
        )

        today.refresh_from_db()
        assert today.status == Status.CHECKED_IN

    def test_the_api_leaves_medical_details_out_and_refuses_to_change_them(
        self, now, reception, sick_patient
    ):
        client = api_client(reception)
        url = reverse("api:patient-detail", args=[sick_patient.pk])

        shown = client.get(url).json()
        refused = client.patch(url, {"allergies": ""}, format="json")
        allowed = client.patch(url, {"phone": "0161 496 0777"}, format="json")

        assert shown["phone"] == "0161 496 0123"
        assert not {"blood_type", "allergies", "medical_history"} & set(shown)
        assert_error(refused, 403, "permission_denied")
        assert allowed.status_code == 200, allowed.content
        sick_patient.refresh_from_db()
        assert sick_patient.allergies == "Penicillin"

    def test_the_api_shows_appointments_without_reasons(self, now, reception):
        appointment = AppointmentFactory(start=at(1, "09:00"), reason="Chest pain")

        body = api_client(reception).get(reverse("api:appointment-detail", args=[appointment.pk]))

        assert body.status_code == 200
        assert (body.json()["reason"], body.json()["cancellation_reason"]) == (None, None)

    def test_cannot_retire_a_patients_login(self, now, reception, patient):
        response = api_client(reception).delete(reverse("api:patient-detail", args=[patient.pk]))

        assert_error(response, 403, "permission_denied")
        assert User.objects.get(pk=patient.user_id).is_active


class TestClinicManager:
    def test_time_off_cancels_the_visits_the_manager_could_not_cancel_one_by_one(
        self, now, manager, doctor
    ):
        appointment = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))
        client = login(manager)
        by_hand = client.post(
            reverse("appointments:cancel", args=[appointment.pk]), {"reason": "Doctor away"}
        )
        appointment.refresh_from_db()
        assert by_hand.status_code == 302 and appointment.status == Status.BOOKED

        data = {
            "doctor": doctor.pk,
            "start_0": "2030-01-09",
            "start_1": "13:00",
            "end_0": "2030-01-09",
            "end_1": "17:00",
            "reason": "Training course",
            "cancel_appointments": "on",
        }
        listed = client.post(reverse("admin:doctors_timeoff_add"), data)
        client.post(
            reverse("admin:doctors_timeoff_add"),
            data | {"confirmed": listed.context["adminform"].form["confirmed"].value()},
        )

        assert TimeOff.objects.filter(doctor=doctor).exists()
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancelled_by) == (Status.CANCELLED, manager)

    def test_cannot_check_a_patient_in_through_the_api(self, now, manager):
        today = AppointmentFactory(start=at(0, "10:00"))

        response = api_client(manager).patch(
            reverse("api:appointment-status", args=[today.pk]),
            {"status": Status.CHECKED_IN},
            format="json",
        )

        assert_error(response, 403, "permission_denied")
        today.refresh_from_db()
        assert today.status == Status.BOOKED

    def test_sees_no_patient_and_no_clinical_content(self, now, manager, sick_patient):
        client = api_client(manager)

        assert_error(client.get(reverse("api:patient-detail", args=[sick_patient.pk])), 404)
        assert client.get(reverse("api:patient-list")).json()["count"] == 0


class TestRecordsOfficer:
    def test_reads_reasons_and_medical_details_and_each_read_is_logged(
        self, now, records_officer, sick_patient
    ):
        appointment = AppointmentFactory(
            patient=sick_patient, start=at(1, "09:00"), reason="Chest pain"
        )
        client = login(records_officer)

        admin_list = client.get(reverse("admin:appointments_appointment_changelist"))
        page = client.get(reverse("appointments:detail", args=[appointment.pk]))
        profile = client.get(patient_admin(sick_patient))

        assert "Chest pain" in admin_list.content.decode()
        assert "Chest pain" in page.content.decode()
        assert "Penicillin" in profile.content.decode()
        looks = list(AccessLog.objects.order_by("pk").values_list("actor", "target"))
        assert looks == [
            (records_officer.pk, "appointment"),
            (records_officer.pk, "appointment"),
            (records_officer.pk, "patient"),
        ]

    def test_changes_nothing(self, now, records_officer, sick_patient):
        today = AppointmentFactory(patient=sick_patient, start=at(0, "10:00"))
        client = api_client(records_officer)

        checked_in = client.patch(
            reverse("api:appointment-status", args=[today.pk]),
            {"status": Status.CHECKED_IN},
            format="json",
        )
        changed = client.patch(
            reverse("api:patient-detail", args=[sick_patient.pk]), {"phone": "1"}, format="json"
        )

        assert_error(checked_in, 403, "permission_denied")
        assert_error(changed, 403, "permission_denied")


def test_staff_without_a_role_reach_nothing(now, patient):
    nobody = StaffFactory(is_superuser=False)
    appointment = AppointmentFactory(patient=patient, start=at(1, "09:00"))
    client, api = login(nobody), api_client(nobody)

    assert client.get(reverse("appointments:detail", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("patients:list")).status_code == 404
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 403
    assert api.get(reverse("api:appointment-list")).json()["count"] == 0
    assert_error(api.get(reverse("api:patient-detail", args=[patient.pk])), 404)
