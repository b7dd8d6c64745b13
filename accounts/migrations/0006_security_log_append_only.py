"""The security log becomes append-only in the database, for every role (triggers).

An account with entries can no longer be deleted (the actor's foreign key PROTECTs: a
SET_NULL would UPDATE rows the triggers refuse to change); closing and purging an
account are logged as new kinds of event.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from healthcare.core import appendonly


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_calendar_feeds_move_to_appointments'),
    ]

    operations = [
        migrations.AlterField(
            model_name='securityevent',
            name='actor',
            field=models.ForeignKey(blank=True, help_text='Empty for a failed log-in: the email address tried is kept instead.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.AlterField(
            model_name='securityevent',
            name='kind',
            field=models.CharField(choices=[('login', 'Logged in'), ('login_failed', 'Failed log-in'), ('logout', 'Logged out'), ('token_issued', 'API log-in (token pair issued)'), ('token_revoked', 'API log-out (refresh token revoked)'), ('password_changed', 'Password changed'), ('password_reset', 'Password reset by emailed link'), ('account_activated', 'Account activated'), ('admin_addition', 'Admin: added'), ('admin_change', 'Admin: changed'), ('admin_deletion', 'Admin: deleted'), ('account_closed', 'Account closed by its owner'), ('account_purged', 'Account purged after the retention period')], max_length=32, verbose_name='event'),
        ),
        migrations.RunPython(*appendonly.installer("accounts_securityevent")),
    ]
