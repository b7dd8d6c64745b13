"""log_access_to: one call logs access to a patient's profile or to one of their records."""

import pytest

from patients.models import AccessLog
from patients.services import log_access_to
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db


def test_access_to_a_profile_is_logged_against_the_patient(patient, doctor):
    log_access_to(patient, actor=doctor.user, ip="203.0.113.5")

    entry = AccessLog.objects.get()
    assert (entry.actor, entry.action, entry.target) == (doctor.user, "view", "patient")
    assert (entry.object_id, entry.patient, entry.ip_address) == (
        patient.pk,
        patient,
        "203.0.113.5",
    )


def test_access_to_a_record_is_logged_against_the_records_patient(doctor):
    record = MedicalRecordFactory()

    log_access_to(record, actor=doctor.user, action=AccessLog.Action.AMEND)

    entry = AccessLog.objects.get()
    assert (entry.action, entry.target, entry.object_id) == ("amend", "record", record.pk)
    assert entry.patient == record.patient


def test_a_patient_opening_their_own_record_is_not_logged():
    record = MedicalRecordFactory()

    assert log_access_to(record, actor=record.patient.user) is None
    assert not AccessLog.objects.exists()
