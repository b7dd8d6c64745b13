from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from healthcare.core import appendonly

# The migration that makes the access log append-only in the database.
MIGRATION = ("patients", "0003_access_log_append_only_and_closing")


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients")

    def ready(self):
        appendonly.protect(self, appendonly.AppendOnly("patients_accesslog", since=MIGRATION))
