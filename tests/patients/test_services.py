"""The access log (patients.services.log_access): append-only, and silent about a patient
looking at their own data."""

import pytest

from patients.models import AccessLog
from patients.services import log_access

pytestmark = pytest.mark.django_db


def test_a_patient_looking_at_their_own_data_is_not_logged(patient, doctor):
    assert (
        log_access(
            actor=patient.user,
            action="view",
            target="patient",
            object_id=patient.pk,
            patient=patient,
        )
        is None
    )
    log_access(
        actor=doctor.user, action="view", target="patient", object_id=patient.pk, patient=patient
    )

    assert list(AccessLog.objects.values_list("actor", flat=True)) == [doctor.user.pk]


def test_access_log_entries_cannot_be_changed_or_deleted(patient, doctor):
    entry = log_access(
        actor=doctor.user, action="view", target="patient", object_id=patient.pk, patient=patient
    )

    entry.action = "amend"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()

    assert AccessLog.objects.get().action == "view"
