"""The staff roles' permissions on visit types, doctors' offers, sites and closures.

The clinic manager keeps the clinic's calendar: visit types, what each doctor offers,
sites and closures. Reception reads them to book.
"""

import importlib

from django.db import migrations

ADDED = {
    "Reception": [
        "doctors.view_visittype",
        "doctors.view_visittypeoffer",
        "doctors.view_site",
        "doctors.view_closure",
    ],
    "Clinic manager": [
        f"doctors.{action}_{model}"
        for model in ("visittype", "visittypeoffer", "site", "closure")
        for action in ("view", "add", "change", "delete")
    ],
}

staff_roles = importlib.import_module("records.migrations.0006_staff_roles")


def add_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, labels in ADDED.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*staff_roles.permissions(apps, labels))


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, labels in ADDED.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*staff_roles.permissions(apps, labels))


class Migration(migrations.Migration):
    dependencies = [
        ("doctors", "0003_visit_types_sites_closures"),
        ("records", "0006_staff_roles"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
