"""The records officer reviews break-the-glass accesses: views them and marks them reviewed.

(A clinic that removed the role keeps it removed.)
"""

import importlib

from django.db import migrations

staff_roles = importlib.import_module("records.migrations.0004_staff_roles")

ROLE = "Records officer"
LABELS = ["records.view_breakglassaccess", "records.change_breakglassaccess"]


def grant(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=ROLE).first()
    if group is not None:
        group.permissions.add(*staff_roles.permissions(apps, LABELS))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=ROLE).first()
    if group is not None:
        group.permissions.remove(*staff_roles.permissions(apps, LABELS))


class Migration(migrations.Migration):
    dependencies = [("records", "0005_break_glass_access")]

    operations = [migrations.RunPython(grant, revoke)]
