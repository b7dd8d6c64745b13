"""A booking at the desk races a patient booking the same slot online: one wins, the
other is a clean "slot no longer available" (threads on PostgreSQL; SQLite serializes)."""

import pytest

from appointments.models import Appointment
from appointments.services import SlotUnavailable, book_appointment
from patients.services import register_walk_in
from tests.accounts.factories import clerk
from tests.appointments.test_concurrency import SLOT, outcomes, race
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.mark.parametrize("override_notice", [False, True])
def test_a_staff_booking_racing_a_patient_booking_lets_exactly_one_win(now, override_notice):
    doctor = DoctorFactory()
    online = PatientFactory()
    # Reception's permissions (a transactional test's flush removes the migration's groups).
    receptionist = clerk("add_appointment", "change_appointment", "add_patient")
    caller = register_walk_in(first_name="Phone", last_name="Caller", phone="1", actor=receptionist)

    results = race(
        [
            lambda: book_appointment(
                patient=caller,
                doctor=doctor,
                start=SLOT,
                booked_by=receptionist,
                override_notice=override_notice,
            ),
            lambda: book_appointment(
                patient=online, doctor=doctor, start=SLOT, booked_by=online.user
            ),
        ]
    )

    booked, refused, others = outcomes(results)
    assert others == []
    assert len(booked) == 1 and len(refused) == 1
    assert isinstance(refused[0], SlotUnavailable)
    assert Appointment.objects.filter(doctor=doctor, start=SLOT).count() == 1
