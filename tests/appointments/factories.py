import datetime

import factory

from appointments.models import Appointment
from doctors.models import VisitType
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, main_site
from tests.patients.factories import PatientFactory


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written straight to the database (no service rules): for arranging."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    visit_type = factory.LazyAttribute(
        lambda o: (
            (first.visit_type if (first := o.doctor.offers.first()) else None)
            or VisitType.objects.default()
        )
    )
    site = factory.LazyFunction(main_site)
    start = factory.LazyFunction(lambda: datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC))
    end = factory.LazyAttribute(
        lambda o: o.start + datetime.timedelta(minutes=o.doctor.slot_minutes)
    )
    reason = "Check-up"
    status = Appointment.Status.BOOKED


def visit(patient, doctor, day, hhmm="09:00", **kwargs):
    """An appointment of `patient` with `doctor` at `at(day, hhmm)`."""
    return AppointmentFactory(patient=patient, doctor=doctor, start=at(day, hhmm), **kwargs)
