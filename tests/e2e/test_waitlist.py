"""Flow: patient B joins a doctor's waitlist from the booking page; patient A cancels their
visit; the worker emails B an offer; B opens the link, confirms, and finds the visit under
"My appointments"."""

import datetime
import re

from django.core import mail
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.conftest import Pages
from tests.e2e.helpers import human, message
from tests.patients.factories import PatientFactory


def test_a_freed_slot_reaches_the_waitlist_and_is_claimed(new_context, clinic_now):
    pages = Pages(js=True)
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    a, b = PatientFactory(), PatientFactory(user__email="b.waiting@example.org")
    wednesday = clinic_now.date() + datetime.timedelta(days=2)
    visit = AppointmentFactory(patient=a, doctor=doctor, start=at(wednesday, "10:00"))

    # B: nothing suits on the booking page, so "Tell me if something opens".
    page_b = new_context(user=b.user).new_page()
    page_b.goto(f"/appointments/book/{doctor.pk}/")
    page_b.get_by_role("link", name="Tell me if something opens").click()
    expect(page_b.get_by_role("heading", level=1)).to_have_text("Tell me if something opens")
    pages.check(page_b, "Waitlist - join")
    page_b.get_by_label("Mornings (before noon)").check()
    page_b.get_by_role("button", name="Join the waitlist").click()
    expect(message(page_b)).to_contain_text(f"You are on the waitlist for {doctor}.")
    expect(page_b.get_by_role("heading", level=1)).to_have_text("My waitlist")
    pages.check(page_b, "Waitlist - mine")
    # B widens it to any time of day (and looks at leaving, but stays).
    page_b.get_by_role("link", name="Change").click()
    pages.check(page_b, "Waitlist - change")
    page_b.get_by_label("Any time").check()
    page_b.get_by_role("button", name="Save").click()
    expect(message(page_b)).to_contain_text("Your waitlist entry is changed.")
    page_b.get_by_role("link", name="Leave").click()
    pages.check(page_b, "Waitlist - leave")
    page_b.get_by_role("link", name="Stay on it").click()

    # A first looks at "I'd take an earlier slot" for their visit, then cancels it instead.
    page_a = new_context(user=a.user).new_page()
    page_a.goto("/appointments/")
    page_a.get_by_role("link", name="I'd take an earlier slot").click()
    expect(page_a.get_by_role("heading", level=1)).to_have_text("I'd take an earlier time")
    pages.check(page_a, "Waitlist - earlier time")
    page_a.goto(f"/appointments/{visit.pk}/cancel/")
    page_a.get_by_role("button", name="Cancel appointment").click()
    expect(message(page_a)).to_contain_text("is cancelled")

    # The worker offers it to B by email: when and with whom, never who freed it or why.
    mail.outbox.clear()
    run_worker()
    (offer,) = [m for m in mail.outbox if m.to == ["b.waiting@example.org"]]
    assert human(at(wednesday, "10:00")) in offer.body
    assert a.user.last_name not in offer.body
    link = re.search(r"/appointments/waitlist/offers/\S+/", offer.body)[0]

    # B opens the link (which books nothing yet) and confirms.
    page_b.goto(link)
    expect(page_b.get_by_role("heading", level=1)).to_have_text("Take this time?")
    pages.check(page_b, "Waitlist - claim")
    assert not Appointment.objects.filter(patient=b).exists()
    page_b.get_by_role("button", name="Book this time").click()
    expect(message(page_b)).to_contain_text(
        f"You are booked with {doctor} on {human(at(wednesday, '10:00'))}."
    )
    page_b.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My appointments"
    ).click()
    card = page_b.locator(".appointment-card").filter(has_text=human(at(wednesday, "10:00")))
    expect(card).to_contain_text(str(doctor))
    expect(card).to_contain_text("Booked")

    # The link is single-use: opening it again explains and shows other free times.
    page_b.goto(link)
    expect(page_b.get_by_role("heading", level=1)).to_have_text("This time is no longer available")
    pages.check(page_b, "Waitlist - claim used")
