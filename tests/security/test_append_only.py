"""The access log and the security log are append-only in the database itself: raw SQL
through the app's own connection (as a staff member with a database shell would have)
cannot change or delete a row, on PostgreSQL and on SQLite alike. Record versions:
tests/records/test_append_only.py."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from accounts.models import SecurityEvent
from patients.models import AccessLog
from patients.services import log_access
from tests.accounts.factories import UserFactory
from tests.sql_support import refused, run

pytestmark = pytest.mark.django_db


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


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_that_wrote_log_rows_still_ends_cleanly(patient, doctor):
    """Django's flush after a transactional test deletes row by row on SQLite; the suite's
    conftest lifts the triggers for it (and only there), so such tests keep working."""
    log_access(actor=doctor.user, action="view", target="patient", object_id=1, patient=patient)
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, actor=patient.user)

    with pytest.raises(IntegrityError):
        run("DELETE FROM patients_accesslog")
    assert AccessLog.objects.count() == 1
