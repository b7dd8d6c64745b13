"""The waitlist in the admin: staff add a patient, filter entries and offers, read the
per-doctor "freed minutes refilled" figure."""

import pytest
from django.urls import reverse

from appointments.services import cancel_appointment
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import login
from tests.waitlist.factories import EntryFactory
from waitlist import services
from waitlist.models import Offer, WaitlistEntry

pytestmark = pytest.mark.django_db


def test_reception_puts_a_patient_on_the_waitlist(now, patient, doctor):
    client = login(staff_in("Reception"))
    response = client.post(
        reverse("admin:waitlist_waitlistentry_add"),
        {"patient": patient.pk, "doctor": doctor.pk, "earliest": "2030-01-08",
         "latest": "2030-01-20", "weekdays": ["1", "3"], "time_of_day": "any"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.doctor, entry.weekdays) == (patient, doctor, [1, 3])
    refused = client.post(
        reverse("admin:waitlist_waitlistentry_add"),
        {"patient": patient.pk, "doctor": doctor.pk, "earliest": "2030-01-01",
         "latest": "2030-01-20", "time_of_day": "any"},
    )  # fmt: skip
    assert refused.status_code == 200
    assert "cannot be in the past" in refused.content.decode()


def test_entries_offers_and_the_refill_figure(now, patient, other_patient, doctor, staff):
    EntryFactory(patient=patient, doctor=doctor)
    cancel_appointment(
        appointment=visit(other_patient, doctor, 2, "10:00"), actor=other_patient.user
    )
    cancel_appointment(
        appointment=visit(other_patient, doctor, 2, "11:00"), actor=other_patient.user
    )
    run_worker()
    services.claim_offer(offer=Offer.objects.get(), actor=patient.user)
    client = login(staff)
    entries = client.get(reverse("admin:waitlist_waitlistentry_changelist"), {"state": "fulfilled"})
    assert patient.user.last_name in entries.content.decode()
    offers = client.get(reverse("admin:waitlist_offer_changelist"), {"state": "claimed"})
    assert patient.user.last_name in offers.content.decode()
    assert Offer.objects.get().token not in offers.content.decode()
    freed = client.get(reverse("admin:waitlist_freedtime_changelist")).content.decode()
    # Two half hours freed, one refilled.
    assert f'<th scope="row">{doctor}</th><td>60</td><td>30</td><td>50 %</td>' in freed
