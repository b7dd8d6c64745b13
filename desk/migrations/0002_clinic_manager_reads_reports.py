"""The Clinic manager role reads the reports (aggregate figures, no clinical content)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "Clinic manager"


def _permission(apps):
    app_config = apps.get_app_config("desk")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label="desk", codename="view_reports")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ROLE):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="desk", codename="view_reports")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
        ("records", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
