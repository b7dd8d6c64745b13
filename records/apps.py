from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from healthcare.core import appendonly

# The migration that makes record versions append-only in the database.
MIGRATION = ("records", "0004_record_versions_append_only")


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Medical records")

    def ready(self):
        # The one change allowed: the retention purge's tombstone (services.purge_patient).
        tombstone = appendonly.Tombstone(
            "purged_at", ("diagnosis", "prescription", "notes", "reason")
        )
        appendonly.protect(
            self,
            appendonly.AppendOnly(
                "records_medicalrecordversion", since=MIGRATION, tombstone=tombstone
            ),
        )
