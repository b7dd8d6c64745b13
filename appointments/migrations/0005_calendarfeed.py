"""Calendar feeds, moved here from accounts (whose migration 0005 renamed their table).

The model enters Django's state unchanged (fields, constraint name and all); the table
already exists, so nothing is done to the database. The content type follows the model,
so permissions given on it are kept.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import appointments.models


def move_content_type(apps, schema_editor, old="accounts", new="appointments"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="calendarfeed").exists():
        ContentType.objects.using(db).filter(app_label=old, model="calendarfeed").update(
            app_label=new
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="appointments", new="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_calendar_feeds_move_to_appointments"),
        ("appointments", "0004_doctor_busy_time_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarFeed",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "token",
                            models.CharField(
                                default=appointments.models.new_feed_token,
                                max_length=64,
                                unique=True,
                                verbose_name="token",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "revoked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="calendar_feeds",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "calendar feed",
                        "verbose_name_plural": "calendar feeds",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("revoked_at__isnull", True)),
                                fields=("user",),
                                name="accounts_calendarfeed_one_active_per_user",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
