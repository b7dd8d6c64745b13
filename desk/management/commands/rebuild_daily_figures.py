"""Recount the reports' summary tables (daily figures, first visits) from the
appointments, after a bulk load or a restore that bypassed the appointments' save."""

from django.core.management.base import BaseCommand

from desk.figures import rebuild


class Command(BaseCommand):
    help = "Recount the reports' daily figures and first visits from the appointments."

    def handle(self, *args, **options):
        written = rebuild()
        self.stdout.write(f"{written} rows of daily figures written.")
