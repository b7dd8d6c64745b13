"""`manage.py backup_sqlite` (`make backup`): a consistent copy of the SQLite database
while the app runs, into backups/<UTC time>.sqlite3 (healthcare.core.sqlite_backup)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from healthcare.core.sqlite_backup import BackupError, backup


def sqlite_database(option):
    """The database file to work on: the one given, else the app's own (SQLite only)."""
    if option:
        return option
    if connection.vendor != "sqlite":
        raise CommandError(
            "The database is not SQLite: back PostgreSQL up with pgBackRest (docs/operations.md)."
        )
    return connection.settings_dict["NAME"]


class Command(BaseCommand):
    help = "Copy the SQLite database, consistently and while the app runs, into backups/."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=settings.BASE_DIR / "backups", help="Directory.")
        parser.add_argument("--database", help="Another SQLite file than the app's own.")

    def handle(self, *args, **options):
        try:
            path = backup(sqlite_database(options["database"]), options["to"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size / 2**20:.1f} MiB).")
