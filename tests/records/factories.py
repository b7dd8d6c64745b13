import factory

from appointments.models import Appointment
from records.models import MedicalRecord
from tests.appointments.factories import AppointmentFactory


class MedicalRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicalRecord

    appointment = factory.SubFactory(AppointmentFactory)
    patient = factory.LazyAttribute(lambda o: o.appointment.patient)
    doctor = factory.LazyAttribute(lambda o: o.appointment.doctor)
    diagnosis = "Seasonal allergic rhinitis"
    prescription = "Cetirizine 10 mg once daily"
    notes = "Review in three months."


def record_at(start, **kwargs):
    """The record of a fulfilled visit that started at `start`."""
    appointment = AppointmentFactory(start=start, status=Appointment.Status.FULFILLED)
    return MedicalRecordFactory(appointment=appointment, **kwargs)
