"""Count the appointments already in the database into the reports' summary table."""

from django.db import migrations


def backfill(apps, schema_editor):
    from desk.figures import rebuild

    rebuild(
        appointment_model=apps.get_model("appointments", "Appointment"),
        figures_model=apps.get_model("desk", "DailyFigures"),
    )


def empty(apps, schema_editor):
    apps.get_model("desk", "DailyFigures").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("desk", "0003_daily_figures")]

    operations = [migrations.RunPython(backfill, empty)]
