"""The desk's background work: once a day, how far ahead each specialty's first free slot
lies (the reports' "days to the first free slot").

`record_first_slot_waits` asks the patients' "first available" search (the default visit
type, any site, from now to the booking horizon) once per specialty and keeps the answer
for the day in FirstSlotWait; run it daily from cron (`manage.py record_first_slot_waits`)
or enqueue the task. Asked again the same day, it replaces that day's figure.
"""

from django.tasks import task
from django.utils import timezone

from appointments.selectors import bookable_dates, first_available
from desk.models import FirstSlotWait
from doctors.models import Specialty, VisitType

DAY_SECONDS = 86400


def record_first_slot_waits(now=None):
    """One row per specialty for today: days from `now` to its first free slot (None if
    none within the horizon). Returns the rows."""
    now = now or timezone.now()
    first_day, last_day = bookable_dates(now)
    visit_type = VisitType.objects.default()
    rows = []
    for specialty in Specialty.objects.order_by("name"):
        slots = first_available(
            visit_type=visit_type,
            start_date=first_day,
            end_date=last_day,
            specialty=specialty,
            now=now,
            limit=1,
        )
        days = (slots[0].start - now).total_seconds() / DAY_SECONDS if slots else None
        row, _created = FirstSlotWait.objects.update_or_create(
            specialty=specialty,
            day=timezone.localdate(now),
            defaults={"days": days, "measured_at": now},
        )
        rows.append(row)
    return rows


@task()
def record_first_slot_waits_task():
    return len(record_first_slot_waits())
