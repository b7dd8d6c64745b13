"""The booking, rescheduling and status rules, as every caller (HTML, admin, API) gets them."""

import datetime

import pytest

from appointments.models import Appointment
from appointments.selectors import free_slots
from appointments.services import (
    CutoffPassed,
    InvalidTransition,
    NotAcceptingPatients,
    ReasonRequired,
    SlotUnavailable,
    allowed_transitions,
    book_appointment,
    can_reschedule,
    cancel_appointment,
    change_status,
    reschedule_appointment,
)
from healthcare.core.errors import DomainError, NotVisible
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at
from tests.doctors.factories import DoctorFactory, TimeOffFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def book(patient, doctor, start, **kwargs):
    kwargs.setdefault("booked_by", patient.user)
    return book_appointment(patient=patient, doctor=doctor, start=start, **kwargs)


class TestBooking:
    def test_patient_books_a_free_slot(self, now, patient, doctor):
        appointment = book(patient, doctor, at(1, "09:30"), reason="Persistent cough")

        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED
        assert appointment.start == at(1, "09:30")
        assert appointment.end == at(1, "10:00")
        assert appointment.reason == "Persistent cough"
        assert appointment.booked_by == patient.user

    def test_the_end_follows_from_the_doctors_slot_length(self, now, patient):
        doctor = DoctorFactory(slot_minutes=20, working_hours=[(1, "09:00", "10:00")])

        appointment = book(patient, doctor, at(1, "09:20"))

        assert appointment.end - appointment.start == datetime.timedelta(minutes=20)

    def test_booked_slot_is_no_longer_free(self, now, patient, other_patient, doctor):
        book(patient, doctor, at(1, "09:30"))

        with pytest.raises(SlotUnavailable) as error:
            book(other_patient, doctor, at(1, "09:30"))

        assert error.value.code == "slot_unavailable"
        assert Appointment.objects.count() == 1

    @pytest.mark.parametrize(
        "start",
        [
            at(1, "12:00"),  # lunch break
            at(5, "10:00"),  # Saturday
            at(0, "09:00"),  # inside the two hours' notice (it is 08:00)
            at(-7, "10:00"),  # the past
            at(70, "10:00"),  # beyond the 60-day horizon
        ],
        ids=["lunch", "weekend", "notice", "past", "horizon"],
    )
    def test_only_free_slots_can_be_booked(self, now, patient, doctor, start):
        with pytest.raises(SlotUnavailable):
            book(patient, doctor, start)

        assert not Appointment.objects.exists()

    def test_time_off_cannot_be_booked(self, now, patient, doctor):
        TimeOffFactory(doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"))

        with pytest.raises(SlotUnavailable):
            book(patient, doctor, at(1, "10:00"))

    def test_patient_cannot_hold_two_overlapping_appointments(self, now, patient, doctor):
        other = DoctorFactory(slot_minutes=60)
        book(patient, other, at(1, "09:00"))

        with pytest.raises(SlotUnavailable, match="already have an appointment"):
            book(patient, doctor, at(1, "09:30"))

        assert Appointment.objects.filter(patient=patient).count() == 1

    def test_a_cancelled_appointment_frees_its_slot(self, now, patient, other_patient, doctor):
        first = book(patient, doctor, at(2, "10:00"))
        cancel_appointment(appointment=first, actor=patient.user)

        second = book(other_patient, doctor, at(2, "10:00"))

        assert second.status == Status.BOOKED

    def test_doctor_not_accepting_new_patients_refuses_newcomers(self, now, patient, doctor):
        doctor.accepting_new_patients = False
        doctor.save()

        with pytest.raises(NotAcceptingPatients):
            book(patient, doctor, at(1, "09:00"))

    def test_doctor_not_accepting_new_patients_still_sees_returning_ones(
        self, now, patient, doctor
    ):
        AppointmentFactory(
            patient=patient, doctor=doctor, start=at(-14, "09:00"), status=Status.FULFILLED
        )
        doctor.accepting_new_patients = False
        doctor.save()

        assert book(patient, doctor, at(1, "09:00")).pk

    def test_patient_cannot_book_for_someone_else(self, now, patient, other_patient, doctor):
        with pytest.raises(NotVisible):
            book(other_patient, doctor, at(1, "09:00"), booked_by=patient.user)

    def test_doctor_cannot_book_for_a_patient(self, now, patient, doctor):
        with pytest.raises(NotVisible):
            book(patient, doctor, at(1, "09:00"), booked_by=doctor.user)

    def test_staff_books_for_a_patient_under_the_same_rules(self, now, patient, doctor, staff):
        appointment = book(patient, doctor, at(1, "09:00"), booked_by=staff)
        assert appointment.booked_by == staff

        with pytest.raises(SlotUnavailable):
            book(patient, doctor, at(1, "12:00"), booked_by=staff)

    def test_overlong_reason_is_refused(self, now, patient, doctor):
        with pytest.raises(DomainError):
            book(patient, doctor, at(1, "09:00"), reason="x" * 1001)

        assert not Appointment.objects.exists()


class TestCancelling:
    def test_patient_cancels_before_the_cutoff(self, now, patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))

        cancel_appointment(appointment=appointment, actor=patient.user, reason="Feeling better")

        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == patient.user
        assert appointment.cancellation_reason == "Feeling better"
        assert appointment.cancelled_at == now

    def test_patient_cannot_cancel_inside_cutoff(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "16:00"))

        with pytest.raises(CutoffPassed, match="24 hours"):
            cancel_appointment(appointment=appointment, actor=patient.user)

        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_doctor_cancels_inside_cutoff_with_a_reason(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "16:00"))

        with pytest.raises(ReasonRequired):
            cancel_appointment(appointment=appointment, actor=doctor.user)
        cancel_appointment(appointment=appointment, actor=doctor.user, reason="Doctor is ill")

        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == doctor.user

    def test_nobody_cancels_an_appointment_that_has_started(self, now, patient, doctor, staff):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "07:30"))

        with pytest.raises(InvalidTransition, match="no-show"):
            cancel_appointment(appointment=appointment, actor=staff, reason="Late")

    def test_other_people_cannot_cancel(self, now, patient, other_patient, doctor, other_doctor):
        appointment = book(patient, doctor, at(3, "09:00"))

        for intruder in (other_patient.user, other_doctor.user):
            with pytest.raises(NotVisible):
                cancel_appointment(appointment=appointment, actor=intruder, reason="x")

        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_a_cancelled_appointment_cannot_be_cancelled_again(self, now, patient, doctor):
        appointment = book(patient, doctor, at(3, "09:00"))
        cancel_appointment(appointment=appointment, actor=patient.user)

        with pytest.raises(InvalidTransition):
            cancel_appointment(appointment=appointment, actor=patient.user)


