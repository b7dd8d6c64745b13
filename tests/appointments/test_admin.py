import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.accounts.factories import clerk
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, login

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


CHANGELIST = "admin:appointments_appointment_changelist"
ADD = "admin:appointments_appointment_add"
Status = Appointment.Status


def user_change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def change_url(appointment):
    return reverse("admin:appointments_appointment_change", args=[appointment.pk])


def add_data(patient, doctor, start, reason="Persistent cough"):
    return {
        "patient": patient.pk,
        "doctor": doctor.pk,
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M"),
        "reason": reason,
    }


def test_changelist_shows_local_time_patient_doctor_status_and_reason(staff_client):
    appointment = AppointmentFactory(start=at(1, "09:30"), reason="Knee pain after running")

    response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("When", "Patient", "Doctor", "Specialty", "Status", "Reason"):
        assert heading in page
    assert "Tue 8 Jan 2030, 09:30" in page
    assert appointment.patient.user.display_name in page
    assert f"Dr {appointment.doctor.user.display_name}" in page
    assert "Knee pain after running" in page
    assert "Booked" in page


@pytest.mark.parametrize("rows", [2, 10])
def test_changelist_query_count_does_not_grow_with_rows(
    staff_client, rows, django_assert_num_queries
):
    for i in range(rows):
        AppointmentFactory(start=at(1, "09:00") + datetime.timedelta(hours=i))

    # Two of them list the visit types and sites to filter by; the last writes the
    # access-log rows of the reasons shown.
    with django_assert_num_queries(12):
        response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


def test_changelist_searches_by_patient_email_and_filters_by_status(staff_client):
    wanted = AppointmentFactory(start=at(1, "09:00"), status=Status.BOOKED)
    AppointmentFactory(start=at(1, "10:00"))
    AppointmentFactory(patient=wanted.patient, start=at(2, "09:00"), status=Status.CANCELLED)

    response = staff_client.get(
        reverse(CHANGELIST), {"q": wanted.patient.user.email, "status__exact": Status.BOOKED}
    )

    assert list(response.context["cl"].result_list) == [wanted]


def test_changelist_filters_by_doctor(staff_client, doctor):
    wanted = AppointmentFactory(doctor=doctor, start=at(1, "09:00"))
    AppointmentFactory(start=at(1, "09:00"))

    response = staff_client.get(reverse(CHANGELIST), {"doctor": doctor.pk})

    assert list(response.context["cl"].result_list) == [wanted]


def test_staff_add_an_appointment_through_the_booking_service(staff, staff_client, patient, doctor):
    response = staff_client.post(reverse(ADD), add_data(patient, doctor, at(1, "10:00")))

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.doctor) == (patient, doctor)
    assert appointment.start == at(1, "10:00")
    assert appointment.end == at(1, "10:30")
    assert appointment.status == Status.BOOKED
    assert appointment.booked_by == staff
    assert appointment.reason == "Persistent cough"


def test_add_page_prefills_patient_and_doctor_from_the_address(staff_client, patient, doctor):
    response = staff_client.get(reverse(ADD), {"patient": patient.pk, "doctor": doctor.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<option value="{patient.pk}" selected>{patient.user.display_name}</option>' in page
    assert f'<option value="{doctor.pk}" selected>Dr {doctor.user.display_name}</option>' in page


def test_adding_an_appointment_overlapping_another_is_refused_with_a_form_error(
    staff_client, patient, other_patient, doctor
):
    AppointmentFactory(patient=other_patient, doctor=doctor, start=at(1, "10:00"))

    response = staff_client.post(reverse(ADD), add_data(patient, doctor, at(1, "10:00")))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "That time is no longer available" in errors["start"][0]
    assert "10:30" in errors["start"][0]  # the free times that day, to pick from
    assert Appointment.objects.count() == 1


def test_adding_an_appointment_outside_working_hours_is_refused(staff_client, patient, doctor):
    response = staff_client.post(reverse(ADD), add_data(patient, doctor, at(1, "18:00")))

    assert response.status_code == 200
    assert "That time is no longer available" in response.content.decode()
    assert not Appointment.objects.exists()


def test_adding_an_appointment_when_the_patient_is_busy_is_refused(
    staff_client, patient, doctor, other_doctor
):
    AppointmentFactory(patient=patient, doctor=other_doctor, start=at(1, "10:00"))

    response = staff_client.post(reverse(ADD), add_data(patient, doctor, at(1, "10:00")))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"]
    assert Appointment.objects.count() == 1


def test_adding_an_appointment_for_an_inactive_patient_is_refused(staff_client, patient, doctor):
    patient.user.is_active = False
    patient.user.save()

    response = staff_client.post(reverse(ADD), add_data(patient, doctor, at(1, "10:00")))

    assert response.status_code == 200
    assert "not active" in response.context["adminform"].form.errors["patient"][0]
    assert not Appointment.objects.exists()


def test_add_page_with_a_bad_time_shows_a_form_error(staff_client, patient, doctor):
    data = add_data(patient, doctor, at(1, "10:00")) | {"start_1": "25:99"}

    response = staff_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"]
    assert not Appointment.objects.exists()


def test_change_page_shows_status_read_only_and_the_time_editable(staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))

    response = staff_client.get(change_url(appointment))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="start_0"' in page
    assert 'name="status"' not in page
    assert 'name="reason"' not in page


def test_changing_the_time_reschedules_through_the_service(staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))

    response = staff_client.post(
        change_url(appointment),
        {"start_0": "2030-01-08", "start_1": "11:00", "_save": "Save"},
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (at(1, "11:00"), at(1, "11:30"))
    assert appointment.sequence == 1


def test_changing_the_time_to_a_taken_slot_is_refused(staff_client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))
    AppointmentFactory(doctor=doctor, start=at(1, "11:00"))

    response = staff_client.post(
        change_url(appointment),
        {"start_0": "2030-01-08", "start_1": "11:00", "_save": "Save"},
    )

    assert response.status_code == 200
    assert (
        "That time is no longer available" in response.context["adminform"].form.errors["start"][0]
    )
    appointment.refresh_from_db()
    assert appointment.start == at(1, "10:00")


