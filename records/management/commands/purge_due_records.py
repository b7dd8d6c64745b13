"""Purge the closed accounts whose retention period is over (records.services.purge_due).

Idempotent and safe to run from cron daily: an account is purged once, in one
transaction; `--dry-run` lists what is due without changing anything.
"""

from django.core.management.base import BaseCommand

from records.selectors import due_for_purge, kept_until
from records.services import purge_due


class Command(BaseCommand):
    help = "Purge closed accounts whose records' retention period is over (see docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what is due.")

    def handle(self, *args, **options):
        if options["dry_run"]:
            due = list(due_for_purge())
            for patient in due:
                self.stdout.write(
                    f"patient #{patient.pk}: closed {patient.closed_at:%Y-%m-%d}, "
                    f"due since {kept_until(patient.last_contact):%Y-%m-%d}"
                )
            self.stdout.write(f"{len(due)} account(s) due for purge.")
            return
        self.stdout.write(f"Purged {purge_due()} account(s).")
