"""Record versions become append-only in the database, for every role (triggers).

The one change the triggers allow is the retention purge's tombstone: the text blanked
and `purged_at` set, once (healthcare.core.appendonly, records.services.purge_patient).
Closed accounts are listed for staff with the day their retention ends (a proxy model).
"""

from django.db import migrations, models

from healthcare.core import appendonly


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0003_access_log_append_only_and_closing'),
        ('records', '0003_access_log_moves_to_patients'),
    ]

    operations = [
        migrations.AddField(
            model_name='medicalrecord',
            name='purged_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='When the retention period ended and the content was erased.', null=True, verbose_name='purged'),
        ),
        migrations.AddField(
            model_name='medicalrecordversion',
            name='purged_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='purged'),
        ),
        migrations.RunPython(*appendonly.installer("records_medicalrecordversion")),
        migrations.CreateModel(
            name='ClosedAccount',
            fields=[
            ],
            options={
                'verbose_name': 'closed account (retention)',
                'verbose_name_plural': 'closed accounts (retention)',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('patients.patient',),
        ),
    ]
