"""The time off admin (appointments.admin.TimeOffAdmin): booked visits in a new time off
are listed first and cancelled only once staff confirm."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from doctors.models import TimeOff
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import TimeOffFactory

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def time_off_data(doctor, start, end, **extra):
    return {
        "doctor": doctor.pk,
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M}",
        "reason": "Training course",
        **extra,
    }


def test_time_off_over_booked_appointments_lists_them_and_saves_nothing(staff_client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))

    response = staff_client.post(
        reverse("admin:doctors_timeoff_add"), time_off_data(doctor, at(2, "13:00"), at(2, "17:00"))
    )

    assert response.status_code == 200
    error = response.context["adminform"].form.errors["cancel_appointments"][0]
    assert "1 booked appointment falls in this time off" in error
    assert appointment.patient.user.display_name in error
    assert not TimeOff.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_time_off_cancels_the_listed_appointments_once_confirmed(staff, staff_client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))
    data = time_off_data(doctor, at(2, "13:00"), at(2, "17:00"), cancel_appointments="on")

    listed = staff_client.post(reverse("admin:doctors_timeoff_add"), data)
    confirmed = staff_client.post(
        reverse("admin:doctors_timeoff_add"),
        data | {"confirmed": listed.context["adminform"].form["confirmed"].value()},
        follow=True,
    )

    assert "1 booked appointment falls in this time off" in listed.content.decode()
    assert "Cancelled 1 appointment." in confirmed.content.decode()
    time_off = TimeOff.objects.get()
    assert (time_off.doctor, time_off.start, time_off.end) == (
        doctor,
        at(2, "13:00"),
        at(2, "17:00"),
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == staff
    assert "Training course" in appointment.cancellation_reason


def test_time_off_is_not_confirmed_for_appointments_booked_after_the_list(staff_client, doctor):
    listed = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))
    data = time_off_data(doctor, at(2, "13:00"), at(2, "17:00"), cancel_appointments="on")
    data["confirmed"] = str(listed.pk)
    AppointmentFactory(doctor=doctor, start=at(2, "15:00"))  # booked meanwhile

    response = staff_client.post(reverse("admin:doctors_timeoff_add"), data)

    assert response.status_code == 200
    assert "meanwhile" in response.content.decode()
    assert not TimeOff.objects.exists()
    assert not Appointment.objects.filter(status=Appointment.Status.CANCELLED).exists()


def test_time_off_in_the_past_is_refused(staff_client, doctor):
    response = staff_client.post(
        reverse("admin:doctors_timeoff_add"),
        time_off_data(doctor, at(-4, "09:00"), at(-4, "17:00")),
    )

    assert response.status_code == 200
    assert "already over" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_ending_before_it_starts_is_refused(staff_client, doctor):
    response = staff_client.post(
        reverse("admin:doctors_timeoff_add"), time_off_data(doctor, at(2, "17:00"), at(2, "13:00"))
    )

    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_is_not_edited_but_can_be_deleted(staff_client, doctor):
    time_off = TimeOffFactory(doctor=doctor, start=at(2, "13:00"), end=at(2, "17:00"))
    url = reverse("admin:doctors_timeoff_change", args=[time_off.pk])

    page = staff_client.get(url).content.decode()
    edit = staff_client.post(url, time_off_data(doctor, at(3, "13:00"), at(3, "17:00")))
    delete = staff_client.post(
        reverse("admin:doctors_timeoff_delete", args=[time_off.pk]), {"post": "yes"}
    )

    assert 'name="start_0"' not in page
    assert edit.status_code == 403
    assert delete.status_code == 302
    assert not TimeOff.objects.exists()


def test_time_off_list_shows_local_times(staff_client, doctor):
    TimeOffFactory(doctor=doctor, start=at(2, "13:00"), end=at(2, "17:00"))

    response = staff_client.get(reverse("admin:doctors_timeoff_changelist"))

    assert "Wed 9 Jan 2030, 13:00" in response.content.decode()
