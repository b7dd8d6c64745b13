"""The records tests' common ground: this morning's visit and the record its doctor wrote."""

import pytest

from appointments.models import Appointment
from records.services import write_record
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at


@pytest.fixture
def visit(now, patient, doctor):
    """This morning's visit, the patient checked in."""
    return AppointmentFactory(
        patient=patient,
        doctor=doctor,
        start=at(0, "07:30"),
        status=Appointment.Status.CHECKED_IN,
    )


@pytest.fixture
def record(visit):
    """The visit's record as its doctor wrote it (version 1, through the service)."""
    return write_record(
        appointment=visit,
        author=visit.doctor.user,
        diagnosis="Acute bronchitis",
        prescription="Rest",
        notes="Fluids",
    )
