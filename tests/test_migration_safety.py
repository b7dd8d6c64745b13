"""No migration drops or shrinks clinical data without a reviewed marker on its class
(healthcare.core.migration_safety); the check itself is shown to catch each kind."""

import pytest
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from healthcare.core.migration_safety import destructive_operations

BORN = "2001-01-01"


def test_no_migration_destroys_clinical_data_without_a_reviewed_marker():
    findings = destructive_operations(MigrationLoader(None, ignore_no_migrations=True))

    assert not findings, (
        "These migrations can destroy clinical data. If that is meant, say so and who "
        "reviewed it in `destroys_clinical_data = '...'` on the Migration class:\n  "
        + "\n  ".join(map(str, findings))
    )


def with_migration(loader, app_label, operations, **attributes):
    """The loader's graph with one more migration of `app_label` on top of its leaf."""
    leaf = next(node for node in loader.graph.leaf_nodes() if node[0] == app_label)
    migration_class = type(
        "Migration",
        (migrations.Migration,),
        {"dependencies": [leaf], "operations": operations, **attributes},
    )
    migration = migration_class("9999_deliberately_destructive", app_label)
    loader.graph.add_node((app_label, migration.name), migration)
    loader.graph.add_dependency(migration, (app_label, migration.name), leaf)
    return migration


@pytest.mark.parametrize(
    ("app_label", "operation", "reported"),
    [
        (
            "records",
            migrations.RemoveField("medicalrecord", "notes"),
            "RemoveField medicalrecord.notes",
        ),
        ("records", migrations.DeleteModel("MedicalRecordVersion"), "DeleteModel"),
        (
            "records",
            migrations.AlterField("medicalrecord", "diagnosis", models.CharField(max_length=200)),
            "TextField -> CharField",
        ),
        (
            "records",
            migrations.AlterField(
                "medicalrecordversion", "reason", models.CharField(max_length=100, blank=True)
            ),
            "max_length 500 -> 100",
        ),
        (
            "patients",
            migrations.AlterField(
                "patient", "date_of_birth", models.DateField(default="2000-01-01")
            ),
            "NULL values made NOT NULL",
        ),
        (
            "patients",
            migrations.SeparateDatabaseAndState(
                database_operations=[migrations.RemoveField("patient", "allergies")]
            ),
            "RemoveField patient.allergies",
        ),
    ],
)
def test_a_destructive_migration_without_the_marker_fails_the_check(app_label, operation, reported):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with_migration(loader, app_label, [operation])

    findings = [str(f) for f in destructive_operations(loader)]

    assert len(findings) == 1
    assert findings[0].startswith(f"{app_label}.9999_deliberately_destructive: ")
    assert reported in findings[0]


def test_the_reviewed_marker_lets_it_through():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with_migration(
        loader,
        "records",
        [migrations.RemoveField("medicalrecord", "notes")],
        destroys_clinical_data="Notes moved to the version table by 0042; reviewed by J. Doe",
    )

    assert destructive_operations(loader) == []


def test_harmless_changes_and_other_tables_pass():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with_migration(
        loader,
        "records",
        [
            migrations.AlterField("medicalrecord", "notes", models.TextField(blank=True)),
            migrations.AddField("medicalrecord", "summary", models.TextField(blank=True)),
        ],
    )
    with_migration(loader, "doctors", [migrations.RemoveField("doctor", "bio")])

    assert destructive_operations(loader) == []
