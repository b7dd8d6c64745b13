"""A reason that does not fit is refused, never cut: the reason for a visit (and for
cancelling it) and the reason for time off, through the services, the API, the pages and
the admin. Each limit is tried at its length and one character over."""

import pytest
from django.urls import reverse

from appointments import services
from appointments.models import Appointment
from appointments.services import add_time_off, book_appointment, cancel_appointment
from doctors.models import TimeOff
from healthcare.core.errors import ReasonTooLong
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db

VISIT_LIMIT = 1000
TIME_OFF_LIMIT = 200
TUESDAY_0930 = at(1, "09:30")
THURSDAY = at(3, "00:00")
FRIDAY = at(4, "00:00")
TIME_OFF = reverse("doctors:time_off")
TIME_OFF_ADMIN = reverse("admin:doctors_timeoff_add")


def reason(length):
    """A reason of exactly `length` characters, its ends marked so a cut would show."""
    return "<" + "x" * (length - 2) + ">"


def assert_refused_on_the_reason_field(error, limit):
    assert error.fields == {"reason": f"Please keep the reason to {limit} characters or fewer."}


def time_off_page_data(text):
    return {
        "start": f"{THURSDAY:%Y-%m-%dT%H:%M}",
        "end": f"{FRIDAY:%Y-%m-%dT%H:%M}",
        "reason": text,
    }


def time_off_admin_data(doctor, text):
    return {
        "doctor": doctor.pk,
        "start_0": f"{THURSDAY:%Y-%m-%d}",
        "start_1": f"{THURSDAY:%H:%M}",
        "end_0": f"{FRIDAY:%Y-%m-%d}",
        "end_1": f"{FRIDAY:%H:%M}",
        "reason": text,
    }


class TestTheReasonForAVisit:
    def book(self, patient, doctor, text):
        return book_appointment(
            patient=patient, doctor=doctor, start=TUESDAY_0930, reason=text, booked_by=patient.user
        )

    def test_the_service_keeps_a_reason_at_the_limit_whole(self, now, patient, doctor):
        appointment = self.book(patient, doctor, reason(VISIT_LIMIT))

        appointment.refresh_from_db()
        assert appointment.reason == reason(VISIT_LIMIT)

    def test_the_service_refuses_a_reason_one_over_on_its_field(self, now, patient, doctor):
        with pytest.raises(ReasonTooLong) as refused:
            self.book(patient, doctor, reason(VISIT_LIMIT + 1))

        assert_refused_on_the_reason_field(refused.value, VISIT_LIMIT)
        assert not Appointment.objects.exists()

    def test_surrounding_spaces_do_not_count(self, now, patient, doctor):
        appointment = self.book(patient, doctor, f"  {reason(VISIT_LIMIT)}\n")

        assert appointment.reason == reason(VISIT_LIMIT)

    @pytest.mark.parametrize(
        ("length", "status"), [(VISIT_LIMIT, 201), (VISIT_LIMIT + 1, 400)], ids=["at", "over"]
    )
    def test_the_api(self, now, patient, doctor, length, status):
        response = api_client(patient.user).post(
            reverse("api:appointment-list"),
            {"doctor": doctor.pk, "start": TUESDAY_0930.isoformat(), "reason": reason(length)},
            format="json",
        )

        if status == 201:
            assert response.status_code == 201, response.content
            assert Appointment.objects.get().reason == reason(length)
        else:
            assert_error(response, 400, "invalid", fields=["reason"])
            assert not Appointment.objects.exists()

    @pytest.mark.parametrize("length", [VISIT_LIMIT, VISIT_LIMIT + 1], ids=["at", "over"])
    def test_the_booking_page(self, now, patient_client, doctor, length):
        response = patient_client.post(
            reverse("appointments:book_confirm", args=[doctor.pk]),
            {"start": TUESDAY_0930.isoformat(), "reason": reason(length)},
        )

        if length == VISIT_LIMIT:
            assert response.status_code == 302
            assert Appointment.objects.get().reason == reason(length)
        else:
            assert response.status_code == 200
            assert response.context["form"].errors["reason"]
            assert not Appointment.objects.exists()

    def test_a_cancellation_reason_one_over_is_refused_and_the_visit_stays_booked(
        self, now, patient, doctor
    ):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=TUESDAY_0930)

        with pytest.raises(ReasonTooLong) as refused:
            cancel_appointment(
                appointment=appointment, actor=doctor.user, reason=reason(VISIT_LIMIT + 1)
            )

        assert_refused_on_the_reason_field(refused.value, VISIT_LIMIT)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED


class TestTheReasonForTimeOff:
    def add(self, doctor, text):
        return add_time_off(
            doctor=doctor, start=THURSDAY, end=FRIDAY, reason=text, actor=doctor.user
        )

    def test_the_service_keeps_a_reason_at_the_limit_whole(self, now, doctor):
        self.add(doctor, reason(TIME_OFF_LIMIT))

        assert TimeOff.objects.get().reason == reason(TIME_OFF_LIMIT)

    def test_the_service_refuses_a_reason_one_over_and_saves_nothing(self, now, doctor):
        booked = AppointmentFactory(doctor=doctor, start=at(3, "09:00"))

        with pytest.raises(ReasonTooLong) as refused:
            add_time_off(
                doctor=doctor,
                start=THURSDAY,
                end=FRIDAY,
                reason=reason(TIME_OFF_LIMIT + 1),
                actor=doctor.user,
                cancel_appointments=True,
            )

        assert_refused_on_the_reason_field(refused.value, TIME_OFF_LIMIT)
        assert not TimeOff.objects.exists()
        booked.refresh_from_db()
        assert booked.status == Appointment.Status.BOOKED

    @pytest.mark.parametrize("length", [TIME_OFF_LIMIT, TIME_OFF_LIMIT + 1], ids=["at", "over"])
    def test_the_doctors_page(self, now, doctor, doctor_client, length):
        response = doctor_client.post(TIME_OFF, time_off_page_data(reason(length)))

        if length == TIME_OFF_LIMIT:
            assert response.status_code == 302
            assert TimeOff.objects.get().reason == reason(length)
        else:
            assert response.status_code == 200
            assert response.context["form"].errors["reason"]
            assert not TimeOff.objects.exists()

    @pytest.mark.parametrize("length", [TIME_OFF_LIMIT, TIME_OFF_LIMIT + 1], ids=["at", "over"])
    def test_the_admin(self, now, doctor, staff_client, length):
        response = staff_client.post(TIME_OFF_ADMIN, time_off_admin_data(doctor, reason(length)))

        if length == TIME_OFF_LIMIT:
            assert response.status_code == 302
            assert TimeOff.objects.get().reason == reason(length)
        else:
            assert response.status_code == 200
            assert response.context["adminform"].form.errors["reason"]
            assert not TimeOff.objects.exists()

    def test_the_services_refusal_shows_on_the_pages_reason_field(
        self, now, doctor, doctor_client, monkeypatch
    ):
        # Should the form ever allow more than the service keeps, the page still says why.
        monkeypatch.setattr(services, "TIME_OFF_REASON_MAX_LENGTH", 10)

        response = doctor_client.post(TIME_OFF, time_off_page_data(reason(11)))

        assert response.status_code == 200
        assert response.context["form"].errors["reason"] == [
            "Please keep the reason to 10 characters or fewer."
        ]
        assert not response.context["form"].non_field_errors()
        assert not TimeOff.objects.exists()
