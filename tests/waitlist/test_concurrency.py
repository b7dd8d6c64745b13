"""The waitlist under concurrency: two workers offering the same freed time email each entry
once; a claim racing a direct booking for the same slot leaves exactly one winner.

On PostgreSQL the racers are real threads with their own connections (tests.appointments.
test_concurrency.race); SQLite serializes writers, so there they run one after the other
and must give the same outcome.
"""

from collections import Counter

import pytest
from django.core import mail

from appointments.models import Appointment
from appointments.services import SlotUnavailable, book_appointment, cancel_appointment
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.appointments.test_concurrency import race
from tests.patients.factories import PatientFactory
from tests.waitlist.factories import EntryFactory
from waitlist import services, tasks
from waitlist.models import Offer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_workers_offering_the_same_freed_slot_email_each_entry_once(now, doctor, settings):
    settings.WAITLIST_BATCH_SIZE = 3
    entries = EntryFactory.create_batch(5, doctor=doctor)
    booked = visit(PatientFactory(), doctor, 2, "10:00")
    cancel_appointment(appointment=booked, actor=booked.patient.user)
    mail.outbox.clear()
    args = (doctor.pk, booked.start, booked.end, now)
    race([lambda: tasks.offer(*args), lambda: tasks.offer(*args)])
    offers = Offer.objects.all()
    assert offers.count() == 3  # one batch, not two
    emailed = Counter(m.to[0] for m in mail.outbox if "is free: " in m.subject)
    assert sorted(emailed.values()) == [1, 1, 1]
    assert set(emailed) == {e.patient.user.email for e in entries[:3]}


def test_a_claim_racing_a_direct_booking_has_exactly_one_winner(now, doctor):
    entry = EntryFactory(doctor=doctor)
    booked = visit(PatientFactory(), doctor, 2, "10:00")
    cancel_appointment(appointment=booked, actor=booked.patient.user)
    run_worker()
    offer = Offer.objects.get()
    rival = PatientFactory()
    results = race(
        [
            lambda: services.claim_offer(offer=offer, actor=entry.patient.user),
            lambda: book_appointment(
                patient=rival, doctor=doctor, start=offer.start, booked_by=rival.user
            ),
        ]
    )
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, SlotUnavailable | services.OfferTaken)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Appointment.objects.filter(doctor=doctor, start=offer.start).active().count() == 1
    offer.refresh_from_db()
    assert offer.status == ("claimed" if won[0].patient == entry.patient else "taken")
