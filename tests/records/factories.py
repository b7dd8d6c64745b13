import factory

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
