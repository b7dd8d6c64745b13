"""A doctor's own working hours, edited in the browser."""

import pytest
from django.urls import reverse

from doctors.models import WorkingHours
from tests.conftest import login
from tests.html_support import messages_of

pytestmark = pytest.mark.django_db

HOURS = reverse("doctors:hours")
MONDAY, TUESDAY, SATURDAY = 0, 1, 5


def hours_data(rows, *, slot_minutes=30, initial=0, delete=()):
    """The hours editor's POST: rows of (weekday, from, until), some ticked for removal."""
    data = {
        "slot_minutes": slot_minutes,
        "hours-TOTAL_FORMS": len(rows),
        "hours-INITIAL_FORMS": initial,
        "hours-MIN_NUM_FORMS": 0,
        "hours-MAX_NUM_FORMS": 1000,
    }
    for i, (weekday, start, end) in enumerate(rows):
        data |= {f"hours-{i}-weekday": weekday, f"hours-{i}-start_time": start}
        data[f"hours-{i}-end_time"] = end
        if i in delete:
            data[f"hours-{i}-DELETE"] = "on"
    return data


def week_of(doctor):
    return [
        (row.weekday, f"{row.start_time:%H:%M}", f"{row.end_time:%H:%M}")
        for row in WorkingHours.objects.filter(doctor=doctor).order_by("weekday", "start_time")
    ]


FACTORY_WEEK = [
    (day, start, end) for day in range(5) for start, end in (("09:00", "12:00"), ("13:00", "17:00"))
]


class TestAccess:
    """Who sees the hours page is in tests/test_authorization_matrix.py."""

    def test_non_doctors_cannot_post_hours(self, doctor, patient_client):
        response = patient_client.post(HOURS, hours_data([(MONDAY, "08:00", "10:00")]))

        assert response.status_code == 404
        assert week_of(doctor) == FACTORY_WEEK


class TestWorkingHours:
    def test_shows_the_current_week_with_empty_rows_to_add(self, doctor, doctor_client):
        response = doctor_client.get(HOURS)

        assert response.status_code == 200
        formset = response.context["formset"]
        assert len(formset.forms) == len(FACTORY_WEEK) + 3
        content = response.content.decode()
        assert 'value="09:00"' in content and 'value="17:00"' in content
        assert 'name="slot_minutes"' in content and 'value="30"' in content
        assert 'name="hours-0-DELETE"' in content

    def test_saves_a_valid_week_and_slot_length(self, doctor, doctor_client):
        rows = [
            (MONDAY, "08:00", "12:00"),
            (MONDAY, "13:00", "18:00"),
            (SATURDAY, "10:00", "14:00"),
            ("", "", ""),  # an empty extra row is ignored
        ]

        response = doctor_client.post(HOURS, hours_data(rows, slot_minutes=20))

        assert response.status_code == 302
        assert response.url == HOURS
        assert week_of(doctor) == rows[:3]
        doctor.refresh_from_db()
        assert doctor.slot_minutes == 20
        assert "Your working hours are saved." in messages_of(doctor_client.get(HOURS))

    def test_a_ticked_row_is_removed(self, doctor, doctor_client):
        data = hours_data(FACTORY_WEEK, initial=len(FACTORY_WEEK), delete={0, 1})

        response = doctor_client.post(HOURS, data)

        assert response.status_code == 302
        assert week_of(doctor) == FACTORY_WEEK[2:]

    def test_overlapping_intervals_are_rejected_and_nothing_saved(self, doctor, doctor_client):
        rows = [(TUESDAY, "09:00", "12:00"), (TUESDAY, "11:30", "14:00")]

        response = doctor_client.post(HOURS, hours_data(rows, slot_minutes=15))

        assert response.status_code == 200
        content = response.content.decode()
        assert "Working hours on Tuesday overlap." in content
        assert "Nothing was saved." in content
        assert week_of(doctor) == FACTORY_WEEK
        doctor.refresh_from_db()
        assert doctor.slot_minutes == 30

    def test_an_interval_ending_before_it_starts_is_rejected(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, hours_data([(MONDAY, "12:00", "09:00")]))

        assert response.status_code == 200
        assert "Working hours must end after they start." in response.content.decode()
        assert week_of(doctor) == FACTORY_WEEK

    def test_a_half_filled_row_is_an_error_on_that_row(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, hours_data([(MONDAY, "09:00", "")]))

        assert response.status_code == 200
        assert response.context["formset"].forms[0].errors["end_time"]
        assert "or tick “Remove”" in response.content.decode()
        assert week_of(doctor) == FACTORY_WEEK

    @pytest.mark.parametrize("value", ["4", "241", "abc"])
    def test_slot_length_out_of_range_is_rejected(self, doctor, doctor_client, value):
        response = doctor_client.post(
            HOURS, hours_data([(MONDAY, "09:00", "12:00")], slot_minutes=value)
        )

        assert response.status_code == 200
        assert response.context["slot_form"].errors["slot_minutes"]
        assert week_of(doctor) == FACTORY_WEEK

    def test_garbage_times_and_days_are_form_errors(self, doctor, doctor_client):
        response = doctor_client.post(
            HOURS, hours_data([("9", "25:00", "noon"), (MONDAY, "09:00", "10:00")])
        )

        assert response.status_code == 200
        errors = response.context["formset"].forms[0].errors
        assert set(errors) == {"weekday", "start_time", "end_time"}
        assert week_of(doctor) == FACTORY_WEEK

    def test_a_broken_management_form_is_an_error_not_a_crash(self, doctor, doctor_client):
        response = doctor_client.post(HOURS, {"slot_minutes": 30})

        assert response.status_code == 200
        assert week_of(doctor) == FACTORY_WEEK


def test_hours_are_saved_per_site_and_the_consultation_length_follows(now, doctor):
    from doctors.models import VisitType
    from tests.doctors.factories import SiteFactory, main_site

    main_site()
    north = SiteFactory(name="North")
    data = {
        "slot_minutes": 20,
        "hours-TOTAL_FORMS": 2,
        "hours-INITIAL_FORMS": 0,
        "hours-0-weekday": 0,
        "hours-0-start_time": "09:00",
        "hours-0-end_time": "12:00",
        "hours-0-site": north.pk,
        "hours-1-weekday": 1,
        "hours-1-start_time": "09:00",
        "hours-1-end_time": "12:00",
        "hours-1-site": "",
    }

    response = login(doctor.user).post(reverse("doctors:hours"), data)

    assert response.status_code == 302
    assert sorted((h.weekday, h.site.name) for h in doctor.working_hours.all()) == [
        (0, "North"),
        (1, main_site().name),
    ]
    offer = doctor.offers.get(visit_type=VisitType.objects.default())
    assert offer.length == 20
    page = login(doctor.user).get(reverse("doctors:hours")).content.decode()
    assert f'<option value="{north.pk}" selected>North</option>' in page
