"""Retiring a login: staff only, data kept, visits to come cancelled, and no way back through
an activation link."""

import pytest
from django.core import mail

from appointments.models import Appointment
from appointments.selectors import free_slots
from appointments.services import retire_user
from healthcare.core.errors import NotAllowed
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import at

Status = Appointment.Status


pytestmark = pytest.mark.django_db


def test_staff_retire_a_patient_once(staff, patient):
    assert retire_user(user=patient.user, actor=staff) is True
    assert retire_user(user=patient.user, actor=staff) is False

    patient.user.refresh_from_db()
    assert not patient.user.is_active
    assert patient.user.email_confirmed


@pytest.mark.parametrize("actor", ["patient", "doctor"])
def test_nobody_but_staff_retires_a_login(request, patient, actor):
    acting = request.getfixturevalue(actor)

    with pytest.raises(NotAllowed):
        retire_user(user=patient.user, actor=acting.user)

    patient.user.refresh_from_db()
    assert patient.user.is_active


def _visits(patient, doctor):
    """A visit last week, one checked in this morning, and two still to come."""
    return {
        "past": AppointmentFactory(
            patient=patient, doctor=doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        ),
        "checked_in": AppointmentFactory(
            patient=patient, doctor=doctor, start=at(0, "08:00"), status=Status.CHECKED_IN
        ),
        "tomorrow": AppointmentFactory(patient=patient, doctor=doctor, start=at(1, "09:00")),
        "next_week": AppointmentFactory(patient=patient, doctor=doctor, start=at(7, "14:00")),
    }


def _statuses(visits):
    return {name: Appointment.objects.get(pk=a.pk).status for name, a in visits.items()}


def test_retiring_a_doctor_cancels_their_upcoming_visits_and_tells_the_patients(
    now, staff, patient, doctor
):
    visits = _visits(patient, doctor)

    assert retire_user(user=doctor.user, actor=staff) is True
    run_worker()

    assert _statuses(visits) == {
        "past": Status.FULFILLED,
        "checked_in": Status.CHECKED_IN,
        "tomorrow": Status.CANCELLED,
        "next_week": Status.CANCELLED,
    }
    cancelled = Appointment.objects.get(pk=visits["tomorrow"].pk)
    assert cancelled.cancelled_by == staff
    reason = f"Dr {doctor.user.display_name} no longer sees patients at the clinic."
    assert cancelled.cancellation_reason == reason
    to_patient = [m for m in mail.outbox if m.to == [patient.user.email]]
    assert len(to_patient) == 2
    assert all(reason in m.body and "cancelled" in m.subject for m in to_patient)


def test_retiring_a_patient_gives_their_upcoming_slots_back(now, staff, patient, doctor):
    visits = _visits(patient, doctor)

    retire_user(user=patient.user, actor=staff)

    assert _statuses(visits)["tomorrow"] == Status.CANCELLED
    assert _statuses(visits)["past"] == Status.FULFILLED
    slots = free_slots(doctor, visits["tomorrow"].start.date(), visits["tomorrow"].start.date())
    assert visits["tomorrow"].start in [slot.start for slot in slots]


def test_retiring_again_cancels_nothing_more(now, staff, patient, doctor):
    retire_user(user=doctor.user, actor=staff)
    later = AppointmentFactory(patient=patient, doctor=doctor, start=at(2, "09:00"))

    assert retire_user(user=doctor.user, actor=staff) is False

    assert Appointment.objects.get(pk=later.pk).status == Status.BOOKED
