"""The booking and rescheduling pages' week strip: one week of days at a time, with the
weeks before and after offered only inside the booking window (today's week to the
horizon's), and the chosen day's times right under it. The browser side (focus, htmx,
phone width) is in tests/e2e/test_week_strip.py."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import NOW, at, clock_at, login
from tests.doctors.factories import DoctorFactory, TimeOffFactory
from tests.html_support import messages_of

pytestmark = pytest.mark.django_db

MONDAY = NOW.date()  # Monday 7 January 2030


def page(client, doctor, **params):
    url = reverse("appointments:book", args=[doctor.pk])
    response = client.get(f"{url}?{urlencode(params)}" if params else url)
    assert response.status_code == 200
    return response.content.decode()


def week_link(doctor, monday):
    return f'?week={monday.isoformat()}#week"'


def day_link(day):
    return f'?day={day.isoformat()}#times"'


def test_the_first_week_is_shown_with_its_days_and_the_first_free_days_times(
    now, doctor, patient_client
):
    content = page(patient_client, doctor)

    assert "Week of 7 Jan – 13 Jan 2030" in content
    for day in range(7, 12):  # Monday to Friday: links to their times
        assert day_link(datetime.date(2030, 1, day)) in content
    assert day_link(datetime.date(2030, 1, 12)) not in content  # Saturday: no hours
    assert "no free times" in content
    assert day_link(datetime.date(2030, 1, 14)) not in content  # next week's days wait
    # Monday's first time is 10:00 (two hours' notice from 08:00), right under the strip.
    assert "2. Choose a time on Monday 7 January 2030" in content
    assert content.index('id="week"') < content.index('id="times"')
    assert content.index('id="times"') < content.index("?start=2030-01-07T10%3A00")


def test_no_week_before_today_is_offered(now, doctor, patient_client):
    content = page(patient_client, doctor)

    assert 'id="week-previous"' not in content
    assert week_link(doctor, datetime.date(2030, 1, 14)) in content


def test_a_week_before_today_asked_for_shows_this_week(now, doctor, patient_client):
    content = page(patient_client, doctor, week="2029-12-31")

    assert "Week of 7 Jan – 13 Jan 2030" in content
    assert 'id="week-previous"' not in content


@pytest.mark.parametrize(
    ("clock", "first_week_offered"),
    [
        # Sunday 21:59 + two hours' notice is still Sunday: that week keeps a bookable day.
        (at(6, "21:59"), True),
        # A minute later the first bookable day is Monday: the whole week has gone.
        (at(6, "22:00"), False),
    ],
)
def test_a_week_is_offered_while_one_of_its_days_is_bookable(
    doctor, patient, clock, first_week_offered
):
    with clock_at(clock):
        client = login(patient.user)
        content = page(client, doctor, week="2030-01-07")
        following = page(client, doctor, week="2030-01-14")

    assert ("Week of 7 Jan – 13 Jan 2030" in content) is first_week_offered
    assert (week_link(doctor, MONDAY) in following) is first_week_offered


@pytest.mark.parametrize(
    ("horizon", "next_week_offered"),
    [
        # 56 days less 8 hours from Monday 08:00 is Monday 4 March 00:00: bookable.
        (datetime.timedelta(days=56, hours=-8), True),
        # A minute less, the horizon ends on Sunday 3 March: no week of 4 March.
        (datetime.timedelta(days=56, hours=-8, minutes=-1), False),
    ],
)
def test_no_week_past_the_horizon_is_offered(
    now, doctor, patient_client, settings, horizon, next_week_offered
):
    settings.CLINIC_BOOKING_HORIZON = horizon

    content = page(patient_client, doctor, week="2030-02-25")

    assert "Week of 25 Feb – 3 Mar 2030" in content
    assert (week_link(doctor, datetime.date(2030, 3, 4)) in content) is next_week_offered


def test_a_week_past_the_horizon_asked_for_shows_the_last_one(now, doctor, patient_client):
    # 60 days from Monday 7 January 08:00: Friday 8 March 08:00.
    content = page(patient_client, doctor, week="2030-06-03")

    assert "Week of 4 Mar – 10 Mar 2030" in content
    assert 'id="week-next"' not in content
    assert week_link(doctor, datetime.date(2030, 2, 25)) in content
    assert day_link(datetime.date(2030, 3, 7)) in content
    # The horizon's day ends at 08:00, before the doctor's hours: no times that day.
    assert day_link(datetime.date(2030, 3, 8)) not in content
    assert "?start=2030-03-04T09%3A00" in content  # the week's first free time is chosen


def test_days_past_the_horizon_in_the_last_week_are_not_links(
    now, doctor, patient_client, settings
):
    settings.CLINIC_BOOKING_HORIZON = datetime.timedelta(days=58, hours=10)  # Wed 6 Mar 18:00

    content = page(patient_client, doctor, week="2030-03-04")

    assert day_link(datetime.date(2030, 3, 6)) in content
    assert day_link(datetime.date(2030, 3, 7)) not in content
    assert "not bookable online" in content


def test_a_day_past_the_horizon_shows_the_last_week(now, doctor, patient_client):
    content = page(patient_client, doctor, day="2030-03-09")

    assert "Week of 4 Mar – 10 Mar 2030" in content
    assert "2. Choose a time on Monday 4 March 2030" in content


def test_a_week_link_chooses_that_weeks_first_free_day(now, doctor, patient_client):
    TimeOffFactory(doctor=doctor, start=at(7, "00:00"), end=at(8, "00:00"))  # Monday 14

    content = page(patient_client, doctor, week="2030-01-14")

    assert "Week of 14 Jan – 20 Jan 2030" in content
    assert "2. Choose a time on Tuesday 15 January 2030" in content
    assert week_link(doctor, MONDAY) in content  # back to this week


def test_a_week_without_free_times_says_so(now, doctor, patient_client):
    TimeOffFactory(doctor=doctor, start=at(7, "00:00"), end=at(14, "00:00"))

    content = page(patient_client, doctor, week="2030-01-14")

    assert "No free times in this week. Please choose another week above." in content
    assert week_link(doctor, datetime.date(2030, 1, 21)) in content


def test_a_full_first_week_opens_on_the_week_of_the_first_free_time(now, doctor, patient_client):
    TimeOffFactory(doctor=doctor, start=at(0, "00:00"), end=at(15, "00:00"))

    content = page(patient_client, doctor)

    assert "Week of 21 Jan – 27 Jan 2030" in content
    assert "2. Choose a time on Tuesday 22 January 2030" in content
    assert week_link(doctor, datetime.date(2030, 1, 14)) in content


def test_no_free_times_at_all_says_so_without_a_strip(now, patient_client):
    doctor = DoctorFactory()  # with hours (a doctor without any is not listed), all off
    TimeOffFactory(doctor=doctor, start=at(-1, "00:00"), end=at(120, "00:00"))

    content = page(patient_client, doctor)

    assert "There are no free times in the coming weeks." in content
    assert 'class="week-strip"' not in content


@pytest.mark.parametrize("value", ["2030-13-01", "next", "2030-1-7x"])
def test_a_malformed_week_is_a_message_not_a_500(now, doctor, patient_client, value):
    url = reverse("appointments:book", args=[doctor.pk])

    response = patient_client.get(url, {"week": value})

    assert response.status_code == 200
    assert messages_of(response) == [
        "That is not a valid date. Showing the first day with free times instead."
    ]
    assert "Week of 7 Jan – 13 Jan 2030" in response.content.decode()


def test_rescheduling_pages_through_weeks_too(now, doctor, patient, patient_client):
    appointment = AppointmentFactory(doctor=doctor, patient=patient, start=at(3, "10:00"))
    url = reverse("appointments:reschedule", args=[appointment.pk])

    content = patient_client.get(url, {"week": "2030-01-14"}).content.decode()

    assert "Week of 14 Jan – 20 Jan 2030" in content
    assert f'href="{url}?week=2030-01-07#week"' in content
    assert "2. Choose a new time on Monday 14 January 2030" in content
    assert "Move to Monday 14 January, 09:00" in content
