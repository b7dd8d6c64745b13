"""Record versions are append-only in the database itself: raw SQL cannot rewrite or
delete one, on PostgreSQL and SQLite; the one change let through is the retention purge's
tombstone (text blanked, `purged_at` set, once)."""

import pytest

from records.models import MedicalRecordVersion
from records.services import amend_record
from tests.sql_support import refused, run

pytestmark = pytest.mark.django_db


class TestRecordVersions:
    @pytest.fixture
    def amended(self, record):
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
