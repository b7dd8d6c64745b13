"""The staff roles get their permissions on the waitlist (records 0006 made the roles).

- Reception puts patients on the waitlist and sees the offers and the refill figure.
- Clinic manager sees the waitlist, the offers and the refill figure.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Reception": [
        "view_waitlistentry",
        "add_waitlistentry",
        "change_waitlistentry",
        "view_offer",
        "view_freedtime",
    ],
    "Clinic manager": ["view_waitlistentry", "view_offer", "view_freedtime"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("waitlist")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="waitlist", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="waitlist"))


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0001_initial"),
        ("records", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
