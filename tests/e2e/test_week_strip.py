"""The booking page's week strip on a phone (390 px) and a desktop (1280 px), with and
without JavaScript, axe-checked: a week of days with the weeks before and after (never
before this week), and the chosen day's times right under the strip, in view, with the
keyboard focus on them (JavaScript) or the reload landing on them (#times)."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.doctors.factories import DoctorFactory
from tests.e2e.conftest import DESKTOP, PHONE_390, Pages
from tests.e2e.helpers import long_day
from tests.patients.factories import PatientFactory


def strip_day(page, day):
    return page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}", exact=True)


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_patient_pages_through_weeks_and_lands_on_the_days_times(
    new_context, clinic_now, viewport, js
):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    patient = PatientFactory()
    pages = Pages(js=js)
    page = new_context(js=js, viewport=viewport, user=patient.user).new_page()
    monday = clinic_now.date()
    next_monday = monday + datetime.timedelta(days=7)
    next_wednesday = next_monday + datetime.timedelta(days=2)

    page.goto(f"/appointments/book/{doctor.pk}/")
    expect(page.locator("#week-range")).to_contain_text(f"Week of {monday.day} {monday:%b}")
    expect(page.locator("#week-previous")).to_have_count(0)  # no week before this one
    expect(page.locator(".week-strip li")).to_have_count(7)
    expect(page.locator("#times-heading")).to_contain_text(long_day(monday))
    pages.check(page, "Week strip")
    if js:
        page.evaluate("window.stillTheSamePage = true")

    # The next week: the strip moves on, its first day's times are shown.
    page.locator("#week-next").click()
    expect(page.locator("#week-range")).to_contain_text(
        f"Week of {next_monday.day} {next_monday:%b}"
    )
    expect(page.locator("#times-heading")).to_contain_text(long_day(next_monday))
    expect(page.locator("#week-previous")).to_be_visible()
    if js:
        expect(page.locator("#week-next")).to_be_focused()  # still where the user was
    else:
        assert page.url.endswith(f"?week={next_monday.isoformat()}#week")

    # A day: its times appear right under the strip, in view, and take the focus.
    strip_day(page, next_wednesday).click()
    heading = page.locator("#times-heading")
    expect(heading).to_contain_text(long_day(next_wednesday))
    expect(heading).to_be_in_viewport()
    when = f"{next_wednesday:%A} {next_wednesday.day} {next_wednesday:%B}, 09:00"
    expect(page.get_by_role("link", name=f"Book {when}")).to_be_visible()
    strip_box = page.locator(".week-strip").bounding_box()
    heading_box = heading.bounding_box()
    assert 0 <= heading_box["y"] - (strip_box["y"] + strip_box["height"]) < 120
    if js:
        expect(heading).to_be_focused()
        assert page.evaluate("window.stillTheSamePage === true"), "a link reloaded the page"
        assert page.url.endswith(f"?day={next_wednesday.isoformat()}")
    else:
        assert page.url.endswith(f"?day={next_wednesday.isoformat()}#times")
    pages.check(page, "Week strip - a day chosen")

    # And back to this week.
    page.locator("#week-previous").click()
    expect(page.locator("#week-range")).to_contain_text(f"Week of {monday.day} {monday:%b}")
    expect(page.locator("#week-previous")).to_have_count(0)
    if js:
        # The link the focus was on is gone: it goes to the strip's heading.
        expect(page.locator("#day-heading")).to_be_focused()
