"""The waitlist's background work: offering freed time, and the next batch after expiry.

`offer_freed_time` is enqueued by the freeing change's own transaction
(receivers.time_freed), so it runs after that change committed. It makes the offers
(services.offer_freed_time: a batch per slot, exactly once per entry and slot however
many workers run it) and emails each new offer once, from the worker that made it. For
every batch it sets up `offer_slot_again`, due when the batch's links expire: that marks
them expired and offers the slot to the next entries in line, if it is still free.
"""

import datetime
import logging

from django.tasks import task

from waitlist import notifications, services

logger = logging.getLogger(__name__)

# Offers are time-critical (the slot is only worth offering while it is ahead): they go
# before the queue's other work, e.g. a burst of booking confirmations.
PRIORITY = 10
# The follow-up runs just after the links stop working.
FOLLOW_UP_DELAY = datetime.timedelta(seconds=1)


def _parse(value):
    return datetime.datetime.fromisoformat(value) if value else None


def offer(doctor_id, start, end, freed_at):
    """Offer the doctor's free time from `start` to `end` (None: the horizon); email the
    offers made; set up the next batches. Returns the number of offers emailed."""
    result = services.offer_freed_time(doctor_id=doctor_id, start=start, end=end, freed_at=freed_at)
    for slot_start, expires in result.follow_ups:
        offer_slot_again.using(run_after=expires + FOLLOW_UP_DELAY).enqueue(
            doctor_id, slot_start.isoformat(), freed_at.isoformat() if freed_at else None
        )
    sent = 0
    for made in result.offers:
        try:
            sent += notifications.send_offer(made.pk)
        except Exception:
            # The offer stands (it shows on the patient's pages); the others still go out.
            logger.exception("Could not email waitlist offer %s.", made.pk)
    return sent


@task(priority=PRIORITY)
def offer_freed_time(doctor_id, start, end, freed_at):
    return offer(doctor_id, _parse(start), _parse(end), _parse(freed_at))


@task(priority=PRIORITY)
def offer_slot_again(doctor_id, start, freed_at=None):
    """The batch for the slot at `start` has expired: offer it to the next in line."""
    start = _parse(start)
    services.expire_offers(doctor_id=doctor_id, start=start)
    return offer(doctor_id, start, start + datetime.timedelta(seconds=1), _parse(freed_at))
