"""The access log, moved here from records (whose migration 0003 renamed its table).

The model enters Django's state unchanged (fields, index names and all); the table
already exists, so nothing is done to the database. The content type follows the model,
so the permissions staff were given on the access log are kept.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="records", new="patients"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="accesslog").exists():
        ContentType.objects.using(db).filter(app_label=old, model="accesslog").update(
            app_label=new
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="patients", new="records")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0001_initial"),
        ("records", "0003_access_log_moves_to_patients"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessLog",
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
                            "action",
                            models.CharField(
                                choices=[
                                    ("view", "Viewed"),
                                    ("create", "Created"),
                                    ("amend", "Amended"),
                                    ("update", "Changed"),
                                ],
                                max_length=16,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "target",
                            models.CharField(
                                choices=[("record", "Medical record"), ("patient", "Patient profile")],
                                max_length=16,
                                verbose_name="what",
                            ),
                        ),
                        ("object_id", models.PositiveBigIntegerField(verbose_name="object id")),
                        (
                            "ip_address",
                            models.GenericIPAddressField(
                                blank=True, null=True, verbose_name="IP address"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="when"
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="who",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="access_log",
                                to="patients.patient",
                                verbose_name="patient",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "access log entry",
                        "verbose_name_plural": "access log",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                fields=["patient", "-created_at"], name="accesslog_patient_idx"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
