"""The waitlist's side of doctors.signals.time_freed: sent inside the freeing transaction,
it writes the offer task there too (an outbox), so the worker offers the time exactly when
the change committed, and never before."""

from django.utils import timezone

from doctors.signals import KIND_APPOINTMENT
from waitlist import services, tasks
from waitlist.models import WaitlistEntry


def time_freed(sender, *, doctor_id, start, end, kind, **kwargs):
    now = timezone.now()
    if kind == KIND_APPOINTMENT and end > now:
        services.record_freed_time(doctor_id=doctor_id, start=start, end=end)
    if not WaitlistEntry.objects.waiting(now).exists():
        return  # nobody waits: no task at all
    tasks.offer_freed_time.enqueue(
        doctor_id,
        start.isoformat() if start else None,
        end.isoformat() if end else None,
        now.isoformat(),
    )
