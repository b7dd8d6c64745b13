"""The booking flow by keyboard alone: Tab to move, Enter to follow or press, typing to
fill in. Every stop shows a visible focus indicator."""

import datetime

from playwright.sync_api import expect

from tests.conftest import at
from tests.doctors.factories import DoctorFactory
from tests.e2e.helpers import human, message
from tests.patients.factories import PatientFactory

MAX_TABS = 120


def focused(page):
    """The focused element's accessible text, and whether it shows a focus outline."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                text: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim(),
                tag: el.tagName.toLowerCase(),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
            };
        }"""
    )


def tab_to(page, matches):
    """Press Tab until the focused element satisfies `matches`; check its focus is visible."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            assert element["outline"], f"no visible focus on {element}"
            return element
    raise AssertionError("never reached the element by Tab")


def test_a_patient_books_with_the_keyboard_alone(new_context, clinic_now):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    patient = PatientFactory()
    wednesday = clinic_now.date() + datetime.timedelta(days=2)
    page = new_context(user=patient.user).new_page()
    page.goto(f"/doctors/{doctor.pk}/")

    tab_to(page, lambda el: el["text"] in ("See more days", "Choose a day"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Book a visit with")

    day = f"{wednesday:%a} {wednesday.day} {wednesday:%b}"
    tab_to(page, lambda el: el["text"] == day)
    page.keyboard.press("Enter")
    expect(page.locator("#times-heading")).to_contain_text(f"{wednesday:%A} {wednesday.day}")
    # The swap moves the focus to the day's times, so the next Tab goes on to them.
    expect(page.locator("#times-heading")).to_be_focused()

    when = f"Book {wednesday:%A} {wednesday.day} {wednesday:%B}, 11:00"
    tab_to(page, lambda el: el["text"] == when)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("3. Confirm your booking")

    tab_to(page, lambda el: el["tag"] == "textarea")
    page.keyboard.type("Booked without a mouse")
    tab_to(page, lambda el: el["text"] == "Confirm booking")
    page.keyboard.press("Enter")
    expect(message(page)).to_contain_text(human(at(wednesday, "11:00")))
    expect(page.get_by_text("Booked without a mouse")).to_be_visible()


def test_skip_link_is_the_first_stop_and_moves_to_the_content(new_context, clinic_now):
    page = new_context().new_page()
    page.goto("/doctors/")
    first = tab_to(page, lambda el: True)
    assert first["text"] == "Skip to content"
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
