import datetime

import factory

from appointments.models import Appointment
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written straight to the database (no service rules): for arranging."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    start = factory.LazyFunction(lambda: datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC))
    end = factory.LazyAttribute(
        lambda o: o.start + datetime.timedelta(minutes=o.doctor.slot_minutes)
    )
    reason = "Check-up"
    status = Appointment.Status.BOOKED
