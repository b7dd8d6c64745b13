"""A doctor's own week, edited in the browser: each weekday on or off with its intervals
(added and removed without JavaScript too), per site where the clinic has several."""

import datetime

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from doctors.models import VisitType, WorkingHours
from tests.conftest import login
from tests.doctors.factories import SiteFactory, VisitTypeFactory, main_site
from tests.html_support import messages_of
from tests.waitlist.factories import EntryFactory

pytestmark = pytest.mark.django_db

HOURS = reverse("doctors:hours")
MONDAY, TUESDAY, SATURDAY = 0, 1, 5
FACTORY_WEEK = [
    (day, start, end) for day in range(5) for start, end in (("09:00", "12:00"), ("13:00", "17:00"))
]


def week_data(days, *, slot_minutes=30):
    """The editor's POST: {weekday: [(from, until[, site]), ...]} for the days ticked;
    the other days unticked, each with its empty interval."""
    data = {"slot_minutes": slot_minutes}
    for weekday in range(7):
        rows = days.get(weekday)
        prefix = f"day{weekday}"
        data |= {f"{prefix}-TOTAL_FORMS": len(rows) if rows else 1, f"{prefix}-INITIAL_FORMS": 0}
        if rows is None:
            continue
        data[f"{prefix}-open"] = "on"
        for i, (start, end, *site) in enumerate(rows):
            data |= {f"{prefix}-{i}-start_time": start, f"{prefix}-{i}-end_time": end}
            if site:
                data[f"{prefix}-{i}-site"] = site[0].pk
    return data


def week_of(doctor):
    return [
        (row.weekday, f"{row.start_time:%H:%M}", f"{row.end_time:%H:%M}")
        for row in WorkingHours.objects.filter(doctor=doctor).order_by("weekday", "start_time")
    ]


def waitlist_tasks():
    return DBTaskResult.objects.filter(task_path__contains="waitlist").count()


class TestAccess:
    """Who sees the hours page is in tests/test_authorization_matrix.py."""

    def test_non_doctors_cannot_post_hours(self, doctor, patient_client):
        response = patient_client.post(HOURS, week_data({MONDAY: [("08:00", "10:00")]}))

        assert response.status_code == 404
        assert week_of(doctor) == FACTORY_WEEK


class TestTheWeek:
    def test_shows_each_day_on_or_off_with_its_intervals(self, doctor, doctor_client):
        response = doctor_client.get(HOURS)

        assert response.status_code == 200
        content = response.content.decode()
        assert 'name="day0-open" data-day-open id="id_day0-open" checked' in content
        assert 'name="day5-open" data-day-open id="id_day5-open">' in content  # Saturday off
        assert 'name="day0-0-start_time" value="09:00"' in content
        assert 'name="day0-1-end_time" value="17:00"' in content
        assert 'type="time"' in content
        assert 'name="slot_minutes"' in content
        # One site: nothing to choose.
        assert "day0-0-site" not in content

    def test_saves_a_week_of_days_and_intervals(self, doctor, doctor_client):
        days = {MONDAY: [("08:00", "12:00"), ("13:00", "18:00")], SATURDAY: [("10:00", "14:00")]}

        response = doctor_client.post(HOURS, week_data(days, slot_minutes=20))

        assert response.status_code == 302 and response.url == HOURS
        assert week_of(doctor) == [
            (MONDAY, "08:00", "12:00"),
            (MONDAY, "13:00", "18:00"),
            (SATURDAY, "10:00", "14:00"),
        ]
        doctor.refresh_from_db()
        assert doctor.slot_minutes == 20
        assert "Your working hours are saved." in messages_of(doctor_client.get(HOURS))

    def test_an_unticked_day_is_off_and_an_empty_interval_ignored(self, doctor, doctor_client):
        data = week_data({TUESDAY: [("09:00", "12:00"), ("", "")]})

        response = doctor_client.post(HOURS, data)

        assert response.status_code == 302
        assert week_of(doctor) == [(TUESDAY, "09:00", "12:00")]


