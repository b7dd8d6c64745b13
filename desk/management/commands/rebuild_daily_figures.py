"""Recount the reports' summary table from the appointments (after a bulk load or a
restore that bypassed the appointments' save): everything, or the days given."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from desk.figures import rebuild


def _date(value):
    day = parse_date(value)
    if day is None:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}")
    return day


class Command(BaseCommand):
    help = "Recount the reports' daily figures from the appointments."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="First local day (YYYY-MM-DD).")
        parser.add_argument("--until", type=_date, help="Last local day (YYYY-MM-DD).")

    def handle(self, *args, since=None, until=None, **options):
        if since and until and until < since:
            raise CommandError("--until is before --since.")
        written = rebuild(since=since, until=until)
        self.stdout.write(f"{written} rows of daily figures written.")
