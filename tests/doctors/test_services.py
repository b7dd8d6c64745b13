"""A doctor's calendar: weekly hours and time off, and what time off does to bookings."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from appointments.models import Appointment
from doctors.models import TimeOff
from doctors.services import (
    TimeOffConflict,
    add_time_off,
    create_doctor,
    set_working_hours,
    validate_working_hours,
)
from healthcare.core.errors import DomainError, NotVisible
from tests.appointments.factories import AppointmentFactory
from tests.doctors.factories import SpecialtyFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
T = datetime.time.fromisoformat


def at(day, hhmm):
    date = datetime.date(2030, 1, 7) + datetime.timedelta(days=day)
    return datetime.datetime.combine(date, T(hhmm), tzinfo=LONDON)


def test_create_doctor_makes_the_login_and_the_profile_together():
    doctor = create_doctor(
        email="New.Doc@Clinic.example",
        password="a-long-passphrase",
        first_name="Ada",
        last_name="Okafor",
        specialty=SpecialtyFactory(),
        license_number=" GMC-1234 ",
    )

    assert doctor.user.role == User.Role.DOCTOR
    assert doctor.user.email == "new.doc@clinic.example"
    assert doctor.user.check_password("a-long-passphrase")
    assert doctor.license_number == "GMC-1234"


@pytest.mark.parametrize(
    "intervals",
    [
        [(0, T("09:00"), T("12:00")), (0, T("11:30"), T("13:00"))],
        [(2, T("09:00"), T("12:00")), (2, T("09:00"), T("10:00"))],
        [(4, T("12:00"), T("09:00"))],
    ],
    ids=["overlap", "inside", "backwards"],
)
def test_invalid_weekly_hours_are_refused(intervals):
    with pytest.raises(ValidationError):
        validate_working_hours(intervals)


def test_touching_intervals_and_other_days_are_fine():
    validate_working_hours(
        [(0, T("09:00"), T("12:00")), (0, T("12:00"), T("13:00")), (1, T("09:00"), T("17:00"))]
    )


def test_set_working_hours_replaces_the_week_or_changes_nothing(doctor):
    before = list(doctor.working_hours.values_list("weekday", "start_time", "end_time"))

    with pytest.raises(ValidationError):
        set_working_hours(
            doctor=doctor,
            intervals=[(0, T("08:00"), T("10:00")), (0, T("09:00"), T("11:00"))],
        )
    assert list(doctor.working_hours.values_list("weekday", "start_time", "end_time")) == before

    set_working_hours(doctor=doctor, intervals=[(5, T("10:00"), T("14:00"))])
    assert list(doctor.working_hours.values_list("weekday", "start_time", "end_time")) == [
        (5, T("10:00"), T("14:00"))
    ]


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
