"""An index for "the doctor's busy time in a window", the query behind free-slot search.

free_slots() asks for a doctor's appointments that are not cancelled and overlap a
window: `doctor_id = D AND "end" > window_start AND start < window_end`. The (doctor,
start) index can only use the upper bound, so it walked the doctor's whole history
(1 000+ rows read to keep 55 at a million appointments). Led by (doctor, end), the scan
starts at the window and reads only what ends after it: at most the booking horizon's
worth of future visits, however long the history. `start` in the index and the partial
condition (the exclusion constraints' own) make it an index-only scan.

PostgreSQL only, like migration 0002, and invisible to the model state (so
makemigrations has nothing to add); elsewhere it does nothing.
"""

from django.db import migrations

NAME = "appt_doctor_end_active_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON appointments_appointment "
        "(doctor_id, \"end\", start) WHERE (status <> 'cancelled')"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0003_appointment_reminder_sent_at")]

    operations = [migrations.RunPython(add_index, drop_index)]
