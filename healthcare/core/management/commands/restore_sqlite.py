"""`manage.py restore_sqlite FILE` (`make restore FILE=...`): put a backup back in place of
the SQLite database, atomically, with the app stopped (healthcare.core.sqlite_backup).
The database it replaces is saved into backups/ first, so a restore loses nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from healthcare.core.management.commands.backup_sqlite import sqlite_database
from healthcare.core.sqlite_backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the SQLite database from a backup (refused while the app has it open)."
    # The system checks would open the database this command must find unused.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup, e.g. backups/20300107T080000.000000Z.sqlite3")
        parser.add_argument("--database", help="Another SQLite file than the app's own.")
        parser.add_argument(
            "--saved-to",
            default=settings.BASE_DIR / "backups",
            help="Where the replaced database is saved.",
        )

    def handle(self, *args, **options):
        database = sqlite_database(options["database"])
        connection.close()  # this process's own connection must not count as "in use"
        try:
            saved = restore(options["file"], database, saved_dir=options["saved_to"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if saved:
            self.stdout.write(f"The database it replaced is saved as {saved}.")
        self.stdout.write(
            f"Restored {database} from {options['file']}. "
            "Run `manage.py migrate` if the backup is older than the code."
        )
