"""The clinic's rules, said before they bite (issue 15: 1, 2, 4, 5, 9), in a browser at
390 and 1280 px, with and without JavaScript, axe-checked on every page.

The policy on the doctor's and the confirm page, and the warning before booking a visit
that is locked at once; locked visits say why and give the phone instead of buttons; a
doctor not taking new patients shows a new patient why and where to go; a doctor without
working hours is not listed; the clinic's address and phone in the footer; moving a
visit shows the old and the new time before anything moves.
"""

import datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SpecialtyFactory
from tests.e2e.conftest import DESKTOP, PHONE_390, Pages
from tests.e2e.helpers import human, message
from tests.patients.factories import PatientFactory

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390px", "1280px"])
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def when(moment):
    """A slot's accessible name part, e.g. "Monday 7 January, 10:00"."""
    return f"{moment:%A} {moment.day} {moment:%B}, {moment:%H:%M}"


@pytest.fixture
def cardiology(clinic_now):
    return SpecialtyFactory(name="Cardiology", slug="cardiology")


@pytest.fixture
def cardiologist(cardiology):
    return DoctorFactory(user__first_name="Asha", user__last_name="Patel", specialty=cardiology)


def expect_footer_contact(page):
    footer = page.locator("footer .clinic-contact")
    expect(footer).to_contain_text(settings.CLINIC_ADDRESS)
    expect(footer.get_by_role("link", name=settings.CLINIC_PHONE)).to_be_visible()


