"""The reports: every figure against a fixture computed by hand, the CSV downloads, and
the query budget (the same queries for a week as for a year)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment
from desk.models import FirstSlotWait
from desk.reports import Period, report
from doctors.models import WorkingHours
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.conftest import at, login
from tests.doctors.factories import (
    DoctorFactory,
    SiteFactory,
    SpecialtyFactory,
    TimeOffFactory,
    main_site,
)
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status
MON, SUN = datetime.date(2029, 12, 31), datetime.date(2030, 1, 6)  # the week before "now"
DAY = datetime.timedelta(days=1)


def booked(appointment, *, before, cancelled_before=None):
    """Say when the appointment was booked (and cancelled), as that long before its start."""
    fields = {"created_at": appointment.start - before}
    if cancelled_before is not None:
        fields["cancelled_at"] = appointment.start - cancelled_before
    Appointment.objects.filter(pk=appointment.pk).update(**fields)
    return appointment


@pytest.fixture
def clinic(now):
    """Dr House (cardiology): Mon–Fri 09–12 and 13–17 (420 min a day), Friday 4 Jan off.
    Dr Grey (dermatology): Mondays 09–12 only. Five patients; visits of the week, one the
    week before and one the week after. Days are counted from Monday 7 January (0)."""
    house = DoctorFactory(
        user__first_name="Gregory",
        user__last_name="House",
        specialty=SpecialtyFactory(name="Cardiology", slug="cardiology"),
    )
    grey = DoctorFactory(
        user__first_name="Meredith",
        user__last_name="Grey",
        specialty=SpecialtyFactory(name="Dermatology", slug="dermatology"),
        working_hours=[(0, "09:00", "12:00")],
    )
    TimeOffFactory(doctor=house, start=at(-3, "00:00"), end=at(-2, "00:00"))
    p1, p2, p3, p4, p5 = PatientFactory.create_batch(5)
    h = datetime.timedelta(hours=1)
    # Dr House
    booked(visit(p1, house, -7, "09:00", status=Status.FULFILLED), before=10 * DAY)
    booked(visit(p2, house, -7, "10:00", status=Status.NOSHOW), before=2 * DAY)
    booked(
        visit(p3, house, -6, "09:00", status=Status.CANCELLED),
        before=12 * DAY,
        cancelled_before=12 * h,
    )
    booked(visit(p1, house, -5, "14:00", status=Status.FULFILLED), before=1 * DAY)
    booked(
        visit(p4, house, -4, "09:00", status=Status.CANCELLED),
        before=5 * DAY,
        cancelled_before=3 * DAY,
    )
    # Dr Grey
    booked(visit(p3, grey, -7, "09:00", status=Status.FULFILLED), before=4 * DAY)
    booked(visit(p5, grey, -7, "09:30", status=Status.NOSHOW), before=6 * DAY)
    booked(
        visit(p2, grey, -7, "10:00", status=Status.CANCELLED),
        before=9 * DAY,
        cancelled_before=8 * DAY,
    )
    # Outside the week: p1 came before (so returns), p2's earlier visit was cancelled.
    visit(p1, house, -14, "09:00", status=Status.FULFILLED)
    visit(p2, house, -21, "09:00", status=Status.CANCELLED)
    visit(p5, grey, 0, "09:00")
    return {"house": house, "grey": grey}


def week(doctor=None):
    return report(Period(start=MON, end=SUN, doctor=doctor))


def test_utilisation_is_booked_against_available_minutes(clinic):
    result = week()

    rows = {row.name: row for row in result.doctors}
    house, grey = rows["Dr Gregory House"], rows["Dr Meredith Grey"]
    assert (house.available, house.booked) == (5 * 420 - 420, 90)  # Friday off
    assert (grey.available, grey.booked) == (180, 60)
    assert (result.total.available, result.total.booked) == (1860, 150)
    assert round(house.utilisation * 100, 1) == 5.4
    assert round(grey.utilisation * 100, 1) == 33.3
    assert round(result.total.utilisation * 100, 1) == 8.1


def test_no_show_and_cancellation_rates(clinic):
    result = week()

    rows = {row.name: row for row in result.doctors}
    house, grey, total = rows["Dr Gregory House"], rows["Dr Meredith Grey"], result.total
    assert (house.visits, house.cancelled, house.due, house.noshow) == (5, 2, 3, 1)
    assert (grey.visits, grey.cancelled, grey.due, grey.noshow) == (3, 1, 2, 1)
    assert (total.visits, total.cancelled, total.due, total.noshow) == (8, 3, 5, 2)
    assert total.noshow_rate == pytest.approx(2 / 5)
    assert total.cancellation_rate == pytest.approx(3 / 8)


def test_cancellation_lead_time_median_and_bands(clinic):
    lead = week().lead_times

    assert lead.cancelled == 3
    assert lead.median == datetime.timedelta(days=3)  # of 12 hours, 3 days, 8 days
    assert [(key, count) for key, _label, count in lead.bands] == [
        ("under_24h", 1),
        ("1_2_days", 0),
        ("2_7_days", 1),
        ("over_7_days", 1),
    ]


@pytest.mark.parametrize(("lead", "band"), [("23:59", "under_24h"), ("24:00", "1_2_days")])
def test_a_cancellation_a_minute_either_side_of_a_day_before(now, lead, band):
    hours, minutes = map(int, lead.split(":"))
    appointment = visit(PatientFactory(), DoctorFactory(), -6, "09:00", status=Status.CANCELLED)
    booked(
        appointment,
        before=5 * DAY,
        cancelled_before=datetime.timedelta(hours=hours, minutes=minutes),
    )

    counts = {key: count for key, _label, count in week().lead_times.bands}

    assert counts[band] == 1 and sum(counts.values()) == 1


def test_an_even_number_of_cancellations_has_the_mean_of_the_middle_two_as_median(now):
    for i, hours in enumerate([2, 10, 30, 50]):
        appointment = visit(
            PatientFactory(), DoctorFactory(), -6, f"{9 + i:02d}:00", status=Status.CANCELLED
        )
        booked(appointment, before=5 * DAY, cancelled_before=datetime.timedelta(hours=hours))

    assert week().lead_times.median == datetime.timedelta(hours=20)


def test_new_and_returning_patients(clinic):
    everyone = week().patients
    with_house = week(clinic["house"]).patients

    assert (everyone.new, everyone.returning) == (3, 1)
    assert (with_house.new, with_house.returning) == (1, 1)


def test_busiest_hours_by_local_weekday_and_hour(clinic):
    heat = week().heat_map

    grid = {
        (label, hour): count
        for label, counts in heat.rows
        for hour, count in zip(heat.hours, counts, strict=True)
    }
    assert grid[("Mon", 9)] == 3 and grid[("Mon", 10)] == 1 and grid[("Wed", 14)] == 1
    assert sum(grid.values()) == 5
    assert heat.peak == 3


def test_busiest_hours_are_in_clinic_time_in_summer(now):
    visit(PatientFactory(), DoctorFactory(), datetime.date(2030, 7, 1), "09:00")

    heat = report(Period(start=datetime.date(2030, 7, 1), end=datetime.date(2030, 7, 1))).heat_map

    assert dict(zip(heat.hours, heat.rows[0][1], strict=True))[9] == 1  # 08:00 UTC


def test_one_doctor_report_counts_only_their_visits_and_hours(clinic):
    result = week(clinic["grey"])

    assert [row.name for row in result.doctors] == ["Dr Meredith Grey"]
    assert (result.total.available, result.total.booked, result.total.visits) == (180, 60, 3)


@pytest.fixture
def north(clinic):
    """A second site: Dr House also works there on Saturdays 09–12, and saw p5 (new to the
    site, though not to the clinic) there on Saturday 5 January at 10:00."""
    site = SiteFactory(name="North")
    house = clinic["house"]
    WorkingHours.objects.create(
        doctor=house,
        weekday=5,
        start_time=datetime.time(9, 0),
        end_time=datetime.time(12, 0),
        site=site,
    )
    patient = Appointment.objects.filter(doctor=clinic["grey"], status=Status.NOSHOW).get().patient
    visit(patient, house, -2, "10:00", site=site, status=Status.FULFILLED)
    return site


def test_a_site_report_counts_only_that_sites_visits_hours_and_patients(clinic, north):
    there = report(Period(start=MON, end=SUN, site=north))
    main = report(Period(start=MON, end=SUN, site=main_site()))

    assert [row.name for row in there.doctors] == ["Dr Gregory House"]
    assert (there.total.available, there.total.booked, there.total.visits) == (180, 30, 1)
    assert (there.total.due, there.total.noshow, there.total.cancelled) == (1, 0, 0)
    assert (there.patients.new, there.patients.returning) == (1, 0)
    assert there.heat_map.peak == 1 and dict(there.heat_map.rows)["Sat"][2] == 1  # 10:00
    # The main site's figures are the week's without North.
    assert (main.total.available, main.total.booked, main.total.visits) == (1860, 150, 8)
    assert (main.patients.new, main.patients.returning) == (3, 1)
    assert report(Period(start=MON, end=SUN)).total.visits == 9


def test_the_site_is_kept_in_the_page_links_and_csv(clinic, north, manager):
    page = manager.get(reverse("desk:reports"), {"start": MON, "end": SUN, "site": north.pk})

    assert page.status_code == 200
    assert f"site={north.pk}" in page.content.decode()
    assert "North" in page.content.decode()
    assert csv_rows(manager, "utilisation", site=north.pk) == [
        ["doctor", "available_minutes", "booked_minutes", "utilisation_percent"],
        ["Dr Gregory House", "180", "30", "16.7"],
        ["All doctors", "180", "30", "16.7"],
    ]
    assert csv_rows(manager, "attendance", site=north.pk, doctor=clinic["grey"].pk) == [
        [
            "doctor",
            "visits",
            "cancelled",
            "cancellation_rate_percent",
            "due",
            "noshow",
            "noshow_rate_percent",
        ],
        ["All doctors", "0", "0", "", "0", "0", ""],
    ]


def csv_rows(client, figure, **query):
    params = {"start": MON.isoformat(), "end": SUN.isoformat(), **query}
    response = client.get(reverse("desk:report_csv", args=[figure]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{figure}-2029-12-31-2030-01-06.csv"'
    )
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def manager(now):
    return login(staff_in("Clinic manager"))


def test_csv_exports(clinic, manager):
    assert csv_rows(manager, "utilisation") == [
        ["doctor", "available_minutes", "booked_minutes", "utilisation_percent"],
        ["Dr Gregory House", "1680", "90", "5.4"],
        ["Dr Meredith Grey", "180", "60", "33.3"],
        ["All doctors", "1860", "150", "8.1"],
    ]
    assert csv_rows(manager, "attendance") == [
        [
            "doctor",
            "visits",
            "cancelled",
            "cancellation_rate_percent",
            "due",
            "noshow",
            "noshow_rate_percent",
        ],
        ["Dr Gregory House", "5", "2", "40.0", "3", "1", "33.3"],
        ["Dr Meredith Grey", "3", "1", "33.3", "2", "1", "50.0"],
        ["All doctors", "8", "3", "37.5", "5", "2", "40.0"],
    ]
    assert csv_rows(manager, "cancellation-lead-time") == [
        ["lead_time", "cancellations"],
        ["under_24h", "1"],
        ["1_2_days", "0"],
        ["2_7_days", "1"],
        ["over_7_days", "1"],
        ["median_hours", "72.0"],
    ]
    for day, days in [(MON, 2.25), (MON + DAY, 4.0), (SUN + DAY, 30.0)]:  # the last: after
        FirstSlotWait.objects.create(
            specialty=clinic["house"].specialty, day=day, days=days, measured_at=at(-7, "00:00")
        )
    assert csv_rows(manager, "waits") == [
        ["specialty", "days_measured", "median_days_to_first_free_slot"],
        ["Cardiology", "2", "3.1"],
    ]
    assert csv_rows(manager, "patients") == [
        ["patients", "count"],
        ["new", "3"],
        ["returning", "1"],
    ]
    assert csv_rows(manager, "patients", doctor=clinic["house"].pk) == [
        ["patients", "count"],
        ["new", "1"],
        ["returning", "1"],
    ]
    heat = csv_rows(manager, "busiest-hours")
    assert heat[0][:3] == ["weekday", "08:00", "09:00"]
    assert heat[1][:4] == ["Mon", "0", "3", "1"]
    assert len(heat) == 8


def test_the_page_shows_each_figure_as_chart_and_table(clinic, manager):
    response = manager.get(reverse("desk:reports"), {"start": MON, "end": SUN})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<svg") == 7
    assert content.count("<table") == 6
    assert '<td class="num">1680</td>' in content
    assert "5.4%" in content and "8.1%" in content
    assert "Median: 72.0 hours before the visit." in content
    # Aggregate only: no patient is named.
    for patient in Appointment.objects.values_list("patient__user__last_name", flat=True):
        assert patient not in content


def test_the_default_period_is_the_last_30_days(clinic, manager):
    response = manager.get(reverse("desk:reports"))

    assert response.status_code == 200
    assert "From 9 Dec 2029 to 7 Jan 2030" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2030-01-06", "end": "2030-01-05"}, "The end must be on or after the start."),
        ({"start": "2029-01-01", "end": "2030-02-05"}, "A report covers at most 400 days."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"doctor": "999999"}, "Select a valid choice."),
        ({"site": "999999"}, "Select a valid choice."),
        ({"site": "north"}, "Select a valid choice."),
    ],
)
def test_a_bad_period_is_a_form_error_not_a_500(manager, query, message):
    page = manager.get(reverse("desk:reports"), query)
    export = manager.get(reverse("desk:report_csv", args=["utilisation"]), query)

    assert page.status_code == 400 and message in page.content.decode()
    assert export.status_code == 400


@pytest.mark.parametrize("days", [400, 400 - 1])
def test_the_longest_period_is_400_days(manager, days):
    end = MON + datetime.timedelta(days=days - 1)
    response = manager.get(reverse("desk:reports"), {"start": MON, "end": end})

    assert response.status_code == 200


def test_an_unknown_figure_is_404(manager):
    assert manager.get(reverse("desk:report_csv", args=["salaries"])).status_code == 404


def queries_for(client, start, end):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("desk:reports"), {"start": start, "end": end})
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_period_or_the_visits(clinic, manager):
    week_queries = queries_for(manager, MON, SUN)
    for day in range(-60, -8):
        if (at(day, "09:00").weekday()) < 5:
            visit(PatientFactory(), clinic["house"], day, "15:00", status=Status.FULFILLED)
    year_queries = queries_for(manager, MON - datetime.timedelta(days=364), SUN)

    assert year_queries == week_queries
    assert week_queries <= 16
