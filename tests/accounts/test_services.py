"""Retiring a login: staff only, data kept, and no way back through an activation link."""

import pytest

from accounts.services import retire_user
from healthcare.errors import NotAllowed

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
