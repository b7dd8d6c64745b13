"""Send every appointment reminder that is due and has not gone out yet.

Safe to run as often as wanted and from several machines at once (each reminder is
claimed in the database before it is sent): run it from cron every few minutes as the
safety net behind the reminders the worker runs on time.
"""

from django.core.management.base import BaseCommand

from appointments.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send the appointment reminders that are due (idempotent)."

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"Sent {sent} reminder(s).")