class TestStatusTransitions:
    def test_doctor_checks_in_and_fulfils_on_the_day(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        change_status(appointment=appointment, to=Status.CHECKED_IN, actor=doctor.user)
        change_status(appointment=appointment, to=Status.FULFILLED, actor=doctor.user)

        appointment.refresh_from_db()
        assert appointment.status == Status.FULFILLED
        assert appointment.sequence == 2

    def test_check_in_before_the_day_is_refused(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "09:00"))

        with pytest.raises(InvalidTransition, match="on the day"):
            change_status(appointment=appointment, to=Status.CHECKED_IN, actor=doctor.user)

    def test_patient_cannot_check_themself_in(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        with pytest.raises(InvalidTransition):
            change_status(appointment=appointment, to=Status.CHECKED_IN, actor=patient.user)

    def test_fulfilling_needs_a_check_in_first(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        with pytest.raises(InvalidTransition, match="cannot become fulfilled"):
            change_status(appointment=appointment, to=Status.FULFILLED, actor=doctor.user)

    def test_no_show_only_after_the_start(self, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        with (
            clock_at(at(0, "08:59")),
            pytest.raises(InvalidTransition, match="after the start"),
        ):
            change_status(appointment=appointment, to=Status.NOSHOW, actor=doctor.user)
        with clock_at(at(0, "09:20")):
            change_status(appointment=appointment, to=Status.NOSHOW, actor=doctor.user)

        appointment.refresh_from_db()
        assert appointment.status == Status.NOSHOW

    def test_unknown_status_is_a_clear_error(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        with pytest.raises(InvalidTransition):
            change_status(appointment=appointment, to="teleported", actor=doctor.user)

    def test_another_doctor_gets_not_found(self, now, patient, doctor, other_doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))

        with pytest.raises(NotVisible):
            change_status(appointment=appointment, to=Status.CHECKED_IN, actor=other_doctor.user)

    def test_allowed_transitions_are_what_the_actor_may_do_now(self, now, patient, doctor):
        today = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))
        later = AppointmentFactory(patient=patient, doctor=doctor, start=at(3, "09:00"))

        assert allowed_transitions(today, doctor.user) == [Status.CHECKED_IN, Status.CANCELLED]
        assert allowed_transitions(later, doctor.user) == [Status.CANCELLED]
        assert allowed_transitions(later, patient.user) == [Status.CANCELLED]
        assert allowed_transitions(today, patient.user) == []  # inside the cut-off


class TestRescheduling:
    def test_patient_moves_to_another_free_slot(self, now, patient, other_patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))

        moved = reschedule_appointment(
            appointment=appointment, start=at(3, "14:00"), actor=patient.user
        )

        assert moved.pk == appointment.pk
        assert (moved.start, moved.end) == (at(3, "14:00"), at(3, "14:30"))
        assert moved.sequence == 1
        # The old slot is free again for someone else.
        assert book(other_patient, doctor, at(2, "09:00")).pk

    def test_moving_to_a_taken_slot_keeps_the_old_time(self, now, patient, other_patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))
        book(other_patient, doctor, at(2, "10:00"))

        with pytest.raises(SlotUnavailable):
            reschedule_appointment(
                appointment=appointment, start=at(2, "10:00"), actor=patient.user
            )

        appointment.refresh_from_db()
        assert appointment.start == at(2, "09:00")

    def test_moving_to_the_same_time_is_refused(self, now, patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))

        with pytest.raises(SlotUnavailable):
            reschedule_appointment(
                appointment=appointment, start=at(2, "09:00"), actor=patient.user
            )

    def test_patient_cannot_reschedule_inside_cutoff(self, now, patient, doctor):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "16:00"))

        with pytest.raises(CutoffPassed):
            reschedule_appointment(
                appointment=appointment, start=at(3, "09:00"), actor=patient.user
            )

    def test_staff_reschedules_inside_cutoff(self, now, patient, doctor, staff):
        appointment = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "16:00"))

        moved = reschedule_appointment(appointment=appointment, start=at(3, "09:00"), actor=staff)

        assert moved.start == at(3, "09:00")

    def test_doctor_cannot_reschedule(self, now, patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))

        with pytest.raises(InvalidTransition):
            reschedule_appointment(appointment=appointment, start=at(3, "09:00"), actor=doctor.user)

    def test_cancelled_appointment_cannot_be_moved(self, now, patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))
        cancel_appointment(appointment=appointment, actor=patient.user)

        with pytest.raises(InvalidTransition):
            reschedule_appointment(
                appointment=appointment, start=at(3, "09:00"), actor=patient.user
            )

    def test_another_patient_gets_not_found(self, now, patient, other_patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))

        with pytest.raises(NotVisible):
            reschedule_appointment(
                appointment=appointment, start=at(3, "09:00"), actor=other_patient.user
            )

    def test_free_slots_are_unchanged_by_a_refused_move(self, now, patient, doctor):
        appointment = book(patient, doctor, at(2, "09:00"))
        before = free_slots(doctor, at(2, "00:00").date(), at(3, "00:00").date())

        with pytest.raises(SlotUnavailable):
            reschedule_appointment(
                appointment=appointment, start=at(2, "12:00"), actor=patient.user
            )

        assert free_slots(doctor, at(2, "00:00").date(), at(3, "00:00").date()) == before


class TestCanReschedule:
    def test_patient_may_move_until_the_cutoff_and_doctor_never(self, now, patient, doctor, staff):
        soon = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "16:00"))
        later = AppointmentFactory(patient=patient, doctor=doctor, start=at(3, "09:00"))

        assert can_reschedule(later, patient.user)
        assert not can_reschedule(soon, patient.user)
        assert can_reschedule(soon, staff)
        assert not can_reschedule(later, doctor.user)

    def test_nobody_moves_a_closed_or_someone_elses_appointment(self, now, patient, other_patient):
        cancelled = AppointmentFactory(
            patient=patient, start=at(3, "09:00"), status=Status.CANCELLED
        )
        mine = AppointmentFactory(patient=patient, start=at(4, "09:00"))

        assert not can_reschedule(cancelled, patient.user)
        assert not can_reschedule(mine, other_patient.user)
