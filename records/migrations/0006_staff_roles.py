"""The staff roles the clinic ships, as groups holding exactly the permissions each needs.

- Reception: patients' contact details (not their medical details), booking, moving,
  cancelling and checking in; doctors' profiles, hours and time off to book from.
- Clinic manager: doctors (profiles, specialties, working hours, time off) and the
  calendar to read; no clinical content.
- Records officer: reads clinical content (records, medical details, reasons for visits)
  and the access log, every read logged; reviews break-the-glass accesses and the
  retention of closed accounts.
IT works as superusers. docs/security/README.md describes the roles; a later migration
that adds models gives the roles their permissions on them.

The lists are frozen here, as a migration's data must be.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Reception": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "appointments.view_appointment",
        "appointments.add_appointment",
        "appointments.change_appointment",
        "doctors.view_doctor",
        "doctors.view_specialty",
        "doctors.view_workinghours",
        "doctors.view_timeoff",
    ],
    "Clinic manager": [
        "doctors.view_doctor",
        "doctors.add_doctor",
        "doctors.change_doctor",
        "doctors.view_specialty",
        "doctors.add_specialty",
        "doctors.change_specialty",
        "doctors.delete_specialty",
        "doctors.view_workinghours",
        "doctors.add_workinghours",
        "doctors.change_workinghours",
        "doctors.delete_workinghours",
        "doctors.view_timeoff",
        "doctors.add_timeoff",
        "doctors.delete_timeoff",
        "appointments.view_appointment",
    ],
    "Records officer": [
        "patients.view_patient",
        "patients.view_clinical_content",
        "patients.view_accesslog",
        "appointments.view_appointment",
        "records.view_medicalrecord",
        "records.view_medicalrecordversion",
        "records.view_breakglassaccess",
        "records.change_breakglassaccess",
        "records.view_closedaccount",
    ],
}


def permissions(apps, labels):
    """The Permission rows for "app.codename" labels, made first if migrate has not yet.

    Django makes permissions after the last migration of a run (post_migrate); on a new
    database that is after this one, so they are made here for the apps named.
    """
    for app_label in {label.split(".")[0] for label in labels}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = []
    for label in labels:
        app_label, codename = label.split(".")
        found.append(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return found


def make_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, labels in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions(apps, labels))


# Undoing this migration leaves the groups and their members: deleting them would take
# every member of staff off their role, and applying it again finds the groups by name.
class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0004_clinical_content_and_break_glass"),
        ("doctors", "0002_single_line_fields"),
        ("appointments", "0005_calendarfeed"),
        ("records", "0005_break_glass_access"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
