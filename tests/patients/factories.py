import datetime

import factory

from accounts.models import User
from patients.models import Patient
from tests.accounts.factories import UserFactory


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory, role=User.Role.PATIENT)
    date_of_birth = datetime.date(1985, 6, 15)
    blood_type = Patient.BloodType.O_POS
