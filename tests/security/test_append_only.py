"""The access log, the security log and record versions are append-only in the database
itself: raw SQL through the app's own connection (as a staff member with a database shell
would have) cannot change or delete a row, on PostgreSQL and on SQLite alike. The one
change let through is the retention purge's tombstone on a record version."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from accounts.models import SecurityEvent
from appointments.models import Appointment
from patients.models import AccessLog
from patients.services import log_access
from records.models import MedicalRecordVersion
from records.services import amend_record, write_record
from tests.accounts.factories import UserFactory
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def run(sql, *params):
    """Raw SQL in its own savepoint, so that a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql, *params, what="changed"):
    with pytest.raises(IntegrityError, match=f"append-only: a row is never {what}"):
        run(sql, *params)


@pytest.fixture
def access_entry(patient, doctor):
    return log_access(
        actor=doctor.user, action="view", target="patient", object_id=patient.pk, patient=patient
    )


@pytest.fixture
def security_event(patient):
    return SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.LOGIN, actor=patient.user, email=patient.user.email
    )


class TestAccessLog:
    def test_an_update_is_refused(self, access_entry, other_doctor):
        refused("UPDATE patients_accesslog SET actor_id = %s", other_doctor.user.pk)
        refused("UPDATE patients_accesslog SET created_at = created_at")

        assert AccessLog.objects.get().actor_id == access_entry.actor_id

    def test_a_delete_is_refused(self, access_entry):
        refused("DELETE FROM patients_accesslog WHERE id = %s", access_entry.pk, what="deleted")

        assert AccessLog.objects.filter(pk=access_entry.pk).exists()

    def test_the_orm_bulk_paths_are_refused_too(self, access_entry):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccessLog.objects.filter(pk=access_entry.pk).update(action="amend")
        with pytest.raises(IntegrityError), transaction.atomic():
            AccessLog.objects.filter(pk=access_entry.pk)._raw_delete(connection.alias)

        assert AccessLog.objects.get().action == "view"

    def test_new_entries_are_still_written(self, access_entry, patient, doctor):
        log_access(actor=doctor.user, action="view", target="patient", object_id=1, patient=patient)

        assert AccessLog.objects.count() == 2


class TestSecurityLog:
    def test_an_update_is_refused(self, security_event):
        refused("UPDATE accounts_securityevent SET ip_address = NULL, email = ''")
        refused("UPDATE accounts_securityevent SET actor_id = NULL")

        assert SecurityEvent.objects.get().actor_id == security_event.actor_id

    def test_a_delete_is_refused(self, security_event):
        refused("DELETE FROM accounts_securityevent", what="deleted")

        assert SecurityEvent.objects.count() == 1

    def test_an_account_with_entries_cannot_be_deleted(self, security_event, patient):
        """Deleting would null the log's actor (an UPDATE the triggers refuse): a clear error
        instead, and accounts are closed or purged, never deleted."""
        with pytest.raises(ProtectedError), transaction.atomic():
            patient.user.delete()

        assert SecurityEvent.objects.get().actor_id == patient.user.pk

    def test_an_account_without_entries_can_still_be_deleted(self):
        user = UserFactory()

        user.delete()

        assert not type(user).objects.filter(pk=user.pk).exists()


class TestRecordVersions:
    @pytest.fixture
    def amended(self, now, patient, doctor):
        visit = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(0, "07:30"), status=Status.CHECKED_IN
        )
        record = write_record(
            appointment=visit, author=doctor.user, diagnosis="Acute bronchitis", notes="Fluids"
        )
        return amend_record(
            record=record,
            author=record.doctor.user,
            diagnosis="Pneumonia",
            prescription="Amoxicillin",
            reason="X-ray result",
        )

    def test_rewriting_history_is_refused(self, amended):
        refused("UPDATE records_medicalrecordversion SET diagnosis = 'Nothing' WHERE version = 1")
        refused("UPDATE records_medicalrecordversion SET author_id = author_id")

        assert MedicalRecordVersion.objects.get(version=1).diagnosis == "Acute bronchitis"

    def test_a_delete_is_refused(self, amended):
        refused("DELETE FROM records_medicalrecordversion WHERE version = 2", what="deleted")

        assert amended.versions.count() == 2

    def test_the_purge_tombstone_is_the_one_change_let_through(self, amended):
        changed = run(
            "UPDATE records_medicalrecordversion SET diagnosis = '', prescription = '', "
            "notes = '', reason = '', purged_at = %s WHERE version = 1",
            "2040-01-01 00:00:00+00:00",
        )

        version = MedicalRecordVersion.objects.get(version=1)
        assert changed == 1
        assert (version.diagnosis, version.prescription, version.notes) == ("", "", "")
        assert version.purged_at is not None
        assert version.author_id == amended.doctor.user_id  # who wrote it, when, stays

    @pytest.mark.parametrize(
        "assignments",
        [
            # Blanking without the stamp: an unmarked erasure.
            "diagnosis = '', prescription = '', notes = '', reason = ''",
            # The stamp with the text kept or changed: not a tombstone.
            "purged_at = '2040-01-01 00:00:00+00:00'",
            "diagnosis = 'Other', prescription = '', notes = '', reason = '', "
            "purged_at = '2040-01-01 00:00:00+00:00'",
            # A tombstone that also renumbers the version.
            "diagnosis = '', prescription = '', notes = '', reason = '', "
            "purged_at = '2040-01-01 00:00:00+00:00', version = 7",
        ],
    )
    def test_anything_else_that_looks_like_a_purge_is_refused(self, amended, assignments):
        refused(f"UPDATE records_medicalrecordversion SET {assignments} WHERE version = 1")

        assert MedicalRecordVersion.objects.get(version=1).diagnosis == "Acute bronchitis"

    def test_a_tombstone_never_changes_again(self, amended):
        blank = "diagnosis = '', prescription = '', notes = '', reason = ''"
        run(f"UPDATE records_medicalrecordversion SET {blank}, purged_at = %s", "2040-01-01")

        refused(f"UPDATE records_medicalrecordversion SET {blank}, purged_at = %s", "2041-01-01")
        refused("UPDATE records_medicalrecordversion SET purged_at = NULL")
        refused("DELETE FROM records_medicalrecordversion", what="deleted")


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_that_wrote_log_rows_still_ends_cleanly(patient, doctor):
    """Django's flush after a transactional test deletes row by row on SQLite; the suite's
    conftest lifts the triggers for it (and only there), so such tests keep working."""
    log_access(actor=doctor.user, action="view", target="patient", object_id=1, patient=patient)
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, actor=patient.user)

    with pytest.raises(IntegrityError):
        run("DELETE FROM patients_accesslog")
    assert AccessLog.objects.count() == 1
