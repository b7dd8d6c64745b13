"""The database's own guarantee that nobody holds two overlapping appointments.

On PostgreSQL two exclusion constraints (btree_gist over doctor/patient and a
half-open tstzrange) reject any overlap among appointments that are not cancelled,
whoever writes the row. Other databases have no such constraint: there the service
serializes writers (SQLite's IMMEDIATE transactions), so this migration does nothing.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "appointment_doctor_no_overlap": "doctor_id",
    "appointment_patient_no_overlap": "patient_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE appointments_appointment ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({column} WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
            "WHERE (status <> 'cancelled')"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
