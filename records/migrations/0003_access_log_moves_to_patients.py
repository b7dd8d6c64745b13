"""The access log moves to the patients app (patients 0002 takes it over).

Only the table's name changes in the database (records_accesslog becomes
patients_accesslog); its rows and indexes (accesslog_patient_idx among them) stay as they
are. Django's state forgets the model here and patients 0002 declares it again, unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_medicalrecord_version_accesslog_medicalrecordversion"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="accesslog", table="patients_accesslog"),
            ],
            state_operations=[
                migrations.DeleteModel(name="AccessLog"),
            ],
        ),
    ]