class TestErrors:
    def assert_refused(self, response, doctor, text):
        assert response.status_code == 400
        content = response.content.decode()
        assert text in content
        assert "Nothing was saved." in content
        assert week_of(doctor) == FACTORY_WEEK

    @pytest.mark.parametrize(
        ("end", "saved"), [("09:59", False), ("10:00", False), ("10:01", True)]
    )
    def test_the_end_must_be_after_the_start(self, doctor, doctor_client, end, saved):
        response = doctor_client.post(HOURS, week_data({MONDAY: [("10:00", end)]}))

        if saved:
            assert response.status_code == 302
            assert week_of(doctor) == [(MONDAY, "10:00", "10:01")]
        else:
            self.assert_refused(response, doctor, "The end must be after the start.")

    @pytest.mark.parametrize(("second", "saved"), [("11:59", False), ("12:00", True)])
    def test_intervals_on_a_day_must_not_overlap(self, doctor, doctor_client, second, saved):
        days = {TUESDAY: [("09:00", "12:00"), (second, "14:00")]}

        response = doctor_client.post(HOURS, week_data(days, slot_minutes=15))

        if saved:
            assert response.status_code == 302
        else:
            self.assert_refused(response, doctor, "Working hours on Tuesday overlap.")
            # On the interval that overlaps, and the consultation length is not saved either.
            form = response.context["editor"].days[TUESDAY].formset.forms[1]
            assert form.errors["start_time"] == ["Working hours on Tuesday overlap."]
            doctor.refresh_from_db()
            assert doctor.slot_minutes == 30

    def test_a_ticked_day_needs_hours(self, doctor, doctor_client):
        data = week_data({SATURDAY: [("", "")]})

        response = doctor_client.post(HOURS, data)

        self.assert_refused(response, doctor, "Give the hours you work on Saturday, or untick it.")

    def test_hours_on_an_unticked_day_are_not_dropped_silently(self, doctor, doctor_client):
        data = week_data({MONDAY: [("09:00", "12:00")]})
        data |= {"day5-0-start_time": "10:00", "day5-0-end_time": "12:00"}  # not ticked

        response = doctor_client.post(HOURS, data)

        self.assert_refused(response, doctor, "Tick “I work on Saturday” to keep these hours")

    def test_half_an_interval_is_an_error_on_it(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, week_data({MONDAY: [("09:00", "")]}))

        self.assert_refused(response, doctor, "Give the end too, or remove this interval.")

    def test_garbage_times_are_form_errors(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, week_data({MONDAY: [("25:00", "noon")]}))

        assert response.status_code == 400
        errors = response.context["editor"].days[MONDAY].formset.forms[0].errors
        assert set(errors) == {"start_time", "end_time"}
        assert week_of(doctor) == FACTORY_WEEK

    def test_a_broken_management_form_is_an_error_not_a_crash(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, {"slot_minutes": 30, "day0-open": "on"})

        assert response.status_code == 400
        assert week_of(doctor) == FACTORY_WEEK

    @pytest.mark.parametrize("value", ["4", "241", "abc"])
    def test_slot_length_out_of_range_is_rejected(self, doctor, doctor_client, value):
        response = doctor_client.post(
            HOURS, week_data({MONDAY: [("09:00", "12:00")]}, slot_minutes=value)
        )

        assert response.status_code == 400
        assert response.context["slot_form"].errors["slot_minutes"]
        assert week_of(doctor) == FACTORY_WEEK


