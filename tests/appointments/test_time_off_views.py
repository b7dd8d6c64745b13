"""A doctor's own time off, edited in the browser (appointments.views.time_off): booked
visits in it are listed first and cancelled only once the doctor confirms."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from doctors.models import TimeOff
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ, at, login
from tests.doctors.factories import TimeOffFactory
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
TIME_OFF = reverse("doctors:time_off")


def local(moment):
    """A datetime-local input's value."""
    return moment.strftime("%Y-%m-%dT%H:%M")


class TestAccess:
    """Who sees the time-off page is in tests/test_authorization_matrix.py; here, who may
    not remove time off, and that it stays."""

    PAGES = [("post", lambda period: reverse("doctors:time_off_remove", args=[period.pk]))]

    @pytest.mark.parametrize(("method", "page"), PAGES, ids=["remove"])
    def test_anonymous_is_sent_to_log_in(self, client, doctor, method, page):
        period = TimeOffFactory(doctor=doctor, start=at(3, "09:00"), end=at(3, "12:00"))

        response = getattr(client, method)(page(period))

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert TimeOff.objects.filter(pk=period.pk).exists()

    @pytest.mark.parametrize("who", ["patient_client", "staff_client"])
    @pytest.mark.parametrize(("method", "page"), PAGES, ids=["remove"])
    def test_non_doctors_get_404(self, request, doctor, who, method, page):
        period = TimeOffFactory(doctor=doctor, start=at(3, "09:00"), end=at(3, "12:00"))
        client = request.getfixturevalue(who)

        response = getattr(client, method)(page(period))

        assert response.status_code == 404
        assert TimeOff.objects.filter(pk=period.pk).exists()


