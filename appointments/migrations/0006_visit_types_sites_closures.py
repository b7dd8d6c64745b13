"""Each appointment has a visit type, a site, and the time it holds the doctor (issue 14).

Existing appointments become consultations at the main site (both made by doctors 0003)
with no buffer: `busy_until` is their end, and start, end and status stay as they were.
On PostgreSQL the doctor's exclusion constraint now covers [start, busy_until), so a
visit's buffer is guarded like the visit itself, and the busy-time index of 0004 is
rebuilt on `busy_until`. The patient's constraint stays on [start, end): the buffer is
the doctor's time, not the patient's.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DOCTOR_CONSTRAINT = "appointment_doctor_no_overlap"
OLD_INDEX = "appt_doctor_end_active_idx"
NEW_INDEX = "appt_doctor_busy_active_idx"


def fill_types_and_sites(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    VisitType = apps.get_model("doctors", "VisitType")
    Site = apps.get_model("doctors", "Site")
    if not Appointment.objects.exists():
        return
    # doctors 0003 made both; on a database where this migration is applied again after
    # being undone, staff may have renamed or added sites since: take the first one then.
    consultation, _ = VisitType.objects.get_or_create(
        name="Consultation", defaults={"length_minutes": 30}
    )
    site = (
        Site.objects.filter(name="Main site").first()
        or Site.objects.order_by("pk").first()
        or Site.objects.create(name="Main site")
    )
    Appointment.objects.update(visit_type=consultation, site=site, busy_until=models.F("end"))


def guard_busy_until(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS {DOCTOR_CONSTRAINT}"
    )
    schema_editor.execute(
        f"ALTER TABLE appointments_appointment ADD CONSTRAINT {DOCTOR_CONSTRAINT} "
        "EXCLUDE USING gist (doctor_id WITH =, tstzrange(start, busy_until, '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NEW_INDEX} ON appointments_appointment "
        "(doctor_id, busy_until, start) WHERE (status <> 'cancelled')"
    )


def guard_end(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS {DOCTOR_CONSTRAINT}"
    )
    schema_editor.execute(
        f"ALTER TABLE appointments_appointment ADD CONSTRAINT {DOCTOR_CONSTRAINT} "
        "EXCLUDE USING gist (doctor_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {NEW_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON appointments_appointment "
        "(doctor_id, \"end\", start) WHERE (status <> 'cancelled')"
    )


class Migration(migrations.Migration):
    destroys_clinical_data = (
        "Nothing: the three new columns are made NOT NULL only after fill_types_and_sites "
        "has filled every row; tests/doctors/test_visit_type_migration.py checks that "
        "existing appointments are unchanged (reviewed for issue 14)."
    )
    dependencies = [
        ("appointments", "0005_calendarfeed"),
        ("doctors", "0003_visit_types_sites_closures"),
        ("patients", "0004_clinical_content_and_break_glass"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="busy_until",
            field=models.DateTimeField(
                help_text="The end plus the visit type's buffer.",
                null=True,
                verbose_name="doctor busy until",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="site",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="doctors.site",
                verbose_name="site",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="visit_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="doctors.visittype",
                verbose_name="visit type",
            ),
        ),
        migrations.RunPython(fill_types_and_sites, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="busy_until",
            field=models.DateTimeField(
                help_text="The end plus the visit type's buffer.",
                verbose_name="doctor busy until",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="doctors.site",
                verbose_name="site",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="visit_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="doctors.visittype",
                verbose_name="visit type",
            ),
        ),
        migrations.RunPython(guard_busy_until, guard_end),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(("busy_until__gte", models.F("end"))),
                name="appointments_appointment_busy_until_after_end",
            ),
        ),
    ]
