"""Writes to accounts that carry a rule."""

from django.db import transaction

from accounts.models import User
from patients.models import Patient


@transaction.atomic
def register_patient(
    *, email, password, first_name, last_name, phone="", date_of_birth=None
) -> User:
    """Create a patient's login and their Patient profile together, or neither.

    Self-registration always makes a patient: doctors and staff are created by the clinic.
    """
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.PATIENT,
    )
    Patient.objects.create(user=user, date_of_birth=date_of_birth)
    return user
