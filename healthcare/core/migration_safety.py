"""No migration may destroy clinical data unnoticed.

`destructive_operations(loader)` lists every operation in the project's migrations that
can lose the data of a clinical model (CLINICAL): dropping its table (DeleteModel),
dropping one of its columns (RemoveField), or altering a column in a way that can lose
what it holds (another type, a shorter varchar, or NULL values made NOT NULL), also
inside SeparateDatabaseAndState's database operations. A migration that means it must
say so on its class, in words a reviewer signed off:

    class Migration(migrations.Migration):
        destroys_clinical_data = "Drops records.notes_old, copied to notes by 0012 (reviewed by …)"

The test suite (tests/test_migration_safety.py) fails on any such operation without the
marker; a new entry in CLINICAL is a new table with clinical data.

Why not django-migration-linter: it runs on Django 6.1, but it answers another question
(is a migration safe for zero-downtime deploys?), flags 23 of today's 49 migrations
(every NOT NULL column added, every rename), and knows nothing of which data is clinical.
"""

from dataclasses import dataclass

from django.db import migrations

# The models whose rows are clinical data or its history (app_label, model_name).
CLINICAL = {
    ("patients", "patient"),
    ("patients", "accesslog"),
    ("appointments", "appointment"),
    ("records", "medicalrecord"),
    ("records", "medicalrecordversion"),
    ("records", "breakglassaccess"),
    ("accounts", "securityevent"),
}
MARKER = "destroys_clinical_data"


@dataclass(frozen=True)
class Finding:
    migration: str
    operation: str

    def __str__(self):
        return f"{self.migration}: {self.operation}"


def _lossy_alteration(old, new):
    """Why altering field `old` into `new` can lose data, or None."""
    if old is None:
        return None
    if old.get_internal_type() != new.get_internal_type():
        return f"{old.get_internal_type()} -> {new.get_internal_type()}"
    # Only a varchar's length is the database's; a TextField's max_length is validation.
    old_length, new_length = getattr(old, "max_length", None), getattr(new, "max_length", None)
    shorter = new_length is not None and old_length is not None and new_length < old_length
    if old.get_internal_type() == "CharField" and shorter:
        return f"max_length {old_length} -> {new_length}"
    if old.null and not new.null:
        return "NULL values made NOT NULL"
    return None


def _findings(app_label, operations, state, name):
    findings = []
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            findings += _findings(app_label, operation.database_operations, state.clone(), name)
            operation.state_forwards(app_label, state)
            continue
        model = getattr(operation, "model_name", None) or getattr(operation, "name", "")
        key = (app_label, model.lower())
        if key in CLINICAL:
            if isinstance(operation, migrations.DeleteModel):
                findings.append(Finding(name, f"DeleteModel {model} drops its table"))
            elif isinstance(operation, migrations.RemoveField):
                findings.append(Finding(name, f"RemoveField {model}.{operation.name}"))
            elif isinstance(operation, migrations.AlterField):
                model_state = state.models.get(key)
                old = model_state.fields.get(operation.name) if model_state else None
                why = _lossy_alteration(old, operation.field)
                if why:
                    findings.append(Finding(name, f"AlterField {model}.{operation.name}: {why}"))
        operation.state_forwards(app_label, state)
    return findings


def destructive_operations(loader, apps=None):
    """Every unmarked operation that can destroy clinical data, in the loader's graph.

    Each migration is read against the project state just before it (so an AlterField
    knows the field it replaces). `apps`: only these app labels (default: CLINICAL's).
    """
    apps = apps or {label for label, _model in CLINICAL}
    findings = []
    for app_label, name in loader.graph.nodes:
        if app_label not in apps:
            continue
        migration = loader.graph.nodes[(app_label, name)]
        if getattr(migration, MARKER, ""):
            continue
        state = loader.project_state((app_label, name), at_end=False)
        findings += _findings(app_label, migration.operations, state, f"{app_label}.{name}")
    return findings