class TestWithoutJavaScript:
    def test_add_an_interval_shows_the_day_with_one_more_and_saves_nothing(
        self, doctor, doctor_client
    ):
        data = week_data({MONDAY: [("09:00", "12:00")]}) | {"add": "5"}

        response = doctor_client.post(HOURS, data)

        assert response.status_code == 200
        content = response.content.decode()
        assert 'name="day5-1-start_time" id="id_day5-1-start_time" autofocus' in content
        assert 'id="id_day5-open" checked' in content
        assert "Nothing was saved" not in content  # not an error: still editing
        assert week_of(doctor) == FACTORY_WEEK

    def test_remove_takes_the_interval_away_and_moves_the_next_up(self, doctor, doctor_client):
        days = {MONDAY: [("08:00", "09:00"), ("10:00", "11:00"), ("12:00", "13:00")]}
        data = week_data(days) | {"remove": "day0-1"}

        response = doctor_client.post(HOURS, data)

        content = response.content.decode()
        assert response.status_code == 200
        assert 'name="day0-1-start_time" value="12:00"' in content
        assert 'value="10:00"' not in content
        assert 'name="day0-TOTAL_FORMS" value="2"' in content
        assert week_of(doctor) == FACTORY_WEEK
        # Saving what the page shows saves the two that are left.
        saved = week_data({MONDAY: [("08:00", "09:00"), ("12:00", "13:00")]})
        doctor_client.post(HOURS, saved)
        assert week_of(doctor) == [(MONDAY, "08:00", "09:00"), (MONDAY, "12:00", "13:00")]

    def test_a_forged_add_or_remove_is_not_a_crash(self, doctor, doctor_client):
        for extra in ({"add": "9"}, {"remove": "day9-0"}, {"remove": "day0-x"}):
            response = doctor_client.post(HOURS, week_data({}) | extra)
            assert response.status_code in (302, 400)


class TestSites:
    def test_each_interval_at_a_site_where_the_clinic_has_several(self, now, doctor):
        main_site()
        north = SiteFactory(name="North")
        days = {MONDAY: [("09:00", "12:00", north)], TUESDAY: [("09:00", "12:00", main_site())]}

        response = login(doctor.user).post(HOURS, week_data(days, slot_minutes=20))

        assert response.status_code == 302
        assert sorted((h.weekday, h.site.name) for h in doctor.working_hours.all()) == [
            (MONDAY, "North"),
            (TUESDAY, main_site().name),
        ]
        assert doctor.offers.get(visit_type=VisitType.objects.default()).length == 20
        page = login(doctor.user).get(HOURS).content.decode()
        assert f'<option value="{north.pk}" selected>North</option>' in page

    def test_a_site_that_sees_none_of_the_doctors_visit_types_is_refused(self, now, doctor):
        main_site()
        vaccinations = SiteFactory(name="Vaccination centre")
        vaccinations.visit_types.add(VisitTypeFactory(name="Vaccination"))
        page = login(doctor.user).get(HOURS).content.decode()
        assert "Vaccination centre" not in page  # not offered to choose

        response = login(doctor.user).post(
            HOURS, week_data({MONDAY: [("09:00", "12:00", vaccinations)]})
        )

        assert response.status_code == 400
        form = response.context["editor"].days[MONDAY].formset.forms[0]
        assert form.errors["site"] == [
            f"Vaccination centre sees none of the kinds of visit {doctor} offers."
        ]
        assert week_of(doctor) == FACTORY_WEEK


class TestWaitlist:
    def test_newly_opened_time_is_offered_and_shrinking_offers_nothing(self, now, doctor):
        EntryFactory(doctor=doctor)
        client = login(doctor.user)
        fewer = {day: [("09:00", "12:00")] for day in range(5)}
        client.post(HOURS, week_data(fewer))
        assert waitlist_tasks() == 0  # only less time: nothing to offer

        client.post(HOURS, week_data(fewer | {SATURDAY: [("09:00", "10:00")]}))

        assert waitlist_tasks() == 1
        assert (SATURDAY, "09:00", "10:00") in week_of(doctor)

    def test_an_interval_a_minute_longer_is_new_time(self, now, doctor):
        EntryFactory(doctor=doctor)
        week = {day: [("09:00", "12:00"), ("13:00", "17:00")] for day in range(5)}
        client = login(doctor.user)
        client.post(HOURS, week_data(week))
        assert waitlist_tasks() == 0  # the same week again
        week[MONDAY] = [("09:00", "12:01"), ("13:00", "17:00")]

        client.post(HOURS, week_data(week))

        assert waitlist_tasks() == 1


def test_the_time_fields_read_the_24_hour_clock():
    from doctors.forms import IntervalForm

    form = IntervalForm({"start_time": "13:30", "end_time": "17:45"})
    assert form.is_valid()
    assert form.cleaned_data["start_time"] == datetime.time(13, 30)
