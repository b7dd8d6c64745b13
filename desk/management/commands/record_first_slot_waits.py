"""Record, for today, how many days ahead each specialty's first free slot lies (daily,
from cron): the reports' "median days to the first free slot"."""

from django.core.management.base import BaseCommand

from desk.tasks import record_first_slot_waits


class Command(BaseCommand):
    help = "Record today's days to the first free slot per specialty (run daily)."

    def handle(self, *args, **options):
        rows = record_first_slot_waits()
        self.stdout.write(f"{len(rows)} specialties measured.")
