"""The access log becomes append-only in the database, for every role (triggers); a
patient's account can be closed and, after the retention period, purged.

The actor may be empty: the clinic's own retention purge leaves a tombstone entry. The
column change rebuilds the table on SQLite, so the triggers are installed after it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from healthcare.core import appendonly


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0002_accesslog'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='patient',
            name='closed_at',
            field=models.DateTimeField(blank=True, help_text='When the patient closed their account; their records are kept until purged.', null=True, verbose_name='account closed'),
        ),
        migrations.AddField(
            model_name='patient',
            name='purged_at',
            field=models.DateTimeField(blank=True, help_text='When the retention period ended and the clinical data were erased.', null=True, verbose_name='purged'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='action',
            field=models.CharField(choices=[('view', 'Viewed'), ('create', 'Created'), ('amend', 'Amended'), ('update', 'Changed'), ('export', 'Downloaded a copy'), ('purge', 'Erased after the retention period')], max_length=16, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='actor',
            field=models.ForeignKey(blank=True, help_text="Empty for the clinic's own retention purge.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.RunPython(*appendonly.installer("patients_accesslog")),
    ]