def test_a_closed_appointment_has_nothing_to_save(staff_client):
    appointment = AppointmentFactory(start=at(-3, "10:00"), status=Status.FULFILLED)

    response = staff_client.get(change_url(appointment))

    page = response.content.decode()
    assert 'name="start_0"' not in page
    assert 'name="_save"' not in page


def cancel_action(appointments, **extra):
    return {
        "action": "cancel_selected",
        "_selected_action": [appointment.pk for appointment in appointments],
        **extra,
    }


def test_cancel_action_asks_for_a_reason_first(staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))

    response = staff_client.post(reverse(CHANGELIST), cancel_action([appointment], index=0))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<textarea name="reason"' in page
    assert "Cancel the appointments" in page
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_cancel_action_without_a_reason_cancels_nothing(staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))

    response = staff_client.post(
        reverse(CHANGELIST), cancel_action([appointment], post="yes", reason="  ")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_cancel_action_cancels_through_the_service_and_reports(staff, staff_client):
    appointments = [
        AppointmentFactory(start=at(1, "10:00")),
        AppointmentFactory(start=at(2, "10:00")),
    ]

    response = staff_client.post(
        reverse(CHANGELIST),
        cancel_action(appointments, post="yes", reason="Doctor called in sick"),
        follow=True,
    )

    assert "Cancelled 2 appointments." in response.content.decode()
    for appointment in appointments:
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == staff
        assert appointment.cancellation_reason == "Doctor called in sick"


def test_cancel_action_reports_the_appointments_it_could_not_cancel(staff_client):
    booked = AppointmentFactory(start=at(1, "10:00"))
    fulfilled = AppointmentFactory(start=at(-3, "10:00"), status=Status.FULFILLED)

    response = staff_client.post(
        reverse(CHANGELIST),
        cancel_action([booked, fulfilled], post="yes", reason="Clinic closed"),
        follow=True,
    )

    page = response.content.decode()
    assert "Cancelled 1 appointment." in page
    assert "Not cancelled:" in page
    fulfilled.refresh_from_db()
    assert fulfilled.status == Status.FULFILLED


def test_cancel_from_the_change_page_asks_for_a_reason_then_cancels(staff, staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))
    data = {"CHANGE_FORM-action": "cancel_selected", "_selected_action": appointment.pk}

    asked = staff_client.post(change_url(appointment), data)
    done = staff_client.post(change_url(appointment), data | {"post": "yes", "reason": "Moved"})

    assert '<textarea name="reason"' in asked.content.decode()
    assert done.status_code == 302
    assert done.url == change_url(appointment)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == (Status.CANCELLED, staff)


def test_check_in_action_moves_todays_appointment_to_checked_in(staff_client):
    appointment = AppointmentFactory(start=at(0, "10:00"))

    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "check_in", "_selected_action": [appointment.pk], "index": 0},
        follow=True,
    )

    assert "Checked in 1 appointment." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN


def test_no_show_before_the_start_is_refused_with_a_message(staff_client):
    appointment = AppointmentFactory(start=at(1, "10:00"))

    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "mark_noshow", "_selected_action": [appointment.pk], "index": 0},
        follow=True,
    )

    assert "A no-show can only be recorded after the start time." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_staff_who_are_not_superusers_cannot_delete_appointments():
    appointment = AppointmentFactory(start=at(1, "10:00"))
    client = login(
        clerk("view_appointment", "change_appointment", "add_appointment", "delete_appointment")
    )

    changelist = client.get(reverse(CHANGELIST))
    delete = client.post(
        reverse("admin:appointments_appointment_delete", args=[appointment.pk]), {"post": "yes"}
    )

    assert "delete_selected" not in changelist.content.decode()
    assert delete.status_code == 403
    assert Appointment.objects.filter(pk=appointment.pk).exists()


def test_staff_can_book_without_superuser_rights(patient, doctor):
    client = login(clerk("view_appointment", "add_appointment", "view_patient", "view_doctor"))

    response = client.post(reverse(ADD), add_data(patient, doctor, at(1, "10:00")))

    assert response.status_code == 302
    assert Appointment.objects.get().status == Status.BOOKED


def test_patient_and_doctor_are_found_by_autocomplete(staff_client, patient):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "term": patient.user.last_name,
            "app_label": "appointments",
            "model_name": "appointment",
            "field_name": "patient",
        },
    )

    assert response.status_code == 200
    assert {"id": str(patient.pk), "text": patient.user.display_name} in response.json()["results"]


def test_unticking_active_retires_a_doctor_as_the_api_does(now, staff_client, doctor, patient):
    upcoming = AppointmentFactory(
        patient=patient, doctor=doctor, start=now + datetime.timedelta(days=1)
    )
    user = doctor.user

    response = staff_client.post(
        user_change_url(user),
        {
            "email": user.email,
            "first_name": "Renamed",
            "last_name": user.last_name,
            "phone": user.phone,
            "_save": "Save",
        },  # "is_active" left out: unticked
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert user.first_name == "Renamed"  # the rest of the form saved too
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CANCELLED
    assert "no longer sees patients" in upcoming.cancellation_reason
