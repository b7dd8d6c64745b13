import datetime

import factory

from tests.conftest import TODAY
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory
from waitlist.models import WaitlistEntry


class EntryFactory(factory.django.DjangoModelFactory):
    """A waiting entry written straight to the database (no service rules): for arranging.

    Waits for a doctor from the pinned Monday for two weeks, any day, any time.
    """

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    doctor = factory.SubFactory(DoctorFactory)
    specialty = None
    earliest = TODAY
    latest = factory.LazyFunction(lambda: TODAY + datetime.timedelta(days=13))
