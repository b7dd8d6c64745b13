"""Claiming an offer: the link is the patient's alone, GET never books, once only, in time;
an entry made from an appointment moves it earlier, and the old time is offered on."""

import datetime

import pytest
from django.core import mail

from appointments.models import Appointment
from appointments.services import book_appointment, cancel_appointment
from doctors.models import VisitType
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import at, clock_at, login
from tests.doctors.factories import VisitTypeFactory
from tests.doctors.factories import offer as offer_type
from tests.patients.factories import PatientFactory
from tests.waitlist.factories import EntryFactory
from waitlist import services
from waitlist.models import Offer, WaitlistEntry

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def offer(now, doctor, patient):
    """An offer of Wednesday 10:00 with `doctor` to a waiting patient (not `patient`)."""
    EntryFactory(doctor=doctor)
    booked = visit(patient, doctor, 2, "10:00")
    cancel_appointment(appointment=booked, actor=patient.user)
    run_worker()
    return Offer.objects.get()


def claim_url(offer):
    return f"/appointments/waitlist/offers/{offer.signed_token}/"


def test_the_emailed_link_shows_the_time_and_books_only_on_confirm(offer):
    (message,) = [m for m in mail.outbox if m.to == [offer.entry.patient.user.email]]
    assert claim_url(offer) in message.body
    client = login(offer.entry.patient.user)
    page = client.get(claim_url(offer))
    assert page.status_code == 200
    assert "Book this time" in page.content.decode()
    assert not Appointment.objects.filter(patient=offer.entry.patient).exists()
    response = client.post(claim_url(offer))
    appointment = Appointment.objects.get(patient=offer.entry.patient)
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/"
    assert (appointment.doctor, appointment.start) == (offer.doctor, offer.start)
    offer.refresh_from_db()
    assert offer.status == "claimed" and offer.appointment == appointment
    assert offer.entry.status == WaitlistEntry.Status.FULFILLED
    assert "Dr" in client.get("/appointments/").content.decode()


def test_a_doctor_offering_several_visit_types_is_booked_for_the_offered_one(offer):
    follow_up = VisitTypeFactory(name="Follow-up", length_minutes=15)
    offer_type(offer.doctor, follow_up)

    response = login(offer.entry.patient.user).post(claim_url(offer))

    appointment = Appointment.objects.get(patient=offer.entry.patient)
    assert response.status_code == 302
    assert appointment.start == offer.start
    assert appointment.visit_type == VisitType.objects.default()


def test_another_patient_and_a_tampered_link_get_404(offer, other_patient):
    assert login(other_patient.user).get(claim_url(offer)).status_code == 404
    assert login(other_patient.user).post(claim_url(offer)).status_code == 404
    owner = login(offer.entry.patient.user)
    assert owner.get(f"/appointments/waitlist/offers/{offer.token}:bad/").status_code == 404
    with pytest.raises(services.NotVisible):
        services.claim_offer(offer=offer, actor=other_patient.user)
    assert Offer.objects.get().status == "sent"


def test_claiming_twice_books_once(offer):
    client = login(offer.entry.patient.user)
    client.post(claim_url(offer))
    again = client.post(claim_url(offer))
    assert again.status_code == 200
    assert "already taken this offer" in again.content.decode()
    assert Appointment.objects.filter(patient=offer.entry.patient).count() == 1


def test_a_claim_a_minute_before_expiry_books_and_a_minute_after_shows_other_times(offer, settings):
    patient = offer.entry.patient
    with clock_at(offer.expires_at + MINUTE):
        page = login(patient.user).post(claim_url(offer))
    assert page.status_code == 200
    body = page.content.decode()
    assert "This time is no longer available" in body
    assert "offer has expired" in body
    assert "book/" in body  # the nearest other free times, each a way to book
    assert not Appointment.objects.filter(patient=patient).exists()
    with clock_at(offer.expires_at - MINUTE):
        assert login(patient.user).post(claim_url(offer)).status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_a_slot_booked_directly_first_leaves_the_claim_a_clear_page(offer, other_patient):
    book_appointment(
        patient=other_patient, doctor=offer.doctor, start=offer.start, booked_by=other_patient.user
    )
    page = login(offer.entry.patient.user).post(claim_url(offer))
    assert page.status_code == 200
    assert "no longer available" in page.content.decode()
    assert Offer.objects.get().status == "taken"


def test_claiming_withdraws_the_rest_of_the_batch(now, doctor, patient):
    first, second = EntryFactory(doctor=doctor), EntryFactory(doctor=doctor)
    cancel_appointment(appointment=visit(patient, doctor, 2, "10:00"), actor=patient.user)
    run_worker()
    mine = Offer.objects.get(entry=first)
    services.claim_offer(offer=mine, actor=first.patient.user)
    theirs = Offer.objects.get(entry=second)
    assert theirs.status == "taken"
    page = login(second.patient.user).get(claim_url(theirs))
    assert "someone else took this time first" in page.content.decode()


def test_move_earlier_chain(now, doctor, patient, settings):
    """B waits to move their Friday visit earlier; A cancels Wednesday; B takes it, which
    frees Friday, which is offered to C (next in line, offered nothing yet)."""
    settings.WAITLIST_BATCH_SIZE = 1
    b, c = PatientFactory(), PatientFactory()
    b_friday = visit(b, doctor, 4, "10:00")
    entry_b = services.wait_for_earlier(appointment=b_friday, actor=b.user)
    entry_c = EntryFactory(doctor=doctor, patient=c, created_at=now + MINUTE)
    cancel_appointment(appointment=visit(patient, doctor, 2, "10:00"), actor=patient.user)
    run_worker()
    offer_b = Offer.objects.get(entry=entry_b)
    assert offer_b.start == at(2, "10:00")
    assert not Offer.objects.filter(entry=entry_c).exists()
    moved = services.claim_offer(offer=offer_b, actor=b.user)
    assert moved.pk == b_friday.pk and moved.start == at(2, "10:00")
    assert Appointment.objects.filter(patient=b).count() == 1
    run_worker()
    assert Offer.objects.get(entry=entry_c, start=at(4, "10:00")).status == "sent"


def test_an_earlier_time_entry_ignores_later_slots(now, doctor, patient):
    b = PatientFactory()
    entry = services.wait_for_earlier(appointment=visit(b, doctor, 2, "10:00"), actor=b.user)
    cancel_appointment(appointment=visit(patient, doctor, 2, "11:00"), actor=patient.user)
    run_worker()
    assert not Offer.objects.filter(entry=entry).exists()


def test_leaving_stops_the_links(offer):
    services.leave_waitlist(entry=offer.entry, actor=offer.entry.patient.user)
    page = login(offer.entry.patient.user).post(claim_url(offer))
    assert "offer has expired" in page.content.decode()
    assert not Appointment.objects.filter(patient=offer.entry.patient).exists()
