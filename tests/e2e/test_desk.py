"""The front desk in a browser: a receptionist checks in two patients and books a phone
caller from the board with the keyboard alone; the reports page with its charts at a
desktop width. axe-clean, with screenshots (two of them in the README)."""

import datetime

from playwright.sync_api import expect

from appointments.models import Appointment
from desk.models import FirstSlotWait
from patients.models import Patient
from tests.accounts.factories import clerk
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SpecialtyFactory
from tests.e2e.conftest import DESKTOP
from tests.e2e.helpers import message
from tests.e2e.test_keyboard import focused, tab_to
from tests.patients.factories import PatientFactory

Status = Appointment.Status


def receptionist():
    """Reception's permissions (the live server's flush removes the migration's groups)."""
    return clerk(
        "view_patient",
        "add_patient",
        "change_patient",
        "view_appointment",
        "add_appointment",
        "change_appointment",
    )


def test_a_receptionist_checks_in_two_and_books_a_phone_caller_by_keyboard(
    new_context, clinic_now, pages
):
    today = clinic_now.date()
    asha = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    nora = PatientFactory(user__first_name="Nora", user__last_name="Quinn")
    omar = PatientFactory(user__first_name="Omar", user__last_name="Reyes")
    first = AppointmentFactory(doctor=asha, patient=nora, start=at(today, "09:00"))
    second = AppointmentFactory(doctor=asha, patient=omar, start=at(today, "09:30"))
    page = new_context(viewport=DESKTOP, user=receptionist()).new_page()
    page.goto("/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's board")
    pages.check(page, "Desk board")

    # J moves to the first visit, C checks the patient in (htmx swaps the row, focus stays).
    page.keyboard.press("j")
    expect(page.get_by_role("link", name="Nora Quinn")).to_be_focused()
    page.keyboard.press("c")
    expect(page.locator(f"#appointment-{first.pk}")).to_contain_text("Arrived")
    expect(page.get_by_role("link", name="Nora Quinn")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("c")
    expect(page.locator(f"#appointment-{second.pk}")).to_contain_text("Arrived")
    expect(page.get_by_text("Arrived: 2")).to_be_visible()

    # A phone caller: a new patient without email, booked inside the minimum notice.
    tab_to(page, lambda el: el["text"] == "New patient")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("New patient")
    tab_to(page, lambda el: el["text"] == "first_name")
    page.keyboard.type("Pia")
    page.keyboard.press("Tab")
    page.keyboard.type("Santos")
    tab_to(page, lambda el: el["text"] == "phone")
    page.keyboard.type("07700 900555")
    tab_to(page, lambda el: el["text"] == "Register and book")
    page.keyboard.press("Enter")
    expect(message(page)).to_contain_text("Pia Santos is registered.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit for Pia Santos")
    pages.check(page, "Desk book")

    tab_to(page, lambda el: el["text"] == "Show free times")
    page.keyboard.press("Enter")  # Dr Patel (the only doctor), today
    expect(page.get_by_role("group", name="Free times with Dr Asha Patel")).to_be_visible()
    tab_to(page, lambda el: el["tag"] == "input" and el["text"] == "start")
    page.keyboard.press("Space")  # 10:00, the first time Dr Patel has free today
    tab_to(page, lambda el: el["text"] == "reason")
    page.keyboard.type("Phoned in")
    # 10:00 is (just) inside the two hours' notice: the desk says it books it anyway.
    tab_to(page, lambda el: el["text"] == "override_notice")
    page.keyboard.press("Space")
    tab_to(page, lambda el: el["text"] == "Book")
    page.keyboard.press("Enter")
    expect(message(page)).to_contain_text("Booked Pia Santos with Dr Asha Patel.")
    caller = Patient.objects.get(user__last_name="Santos")
    booked = Appointment.objects.get(patient=caller)
    assert booked.start == at(today, "10:00") and caller.user.email is None
    assert set(Appointment.objects.filter(status=Status.CHECKED_IN)) == {first, second}
    assert focused(page)  # the page is still there to be worked on
    pages.check(page, "Desk patient")


def test_the_reports_page_with_its_charts(new_context, clinic_now, pages):
    today = clinic_now.date()
    cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
    dermatology = SpecialtyFactory(name="Dermatology", slug="dermatology")
    doctors = [
        DoctorFactory(user__first_name="Asha", user__last_name="Patel", specialty=cardiology),
        DoctorFactory(user__first_name="Ben", user__last_name="Okoro", specialty=dermatology),
        DoctorFactory(user__first_name="Chen", user__last_name="Li", specialty=cardiology),
    ]
    patients = PatientFactory.create_batch(12)
    statuses = [Status.FULFILLED] * 6 + [Status.NOSHOW, Status.CANCELLED, Status.FULFILLED]
    for day in range(1, 29):
        date = today - datetime.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for i, doctor in enumerate(doctors):
            for hour in range(9, 9 + (day + i) % 6):
                if hour == 12:
                    continue
                status = statuses[(day * 3 + i + hour) % len(statuses)]
                appointment = AppointmentFactory(
                    doctor=doctor,
                    patient=patients[(day + hour + i) % len(patients)],
                    start=at(date, f"{hour:02d}:00"),
                    status=status,
                )
                changes = {"created_at": appointment.start - datetime.timedelta(days=day % 9 + 1)}
                if status == Status.CANCELLED:
                    changes["cancelled_at"] = appointment.start - datetime.timedelta(hours=day * 5)
                Appointment.objects.filter(pk=appointment.pk).update(**changes)
    for day in range(30):  # the daily measure of the first free slot (desk.tasks)
        for specialty, days in ((cardiology, 2 + day % 5), (dermatology, 6 + day % 4)):
            FirstSlotWait.objects.create(
                specialty=specialty,
                day=today - datetime.timedelta(days=day),
                days=days,
                measured_at=clinic_now,
            )

    page = new_context(viewport=DESKTOP, user=clerk("view_reports", "view_appointment")).new_page()
    page.goto("/desk/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.locator("svg.chart")).to_have_count(7)
    expect(page.get_by_role("img", name="Visits by weekday and hour")).to_be_visible()
    pages.check(page, "Desk reports")

    with page.expect_download() as download:
        page.get_by_role("link", name="Utilisation as CSV").click()
    assert download.value.suggested_filename.startswith("utilisation-")
