"""The reports' summary table: kept exact by every change to an appointment (booking,
moving, cancelling, no-shows, through the services), equal to a recount from scratch, and
rebuilt by its command; and the daily "days to the first free slot" per specialty."""

import datetime

import pytest
from django.core.management import call_command

from appointments import services
from appointments.models import Appointment
from desk.figures import HOURS, rebuild
from desk.models import DailyFigures, FirstSlotWait, FirstVisit
from desk.reports import Period, report
from desk.tasks import record_first_slot_waits
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.conftest import at, clock_at
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
DAY = datetime.timedelta(days=1)
FIELDS = ["day", "doctor_id", "site_id", "visits", "active", "cancelled", "noshow"]


def table():
    return sorted(
        DailyFigures.objects.values_list(*FIELDS, "booked_seconds", *HOURS), key=lambda r: r[:3]
    ) + sorted(FirstVisit.objects.values_list("patient_id", "site", "start"))


def recounted():
    before = table()
    rebuild()
    return before, table()


def test_the_summary_follows_bookings_moves_cancellations_and_no_shows(now):
    desk = staff_in("Reception")
    doctor, other = DoctorFactory(), DoctorFactory()
    ann, bob = PatientFactory(), PatientFactory()
    first = services.book_appointment(
        patient=ann, doctor=doctor, start=at(1, "09:00"), booked_by=ann.user
    )
    second = services.book_appointment(
        patient=bob, doctor=doctor, start=at(1, "10:00"), booked_by=bob.user
    )
    services.book_appointment(patient=bob, doctor=other, start=at(2, "14:00"), booked_by=desk)
    assert DailyFigures.objects.get(doctor=doctor).active == 2

    services.reschedule_appointment(appointment=first, start=at(3, "11:00"), actor=ann.user)
    services.cancel_appointment(appointment=second, actor=bob.user, reason="Better")
    with clock_at(at(2, "14:20")):
        noshow = Appointment.objects.get(doctor=other)
        services.change_status(appointment=noshow, to=Status.NOSHOW, actor=desk)

    before, after = recounted()
    assert before == after
    rows = {(row[0], row[1]): row for row in before}
    tue, wed, thu = (at(n, "00:00").date() for n in (1, 2, 3))
    # Tuesday kept the cancelled visit only; the moved one counts on Thursday at 11.
    assert rows[(tue, doctor.pk)][3:8] == (1, 0, 1, 0, 0)
    assert rows[(thu, doctor.pk)][3:8] == (1, 1, 0, 0, doctor.slot_minutes * 60)
    assert rows[(thu, doctor.pk)][8 + 11] == 1
    assert rows[(wed, other.pk)][3:7] == (1, 1, 0, 1)


def test_a_deleted_appointment_leaves_the_summary(now):
    appointment = visit(PatientFactory(), DoctorFactory(), 1, "09:00")
    assert DailyFigures.objects.count() == 1

    appointment.delete()

    assert DailyFigures.objects.count() == 0


def test_each_site_has_its_row_and_hours_are_local(now):
    doctor, north = DoctorFactory(), SiteFactory(name="North")  # the doctor made the main site
    visit(PatientFactory(), doctor, datetime.date(2030, 7, 1), "09:00")  # 08:00 UTC
    visit(PatientFactory(), doctor, datetime.date(2030, 7, 1), "23:30", site=north)

    before, after = recounted()

    assert before == after
    by_site = {row.site.name: row for row in DailyFigures.objects.select_related("site")}
    assert by_site["North"].h23 == 1 and by_site["North"].visits == 1
    assert by_site["Main site"].h09 == 1


def test_rebuild_command_restores_rows_a_bulk_load_skipped(now):
    doctor = DoctorFactory()
    Appointment.objects.bulk_create(
        [
            Appointment(
                patient=PatientFactory(),
                doctor=doctor,
                visit_type=doctor.offers.first().visit_type,
                site=doctor.working_hours.first().site,
                start=at(-1, "09:00"),
                end=at(-1, "09:30"),
                busy_until=at(-1, "09:30"),
                status=Status.FULFILLED,
            )
        ]
    )
    yesterday = at(-1, "00:00").date()
    assert report(Period(start=yesterday, end=yesterday)).total.visits == 0

    call_command("rebuild_daily_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115

    result = report(Period(start=at(-1, "00:00").date(), end=at(-1, "00:00").date()))
    assert (result.total.visits, result.total.booked) == (1, 30)


@pytest.mark.parametrize(("minutes", "due"), [(-1, 0), (0, 0), (1, 1)])
def test_a_visit_today_is_due_from_its_start(now, minutes, due):
    """Today's part of "due" is counted live: due once its start has passed."""
    visit(PatientFactory(), DoctorFactory(), 0, "09:00")
    today = now.date()

    with clock_at(at(0, "09:00") + datetime.timedelta(minutes=minutes)):
        assert report(Period(start=today - datetime.timedelta(days=6), end=today)).total.due == due


def test_time_off_lowers_available_minutes_at_the_chosen_site_only(now):
    main, north = main_site(), SiteFactory(name="North")
    doctor = DoctorFactory(working_hours=[(0, "09:00", "12:00"), (1, "09:00", "12:00", north)])
    TimeOffFactory(doctor=doctor, start=at(1, "10:00"), end=at(1, "11:00"))  # Tuesday
    week = {"start": now.date(), "end": now.date() + datetime.timedelta(days=6)}

    assert report(Period(**week, site=north)).total.available == 120
    assert report(Period(**week, site=main)).total.available == 180
    assert report(Period(**week)).total.available == 300


# -- days to the first free slot -----------------------------------------------------


def test_record_first_slot_waits_measures_each_specialty_from_now(now):
    cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
    DoctorFactory(specialty=cardiology, working_hours=[(2, "09:00", "12:00")])  # Wednesdays
    SpecialtyFactory(name="Dermatology", slug="dermatology")  # nobody: no free slot

    rows = {row.specialty.name: row for row in record_first_slot_waits()}

    # Monday 08:00 to Wednesday 09:00: two days and an hour.
    assert rows["Cardiology"].days == pytest.approx(2 + 1 / 24)
    assert rows["Dermatology"].days is None
    assert rows["Cardiology"].day == now.date()
    record_first_slot_waits()
    assert FirstSlotWait.objects.count() == 2  # the day's figure replaced, not added


def test_median_days_to_the_first_free_slot_over_the_period(now):
    cardiology = SpecialtyFactory(name="Cardiology", slug="cardiology")
    dermatology = SpecialtyFactory(name="Dermatology", slug="dermatology")
    mon = now.date()
    for offset, days in enumerate([1.0, 4.0, 2.0, None]):
        FirstSlotWait.objects.create(
            specialty=cardiology, day=mon + DAY * offset, days=days, measured_at=now
        )
    for offset, days in enumerate([3.0, 5.0]):
        FirstSlotWait.objects.create(
            specialty=dermatology, day=mon + DAY * offset, days=days, measured_at=now
        )
    # The day before the period does not count.
    FirstSlotWait.objects.create(
        specialty=dermatology, day=mon - datetime.timedelta(days=1), days=90.0, measured_at=now
    )

    waits = report(Period(start=mon, end=mon + datetime.timedelta(days=6))).waits

    assert [(w.specialty, w.days_measured, w.median_days) for w in waits] == [
        ("Cardiology", 3, 2.0),
        ("Dermatology", 2, 4.0),
    ]
