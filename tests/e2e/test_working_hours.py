"""A doctor edits their week: ticks Saturday and gives its hours at another site, adds an
evening interval on Monday (first with the end before the start, which the page refuses),
removes Tuesday afternoon, and saves; the waiting patient is offered the new Saturday
time. At 390 px and 1280 px, with JavaScript (rows added and removed in place) and
without (each button posts the week back), axe-clean."""

import datetime

import pytest
from django.core import mail
from playwright.sync_api import expect

from doctors.models import WorkingHours
from tests.appointments.mail_support import run_worker
from tests.doctors.factories import DoctorFactory, SiteFactory, main_site
from tests.e2e.conftest import DESKTOP, PHONE_390, Pages
from tests.e2e.helpers import message
from tests.waitlist.factories import EntryFactory

MONDAY, TUESDAY, SATURDAY = 0, 1, 5


def week_of(doctor):
    return [
        (row.weekday, f"{row.start_time:%H:%M}", f"{row.end_time:%H:%M}", row.site.name)
        for row in WorkingHours.objects.filter(doctor=doctor)
        .select_related("site")
        .order_by("weekday", "start_time")
    ]


@pytest.mark.parametrize(
    ("js", "viewport"),
    [(True, PHONE_390), (False, PHONE_390), (True, DESKTOP), (False, DESKTOP)],
    ids=["js-390", "nojs-390", "js-1280", "nojs-1280"],
)
def test_a_doctor_edits_their_week(new_context, clinic_now, js, viewport):
    pages = Pages(js=js)
    main_site()
    SiteFactory(name="North")
    doctor = DoctorFactory()  # Monday to Friday, 09:00-12:00 and 13:00-17:00, main site
    waiting = EntryFactory(
        doctor=doctor,
        earliest=clinic_now.date(),
        latest=clinic_now.date() + datetime.timedelta(days=13),
        weekdays=[SATURDAY],
    )
    page = new_context(user=doctor.user, js=js, viewport=viewport).new_page()
    page.goto("/doctors/me/hours/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Working hours")
    pages.check(page, "Working hours")

    saturday = page.get_by_role("group", name="Saturday")
    if js:  # an unticked day's interval is out of the way
        expect(saturday.get_by_label("From, Saturday", exact=False)).to_be_hidden()
    saturday.get_by_label("I work on Saturday").check()
    saturday.get_by_label("From, Saturday, interval 1").fill("09:00")
    saturday.get_by_label("Until, Saturday, interval 1").fill("10:00")
    saturday.get_by_label("Site, Saturday, interval 1").select_option(label="North")

    monday = page.get_by_role("group", name="Monday")
    monday.get_by_role("button", name="Add an interval on Monday").click()
    # The cursor is in the new interval's first field, in place or after the page came back.
    added = page.get_by_role("group", name="Monday").locator("[data-interval]").last
    expect(added.locator("input").first).to_be_focused()
    added.locator("input").first.fill("18:00")
    added.locator("input").nth(1).fill("17:00")

    tuesday = page.get_by_role("group", name="Tuesday")
    tuesday.get_by_role("button", name="Remove this interval on Tuesday").nth(1).click()
    expect(page.get_by_role("group", name="Tuesday").locator("[data-interval]")).to_have_count(1)

    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.get_by_role("group", name="Monday")).to_contain_text(
        "The end must be after the start."
    )
    pages.check(page, "Working hours - error")
    page.get_by_role("group", name="Monday").locator("[data-interval]").last.locator("input").nth(
        1
    ).fill("19:00")
    page.get_by_role("button", name="Save working hours").click()
    expect(message(page)).to_contain_text("Your working hours are saved.")
    pages.check(page, "Working hours - saved")

    week = week_of(doctor)
    main = main_site().name
    assert [row for row in week if row[0] == MONDAY] == [
        (MONDAY, "09:00", "12:00", main),
        (MONDAY, "13:00", "17:00", main),
        (MONDAY, "18:00", "19:00", main),
    ]
    assert [row for row in week if row[0] == TUESDAY] == [(TUESDAY, "09:00", "12:00", main)]
    assert [row for row in week if row[0] == SATURDAY] == [(SATURDAY, "09:00", "10:00", "North")]

    # The new Saturday time goes to the patient waiting for Saturdays.
    mail.outbox.clear()
    run_worker()
    (offer,) = [m for m in mail.outbox if m.to == [waiting.patient.user.email]]
    assert "09:00" in offer.body and "North" in offer.body
