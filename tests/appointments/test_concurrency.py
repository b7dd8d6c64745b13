"""Double booking is impossible, whoever races whom.

On PostgreSQL the racers are real threads, each with its own connection, released
together by a barrier. SQLite serializes writers (IMMEDIATE transactions), so there the
same attempts run one after the other and must give the same outcome.
"""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment
from appointments.services import (
    SlotUnavailable,
    add_closure,
    book_appointment,
    reschedule_appointment,
)
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ, at
from tests.doctors.factories import DoctorFactory, VisitTypeFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

SLOT = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=CLINIC_TZ)  # Tuesday 09:00
RACERS = 20
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only"
)


def race(attempts):
    """Run each zero-argument callable; on PostgreSQL all at once from threads.

    Returns the list of results: the callable's return value or the exception it raised.
    """
    results = []
    if connection.vendor != "postgresql":
        for attempt in attempts:
            try:
                results.append(attempt())
            except Exception as exc:  # collected for the assertions
                results.append(exc)
        return results

    barrier = threading.Barrier(len(attempts))
    lock = threading.Lock()

    def run(attempt):
        try:
            barrier.wait(timeout=30)
            outcome = attempt()
        except Exception as exc:  # collected for the assertions
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def outcomes(results):
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, SlotUnavailable)]
    others = [r for r in results if r not in booked and r not in refused]
    return booked, refused, others


def test_twenty_patients_racing_for_one_slot_get_exactly_one_appointment(now):
    doctor = DoctorFactory()
    patients = PatientFactory.create_batch(RACERS)

    results = race(
        [
            lambda p=p: book_appointment(
                patient=p, doctor=doctor, start=SLOT, reason="race", booked_by=p.user
            )
            for p in patients
        ]
    )

    booked, refused, others = outcomes(results)
    assert others == []
    assert len(booked) == 1
    assert len(refused) == RACERS - 1
    assert all(r.code == "slot_unavailable" for r in refused)
    assert Appointment.objects.filter(doctor=doctor).count() == 1


def test_one_patient_racing_two_doctors_at_the_same_time_gets_one_appointment(now):
    doctors = DoctorFactory.create_batch(2)
    patient = PatientFactory()

    results = race(
        [
            lambda d=doctors[i % 2]: book_appointment(
                patient=patient, doctor=d, start=SLOT, reason="race", booked_by=patient.user
            )
            for i in range(RACERS)
        ]
    )

    booked, refused, others = outcomes(results)
    assert others == []
    assert len(booked) == 1
    assert len(refused) == RACERS - 1
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_reschedules_racing_into_one_slot_leave_one_winner(now):
    doctor = DoctorFactory()
    target = SLOT + datetime.timedelta(hours=5)
    appointments = [
        book_appointment(
            patient=p,
            doctor=doctor,
            start=SLOT + datetime.timedelta(minutes=30 * i),
            booked_by=p.user,
        )
        for i, p in enumerate(PatientFactory.create_batch(6))
    ]

    results = race(
        [
            lambda a=a: reschedule_appointment(appointment=a, start=target, actor=a.patient.user)
            for a in appointments
        ]
    )

    booked, refused, others = outcomes(results)
    assert others == []
    assert len(booked) == 1
    assert len(refused) == len(appointments) - 1
    assert Appointment.objects.filter(doctor=doctor, start=target).count() == 1


@on_postgresql
@pytest.mark.parametrize(
    ("start", "minutes"),
    [("09:00", 30), ("09:15", 30), ("08:45", 90)],
    ids=["same-slot", "partial-overlap", "enclosing"],
)
def test_exclusion_constraint_rejects_overlaps_written_behind_the_services_back(start, minutes):
    existing = AppointmentFactory(start=SLOT)
    begin = at(SLOT.date(), start)

    for clash in (
        {"doctor": existing.doctor, "patient": PatientFactory()},
        {"doctor": DoctorFactory(), "patient": existing.patient},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                start=begin, end=begin + datetime.timedelta(minutes=minutes), **clash
            )

    assert Appointment.objects.count() == 1


@on_postgresql
def test_exclusion_constraint_ignores_cancelled_and_adjacent_appointments():
    existing = AppointmentFactory(start=SLOT)

    AppointmentFactory(doctor=existing.doctor, start=SLOT, status=Appointment.Status.CANCELLED)
    AppointmentFactory(doctor=existing.doctor, start=SLOT + datetime.timedelta(minutes=30))

    assert Appointment.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_transactions_take_the_write_lock_up_front():
    # IMMEDIATE: the check-and-insert holds the write lock from its first statement,
    # so a second writer waits instead of failing half-way with "database is locked".
    assert connection.transaction_mode == "IMMEDIATE"


def _overlap(a, b):
    return a.start < b.busy_until and b.start < a.busy_until


def test_twenty_racers_with_overlapping_starts_of_different_lengths_never_overlap(now):
    """Follow-ups (15 min) and procedures (45 min, buffer 15) start every 15 minutes: 20
    patients race for overlapping, not identical, starts; what is booked never overlaps,
    buffer included."""
    follow_up = VisitTypeFactory(name="Follow-up", length_minutes=15)
    procedure = VisitTypeFactory(
        name="Minor procedure", length_minutes=45, spacing_minutes=15, buffer_minutes=15
    )
    doctor = DoctorFactory(offers=[follow_up, procedure], working_hours=[(1, "09:00", "12:00")])
    patients = PatientFactory.create_batch(RACERS)

    results = race(
        [
            lambda p=p, i=i: book_appointment(
                patient=p,
                doctor=doctor,
                start=SLOT + datetime.timedelta(minutes=15 * (i % 6)),
                visit_type=procedure if i % 2 else follow_up,
                booked_by=p.user,
            )
            for i, p in enumerate(patients)
        ]
    )

    booked, refused, others = outcomes(results)
    assert others == []
    assert booked and len(booked) + len(refused) == RACERS
    stored = list(Appointment.objects.filter(doctor=doctor).active())
    assert len(stored) == len(booked)
    assert not any(_overlap(a, b) for a in stored for b in stored if a.pk < b.pk)


def test_a_closure_added_while_twenty_bookings_race_leaves_nothing_booked_inside_it(now, staff):
    """Either a booking commits first (then the closure lists and cancels it) or the
    closure does (then the booking is refused): no booked visit is left inside it."""
    doctors = DoctorFactory.create_batch(4)
    patients = PatientFactory.create_batch(RACERS)
    closure_end = SLOT + datetime.timedelta(hours=2)

    attempts = [
        lambda p=p, i=i: book_appointment(
            patient=p,
            doctor=doctors[i % 4],
            start=SLOT + datetime.timedelta(minutes=30 * (i // 4)),
            booked_by=p.user,
        )
        for i, p in enumerate(patients[:-1])
    ]
    attempts.append(
        lambda: add_closure(
            start=SLOT, end=closure_end, reason="Power cut", actor=staff, cancel_appointments=True
        )
    )
    results = race(attempts)

    closures = [r for r in results if isinstance(r, tuple)]
    errors = [r for r in results if not isinstance(r, tuple | Appointment | SlotUnavailable)]
    assert errors == [] and len(closures) == 1
    assert not (Appointment.objects.active().filter(start__lt=closure_end, end__gt=SLOT).exists())