class TestTimeOff:
    def test_lists_own_upcoming_time_off_only(self, now, doctor, other_doctor, doctor_client):
        TimeOffFactory(doctor=doctor, start=at(3, "09:00"), end=at(3, "17:00"), reason="Course")
        TimeOffFactory(doctor=doctor, start=at(-5, "09:00"), end=at(-5, "17:00"), reason="Past")
        TimeOffFactory(
            doctor=other_doctor, start=at(4, "09:00"), end=at(4, "17:00"), reason="Theirs"
        )

        response = doctor_client.get(TIME_OFF)

        content = response.content.decode()
        assert response.status_code == 200
        assert "Thu 10 Jan 2030, 09:00" in content and "Course" in content
        assert "Past" not in content
        assert "Theirs" not in content

    def test_adds_time_off_in_the_clinic_zone(self, now, doctor, doctor_client):
        response = doctor_client.post(
            TIME_OFF,
            {"start": "2030-07-01T09:00", "end": "2030-07-05T17:00", "reason": "Holiday"},
        )

        assert response.status_code == 302
        period = TimeOff.objects.get(doctor=doctor)
        assert period.start == datetime.datetime(2030, 7, 1, 9, 0, tzinfo=CLINIC_TZ)  # BST
        assert period.end == datetime.datetime(2030, 7, 5, 17, 0, tzinfo=CLINIC_TZ)
        assert period.reason == "Holiday"
        page = doctor_client.get(TIME_OFF)
        assert "Time off added from Mon 1 Jul 2030, 09:00 until Fri 5 Jul 2030, 17:00." in (
            messages_of(page)
        )

    def test_end_before_start_is_a_form_error(self, now, doctor, doctor_client):
        response = doctor_client.post(
            TIME_OFF, {"start": local(at(3, "17:00")), "end": local(at(3, "09:00"))}
        )

        assert response.status_code == 200
        assert "The time off must end after it starts." in response.content.decode()
        assert not TimeOff.objects.exists()

    @pytest.mark.parametrize(
        ("start", "end"),
        [("garbage", "2030-01-10T10:00"), ("2030-02-30T09:00", "2030-03-01T09:00"), ("", "")],
        ids=["garbage", "no-such-day", "empty"],
    )
    def test_bad_dates_are_form_errors(self, now, doctor, doctor_client, start, end):
        response = doctor_client.post(TIME_OFF, {"start": start, "end": end})

        assert response.status_code == 200
        assert response.context["form"].errors["start"]
        assert not TimeOff.objects.exists()

    def test_a_time_that_does_not_exist_in_the_clinic_zone_is_a_form_error(
        self, now, doctor, doctor_client
    ):
        # Clocks go forward at 01:00 on 31 March 2030 in London.
        response = doctor_client.post(
            TIME_OFF, {"start": "2030-03-31T01:30", "end": "2030-03-31T12:00"}
        )

        assert response.status_code == 200
        assert response.context["form"].errors["start"]
        assert not TimeOff.objects.exists()

    def test_over_booked_appointments_lists_them_and_saves_nothing(
        self, now, doctor, doctor_client
    ):
        first = AppointmentFactory(
            doctor=doctor, start=at(3, "09:00"), patient__user__first_name="Amira"
        )
        second = AppointmentFactory(
            doctor=doctor, start=at(3, "14:30"), patient__user__first_name="Boris"
        )
        AppointmentFactory(doctor=doctor, start=at(4, "09:00"))  # outside the time off

        response = doctor_client.post(
            TIME_OFF,
            {"start": local(at(3, "08:00")), "end": local(at(3, "18:00")), "reason": "Sick"},
        )

        assert response.status_code == 200
        content = response.content.decode()
        assert "2 booked appointments fall in this time off" in content
        assert first.patient.user.display_name in content
        assert second.patient.user.display_name in content
        assert "Thu 10 Jan 2030, 09:00" in content and "Thu 10 Jan 2030, 14:30" in content
        assert "Fri 11 Jan 2030" not in content
        assert "Cancel these 2 appointments and add the time off" in content
        assert 'name="confirm" value="1"' in content
        assert not TimeOff.objects.exists()
        assert Appointment.objects.filter(status=Status.BOOKED).count() == 3

    def test_confirming_cancels_them_with_the_reason_patients_see(self, now, doctor, doctor_client):
        patient = PatientFactory()
        hit = AppointmentFactory(doctor=doctor, patient=patient, start=at(3, "09:00"))
        kept = AppointmentFactory(doctor=doctor, start=at(4, "09:00"))
        data = {"start": local(at(3, "08:00")), "end": local(at(3, "18:00")), "reason": "Sick"}
        shown = doctor_client.post(TIME_OFF, data)

        response = doctor_client.post(
            TIME_OFF, data | {"confirm": "1", "appointment_ids": shown.context["conflict_ids"]}
        )

        assert response.status_code == 302
        assert TimeOff.objects.get(doctor=doctor).reason == "Sick"
        hit.refresh_from_db()
        assert hit.status == Status.CANCELLED
        assert hit.cancelled_by == doctor.user
        assert "Sick" in hit.cancellation_reason
        kept.refresh_from_db()
        assert kept.status == Status.BOOKED
        assert "1 appointment was cancelled; the patient sees your reason." in messages_of(
            doctor_client.get(TIME_OFF)
        )
        patient_page = login(patient.user).get(reverse("appointments:detail", args=[hit.pk]))
        assert hit.cancellation_reason in patient_page.content.decode()

    def test_confirming_after_more_were_booked_asks_again(self, now, doctor, doctor_client):
        seen = AppointmentFactory(doctor=doctor, start=at(3, "09:00"))
        data = {"start": local(at(3, "08:00")), "end": local(at(3, "18:00")), "reason": "Sick"}
        shown = doctor_client.post(TIME_OFF, data)
        unseen = AppointmentFactory(doctor=doctor, start=at(3, "15:00"))

        response = doctor_client.post(
            TIME_OFF, data | {"confirm": "1", "appointment_ids": shown.context["conflict_ids"]}
        )

        assert response.status_code == 200
        assert "Cancel these 2 appointments and add the time off" in response.content.decode()
        assert "booked in this time meanwhile" in response.content.decode()
        assert not TimeOff.objects.exists()
        assert {seen.pk, unseen.pk} == set(
            Appointment.objects.filter(status=Status.BOOKED).values_list("pk", flat=True)
        )

    def test_a_started_appointment_cannot_be_cancelled_so_nothing_changes(
        self, now, doctor, doctor_client
    ):
        started = AppointmentFactory(doctor=doctor, start=at(0, "07:30"), status=Status.CHECKED_IN)
        later = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))
        data = {"start": local(at(0, "07:00")), "end": local(at(0, "18:00")), "confirm": "1"}

        response = doctor_client.post(TIME_OFF, data)

        assert response.status_code == 200
        assert "already started or are checked in" in response.content.decode()
        assert not TimeOff.objects.exists()
        started.refresh_from_db()
        later.refresh_from_db()
        assert (started.status, later.status) == (Status.CHECKED_IN, Status.BOOKED)

    def test_remove_own_time_off(self, now, doctor, doctor_client):
        period = TimeOffFactory(doctor=doctor, start=at(3, "09:00"), end=at(3, "17:00"))

        response = doctor_client.post(reverse("doctors:time_off_remove", args=[period.pk]))

        assert response.status_code == 302
        assert response.url == TIME_OFF
        assert not TimeOff.objects.exists()

    def test_another_doctors_time_off_is_404_and_kept(self, now, other_doctor, doctor_client):
        period = TimeOffFactory(doctor=other_doctor, start=at(3, "09:00"), end=at(3, "17:00"))

        response = doctor_client.post(reverse("doctors:time_off_remove", args=[period.pk]))

        assert response.status_code == 404
        assert TimeOff.objects.filter(pk=period.pk).exists()

    def test_removing_needs_a_post(self, now, doctor, doctor_client):
        period = TimeOffFactory(doctor=doctor, start=at(3, "09:00"), end=at(3, "17:00"))

        response = doctor_client.get(reverse("doctors:time_off_remove", args=[period.pk]))

        assert response.status_code == 405
        assert TimeOff.objects.filter(pk=period.pk).exists()
