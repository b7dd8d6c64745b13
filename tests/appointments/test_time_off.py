"""A doctor's time off (appointments.services.add_time_off) and what it does to bookings."""

import datetime

import pytest

from appointments.models import Appointment
from appointments.services import TimeOffConflict, add_time_off
from doctors.models import TimeOff
from healthcare.core.errors import DomainError, NotVisible
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat


class TestTimeOff:
    def test_time_off_without_bookings_is_added(self, now, doctor):
        time_off, cancelled = add_time_off(
            doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"), actor=doctor.user
        )

        assert TimeOff.objects.get() == time_off
        assert cancelled == []

    def test_time_off_over_bookings_lists_them_and_saves_nothing(self, now, doctor):
        booked = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))
        AppointmentFactory(doctor=doctor, start=at(1, "11:00"), status=Appointment.Status.CANCELLED)

        with pytest.raises(TimeOffConflict) as conflict:
            add_time_off(doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"), actor=doctor.user)

        assert conflict.value.appointments == [booked]
        assert "1 booked appointment" in conflict.value.message
        assert not TimeOff.objects.exists()

    def test_confirmed_time_off_cancels_the_bookings_with_the_reason(self, now, doctor):
        booked = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))
        later = AppointmentFactory(doctor=doctor, start=at(3, "10:00"))

        add_time_off(
            doctor=doctor,
            start=at(1, "00:00"),
            end=at(2, "00:00"),
            reason="Training course",
            actor=doctor.user,
            cancel_appointments=True,
        )

        booked.refresh_from_db()
        later.refresh_from_db()
        assert booked.status == Appointment.Status.CANCELLED
        assert booked.cancelled_by == doctor.user
        assert "Training course" in booked.cancellation_reason
        assert later.status == Appointment.Status.BOOKED

    def test_started_or_checked_in_appointments_block_the_time_off(self, now, doctor):
        AppointmentFactory(doctor=doctor, start=at(0, "09:00"), status="checked-in")

        with pytest.raises(TimeOffConflict, match="already started") as conflict:
            add_time_off(
                doctor=doctor,
                start=at(0, "00:00"),
                end=at(1, "00:00"),
                actor=doctor.user,
                cancel_appointments=True,
            )

        assert conflict.value.can_confirm is False
        assert not TimeOff.objects.exists()

    def test_appointments_booked_after_the_confirmation_page_are_not_cancelled(self, now, doctor):
        seen = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))
        unseen = AppointmentFactory(doctor=doctor, start=at(1, "11:00"))

        with pytest.raises(TimeOffConflict, match="meanwhile"):
            add_time_off(
                doctor=doctor,
                start=at(1, "00:00"),
                end=at(2, "00:00"),
                actor=doctor.user,
                cancel_appointments=True,
                confirmed_ids=[seen.pk],
            )

        assert not TimeOff.objects.exists()
        assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}
        assert unseen.pk

    def test_time_off_already_over_is_refused(self, now, doctor):
        with pytest.raises(DomainError, match="already over"):
            add_time_off(
                doctor=doctor, start=at(-2, "00:00"), end=at(-1, "00:00"), actor=doctor.user
            )

    def test_time_off_must_end_after_it_starts(self, now, doctor):
        with pytest.raises(DomainError):
            add_time_off(doctor=doctor, start=at(2, "00:00"), end=at(1, "00:00"), actor=doctor.user)

    def test_another_doctor_cannot_add_time_off(self, now, doctor, other_doctor):
        with pytest.raises(NotVisible):
            add_time_off(
                doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"), actor=other_doctor.user
            )