@JS
@VIEWPORTS
def test_the_policy_and_the_lock_are_said_before_confirming(
    new_context, cardiologist, clinic_now, js, viewport
):
    patient = PatientFactory()
    pages = Pages(js=js)
    page = new_context(js=js, viewport=viewport, user=patient.user).new_page()
    monday = clinic_now.date()
    soon, later = at(monday, "10:30"), at(monday + datetime.timedelta(days=1), "09:00")

    page.goto(f"/doctors/{cardiologist.pk}/")
    policy = page.get_by_role("region", name="Changing or cancelling a visit")
    expect(policy).to_contain_text(
        "You can change or cancel a visit online until 24 hours before it starts."
    )
    expect(policy.get_by_role("link", name=settings.CLINIC_PHONE)).to_be_attached()
    expect_footer_contact(page)
    pages.check(page, "Rules - doctor page")

    # 10:30 today is inside the cut-off: the confirm page says so before the button.
    page.get_by_role("link", name=f"Book {when(soon)}").click()
    warning = page.locator("#locked-at-once")
    expect(warning).to_contain_text(
        "This visit is less than 24 hours away: once booked, it can't be changed or "
        "cancelled online."
    )
    expect(warning.get_by_role("link", name=settings.CLINIC_PHONE)).to_be_visible()
    button = page.get_by_role("button", name="Confirm booking")
    assert warning.bounding_box()["y"] < button.bounding_box()["y"]
    pages.check(page, "Rules - confirm inside the cut-off")
    button.click()

    expect(message(page)).to_contain_text(f"You are booked with {cardiologist}")
    locked = page.locator(".locked-note")
    expect(locked).to_contain_text("less than 24 hours away")
    expect(locked.get_by_role("link", name=settings.CLINIC_PHONE)).to_be_visible()
    expect(page.get_by_role("link", name="Reschedule")).to_have_count(0)
    expect(page.get_by_role("link", name="Cancel appointment")).to_have_count(0)
    pages.check(page, "Rules - locked visit")

    # Tomorrow 09:00 is 25 hours away: no warning, and it can be changed.
    page.goto(f"/appointments/book/{cardiologist.pk}/confirm/?start={later.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("3. Confirm your booking")
    expect(page.locator("#locked-at-once")).to_have_count(0)
    page.get_by_role("button", name="Confirm booking").click()
    expect(message(page)).to_contain_text(human(later))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    locked_card = page.locator(".appointment-card").filter(has_text=human(soon))
    open_card = page.locator(".appointment-card").filter(has_text=human(later))
    expect(locked_card.locator(".locked-note")).to_contain_text("less than 24 hours away")
    expect(locked_card.get_by_role("link", name="Reschedule")).to_have_count(0)
    expect(locked_card.get_by_role("link", name="Cancel")).to_have_count(0)
    expect(open_card.get_by_role("link", name="Reschedule")).to_be_visible()
    expect(open_card.get_by_role("link", name="Cancel")).to_be_visible()
    pages.check(page, "Rules - my appointments with a locked visit")
    assert Appointment.objects.filter(patient=patient).count() == 2


@JS
@VIEWPORTS
def test_moving_a_visit_shows_old_and_new_time_before_it_moves(
    new_context, cardiologist, clinic_now, js, viewport
):
    patient = PatientFactory()
    wednesday = clinic_now.date() + datetime.timedelta(days=2)
    thursday = wednesday + datetime.timedelta(days=1)
    appointment = AppointmentFactory(
        patient=patient, doctor=cardiologist, start=at(wednesday, "10:00")
    )
    pages = Pages(js=js)
    page = new_context(js=js, viewport=viewport, user=patient.user).new_page()

    page.goto("/appointments/")
    page.locator(".appointment-card").get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reschedule appointment")
    page.goto(f"/appointments/{appointment.pk}/reschedule/?day={thursday.isoformat()}")
    page.get_by_role("button", name=f"Move to {when(at(thursday, '14:00'))}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the new time")
    move = page.get_by_role("region", name="The move")
    expect(move).to_contain_text(human(at(wednesday, "10:00")))
    expect(move).to_contain_text(human(at(thursday, "14:00")))
    pages.check(page, "Rules - confirm the move")
    appointment.refresh_from_db()
    assert appointment.start == at(wednesday, "10:00")  # showing it moved nothing

    page.get_by_role("button", name="Move my visit").click()
    expect(message(page)).to_contain_text(
        f"Your appointment is moved to {human(at(thursday, '14:00'))}."
    )
    appointment.refresh_from_db()
    assert appointment.start == at(thursday, "14:00")


@JS
@VIEWPORTS
def test_a_new_patient_is_shown_what_they_can_book(
    new_context, cardiology, clinic_now, js, viewport
):
    closed = DoctorFactory(
        user__first_name="Ben",
        user__last_name="Okafor",
        specialty=cardiology,
        accepting_new_patients=False,
    )
    DoctorFactory(user__first_name="Cara", user__last_name="Lind", specialty=cardiology)
    DoctorFactory(
        user__first_name="Dan", user__last_name="Hour", specialty=cardiology, working_hours=[]
    )
    patient = PatientFactory()
    pages = Pages(js=js)
    page = new_context(js=js, viewport=viewport, user=patient.user).new_page()

    page.goto("/doctors/")
    expect(page.get_by_text("Dr Dan Hour")).to_have_count(0)  # no hours yet
    card = page.locator(".doctor-card").filter(has_text="Dr Ben Okafor")
    expect(card).to_contain_text("Only patients this doctor has seen before can book.")
    pages.check(page, "Rules - directory")
    card.get_by_role("link", name="See the doctor's page").click()

    notice = page.get_by_role("region", name="Dr Ben Okafor is not taking new patients")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link", name=settings.CLINIC_PHONE)).to_be_visible()
    expect(page.get_by_role("heading", name="Next free times")).to_have_count(0)
    expect(page.get_by_role("link", name="Book ")).to_have_count(0)
    pages.check(page, "Rules - doctor not taking new patients")
    notice.get_by_role("link", name="see the other doctors of Cardiology").click()
    expect(page.get_by_role("link", name="Dr Cara Lind", exact=True)).to_be_visible()

    # The booking page, reached anyway, says the same and shows no picker.
    response = page.goto(f"/appointments/book/{closed.pk}/")
    assert response.status == 403
    expect(
        page.get_by_role("region", name="Dr Ben Okafor is not taking new patients")
    ).to_be_visible()
    expect(page.locator("#slot-picker")).to_have_count(0)
    pages.check(page, "Rules - booking refused")

    # A patient Dr Okafor has seen before sees their times as before.
    known = PatientFactory()
    AppointmentFactory(
        patient=known,
        doctor=closed,
        start=at(clinic_now.date() - datetime.timedelta(days=7), "09:00"),
        status=Appointment.Status.FULFILLED,
    )
    page = new_context(js=js, viewport=viewport, user=known.user).new_page()
    page.goto(f"/doctors/{closed.pk}/")
    expect(page.get_by_role("heading", name="Next free times")).to_be_visible()
    expect(page.get_by_text("is not taking new patients")).to_have_count(0)
