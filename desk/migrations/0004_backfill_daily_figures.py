"""Count the appointments already in the database into the reports' summary tables, and
give the reports' two remaining reads of the appointments their partial indexes (plain
SQL, the same on PostgreSQL and SQLite): the period's visits not cancelled (who was seen,
what is due today) and its cancellations (how long before the visit), each read from the
index alone."""

from django.db import migrations

INDEXES = [
    (
        "desk_appt_active_start_idx",
        "(start, patient_id, doctor_id, site_id) WHERE status <> 'cancelled'",
    ),
    (
        "desk_appt_cancelled_start_idx",
        "(start, doctor_id, site_id, cancelled_at) WHERE status = 'cancelled'",
    ),
]


def backfill(apps, schema_editor):
    from desk.figures import rebuild

    rebuild(
        appointment_model=apps.get_model("appointments", "Appointment"),
        figures_model=apps.get_model("desk", "DailyFigures"),
        first_model=apps.get_model("desk", "FirstVisit"),
    )


def empty(apps, schema_editor):
    apps.get_model("desk", "DailyFigures").objects.all().delete()
    apps.get_model("desk", "FirstVisit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0003_daily_figures"),
        ("appointments", "0006_visit_types_sites_closures"),
    ]

    operations = [
        *(
            migrations.RunSQL(
                f"CREATE INDEX {name} ON appointments_appointment {definition}",
                f"DROP INDEX {name}",
            )
            for name, definition in INDEXES
        ),
        migrations.RunPython(backfill, empty),
    ]
