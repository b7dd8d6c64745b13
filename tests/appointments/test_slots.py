"""Free-slot search: working hours − time off − appointments − notice, up to the horizon."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.selectors import find_free_slot, free_slots, next_free_slots
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at
from tests.doctors.factories import DoctorFactory, TimeOffFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2030, 1, 7)
TUESDAY = datetime.date(2030, 1, 8)


def times(slots):
    return [slot.start.strftime("%H:%M") for slot in slots]


def test_slots_follow_working_hours_and_slot_length(now, doctor):
    slots = free_slots(doctor, TUESDAY, TUESDAY)

    assert times(slots) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert all(slot.end - slot.start == datetime.timedelta(minutes=30) for slot in slots)


def test_slot_length_comes_from_the_doctor(now):
    doctor = DoctorFactory(slot_minutes=45, working_hours=[(1, "09:00", "11:00")])

    assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["09:00", "09:45"]


def test_no_slots_on_days_without_working_hours(now, doctor):
    saturday = datetime.date(2030, 1, 12)

    assert free_slots(doctor, saturday, saturday + datetime.timedelta(days=1)) == []


def test_minimum_notice_hides_slots_starting_too_soon(now, doctor):
    # It is 08:00 on Monday; with two hours' notice the first bookable slot is 10:00.
    assert times(free_slots(doctor, MONDAY, MONDAY))[0] == "10:00"


def test_the_past_is_never_free(doctor):
    with clock_at(at(MONDAY, "15:10")):
        assert times(free_slots(doctor, MONDAY, MONDAY)) == []
        assert free_slots(doctor, MONDAY - datetime.timedelta(days=7), MONDAY) == []


def test_horizon_ends_the_search(now, doctor, settings):
    settings.CLINIC_BOOKING_HORIZON = datetime.timedelta(days=3)

    slots = free_slots(doctor, MONDAY, MONDAY + datetime.timedelta(days=10))

    # The horizon is Thursday 08:00, before that day's first working hour.
    assert {slot.local_date for slot in slots} == {MONDAY, TUESDAY, datetime.date(2030, 1, 9)}


def test_time_off_removes_overlapping_slots(now, doctor):
    TimeOffFactory(doctor=doctor, start=at(TUESDAY, "10:15"), end=at(TUESDAY, "13:30"))

    assert times(free_slots(doctor, TUESDAY, TUESDAY)) == [
        "09:00", "09:30", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip


def test_booked_appointments_remove_their_slot_but_cancelled_ones_do_not(now, doctor):
    AppointmentFactory(doctor=doctor, start=at(TUESDAY, "09:00"))
    AppointmentFactory(
        doctor=doctor, start=at(TUESDAY, "09:30"), status=Appointment.Status.CANCELLED
    )
    AppointmentFactory(
        doctor=doctor, start=at(TUESDAY, "10:00"), status=Appointment.Status.CHECKED_IN
    )

    assert times(free_slots(doctor, TUESDAY, TUESDAY))[:3] == ["09:30", "10:30", "11:00"]


def test_another_doctors_appointments_do_not_matter(now, doctor, other_doctor):
    AppointmentFactory(doctor=other_doctor, start=at(TUESDAY, "09:00"))

    assert times(free_slots(doctor, TUESDAY, TUESDAY))[0] == "09:00"


def test_rescheduling_search_can_leave_the_moved_appointment_out(now, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(TUESDAY, "09:00"))

    assert "09:00" in times(free_slots(doctor, TUESDAY, TUESDAY, exclude=appointment))


def test_several_intervals_a_day_in_any_order(now):
    doctor = DoctorFactory(working_hours=[(1, "16:00", "17:00"), (1, "08:00", "09:00")])

    assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["08:00", "08:30", "16:00", "16:30"]


def test_inactive_doctor_has_no_slots(now, doctor):
    doctor.user.is_active = False
    doctor.user.save()

    assert free_slots(doctor, TUESDAY, TUESDAY) == []


def test_find_free_slot_matches_exact_starts_only(now, doctor):
    assert find_free_slot(doctor, at(TUESDAY, "09:30")).start == at(TUESDAY, "09:30")
    assert find_free_slot(doctor, at(TUESDAY, "09:15")) is None
    assert find_free_slot(doctor, at(TUESDAY, "12:00")) is None


def test_fourteen_days_cost_four_queries_whatever_the_bookings(now, doctor):
    for day in range(14):
        AppointmentFactory(
            doctor=doctor,
            start=at(MONDAY + datetime.timedelta(days=day), "09:00"),
        )

    with CaptureQueriesContext(connection) as queries:
        slots = next_free_slots(doctor, days=14)

    assert slots
    # Offers, working hours with their sites, the sites' type restrictions, busy time.
    assert len(queries) == 4


class TestDaylightSavingTime:
    """Europe/London moves to BST on 31 March 2030 and back on 27 October 2030."""

    @pytest.fixture
    def every_day_doctor(self):
        return DoctorFactory(
            working_hours=[(day, "09:00", "10:00") for day in range(7)],
        )

    @pytest.mark.parametrize(
        ("today", "before", "after"),
        [
            (datetime.date(2030, 3, 28), "+00:00", "+01:00"),  # spring forward
            (datetime.date(2030, 10, 24), "+01:00", "+00:00"),  # fall back
        ],
    )
    def test_slots_keep_their_wall_clock_time_across_the_change(
        self, every_day_doctor, today, before, after
    ):
        with clock_at(at(today, "07:00")):
            slots = free_slots(every_day_doctor, today, today + datetime.timedelta(days=5))

        by_day = {}
        for slot in slots:
            by_day.setdefault(slot.local_date, []).append(slot)
        assert len(by_day) == 6
        for day_slots in by_day.values():
            assert times(day_slots) == ["09:00", "09:30"]
        offsets = [day_slots[0].start.isoformat()[-6:] for day_slots in by_day.values()]
        assert offsets == [before, before, before, after, after, after]
        # Each slot lasts exactly its length in real time, on either side of the change.
        assert all(s.end - s.start == datetime.timedelta(minutes=30) for s in slots)

    def test_utc_instants_move_by_an_hour_when_the_clocks_change(self, every_day_doctor):
        with clock_at(at(datetime.date(2030, 3, 29), "07:00")):
            saturday, sunday = (
                free_slots(every_day_doctor, day, day)[0]
                for day in (datetime.date(2030, 3, 30), datetime.date(2030, 3, 31))
            )

        assert saturday.start.astimezone(datetime.UTC).hour == 9
        assert sunday.start.astimezone(datetime.UTC).hour == 8

    def test_wall_clock_times_that_do_not_exist_are_skipped(self):
        night_doctor = DoctorFactory(working_hours=[(6, "00:30", "04:00")])  # Sundays
        with clock_at(at(datetime.date(2030, 3, 28), "07:00")):
            slots = free_slots(night_doctor, datetime.date(2030, 3, 31), datetime.date(2030, 3, 31))

        # Clocks jump from 01:00 GMT to 02:00 BST: no slot starts or ends inside the gap.
        assert times(slots) == ["02:00", "02:30", "03:00", "03:30"]
        assert len({slot.start for slot in slots}) == len(slots)
