"""Query budgets: each main page and endpoint costs a fixed number of queries, whatever
the amount of data behind it (checked at two sizes), and a free-slot search over 14 days
costs at most three (it takes two). The load benchmark (bench/) checks the same at a
million rows, and bench/floor.py reports each request's statements beside the budgets
here: a count above its budget fails CI."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.selectors import first_available, free_slots
from doctors.models import Doctor, VisitType
from tests.api_support import api_client
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.doctors.factories import (
    ClosureFactory,
    DoctorFactory,
    SiteFactory,
    TimeOffFactory,
    main_site,
)
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

SIZES = [2, 12]
TUESDAY = datetime.date(2030, 1, 8)  # the day after the pinned clock's Monday
# The slot starts of a working day that `slot_starts` fills (the default hours' half hours).
SLOT_TIMES = (
    "09:00",
    "09:30",
    "10:00",
    "10:30",
    "11:00",
    "11:30",
    "14:00",
    "14:30",
    "15:00",
    "15:30",
)


def slot_starts(count, first_day=TUESDAY):
    """`count` distinct 30-minute slot starts on working days from `first_day` on."""
    starts, day = [], first_day
    while len(starts) < count:
        if day.weekday() < 5:
            starts += [at(day, hhmm) for hhmm in SLOT_TIMES]
        day += datetime.timedelta(days=1)
    return starts[:count]


def fill_doctor(doctor, count, first_day=TUESDAY):
    """`count` upcoming appointments of `doctor`, each with another patient."""
    for start in slot_starts(count, first_day):
        AppointmentFactory(doctor=doctor, patient=PatientFactory(), start=start)


def fill_patient(patient, count):
    """`count` appointments of `patient` with two doctors: half past, half upcoming."""
    doctors = [DoctorFactory(), DoctorFactory()]
    past = slot_starts(count // 2, datetime.date(2029, 11, 5))
    upcoming = slot_starts(count - count // 2)
    for n, start in enumerate(past + upcoming):
        status = Appointment.Status.FULFILLED if start < at(TUESDAY, "00:00") else None
        AppointmentFactory(
            patient=patient,
            doctor=doctors[n % 2],
            start=start,
            **({"status": status} if status else {}),
        )


def queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return len(captured), response


@pytest.mark.parametrize("size", SIZES)
def test_free_slot_search_over_14_days_costs_four_queries(now, size):
    doctor = DoctorFactory()
    fill_doctor(doctor, size)
    for n in range(size // 2):
        day = TUESDAY + datetime.timedelta(days=7 * (n + 1))
        TimeOffFactory(doctor=doctor, start=at(day, "13:00"), end=at(day, "14:00"))
    doctor = Doctor.objects.select_related("user").get(pk=doctor.pk)

    count, slots = queries(lambda: free_slots(doctor, TUESDAY, TUESDAY + datetime.timedelta(13)))

    assert count <= 4  # the budget
    # Offers; working hours with sites; sites' type restrictions; time off, appointments
    # and closures in one UNION.
    assert count == 4
    assert slots  # it found free time around the appointments


@pytest.mark.parametrize("size", SIZES)
def test_first_available_costs_the_same_whatever_the_number_of_doctors(now, size):
    """Offers with their doctors, working hours, sites' type restrictions, and all busy
    time (appointments, time off, closures) in one UNION: five queries for any number."""
    sites = [main_site(), SiteFactory(name="North"), SiteFactory(name="South")]
    for n in range(size):
        doctor = DoctorFactory(
            working_hours=[(day, "09:00", "17:00", sites[(n + day) % 3]) for day in range(5)]
        )
        fill_doctor(doctor, 3)
        TimeOffFactory(doctor=doctor, start=at(TUESDAY, "13:00"), end=at(TUESDAY, "14:00"))
    ClosureFactory(site=sites[1], start=at(TUESDAY, "00:00"), end=at(TUESDAY, "23:00"))

    count, slots = queries(
        lambda: first_available(
            visit_type=VisitType.objects.default(),
            start_date=TUESDAY,
            end_date=TUESDAY + datetime.timedelta(13),
        )
    )

    assert count == 5
    assert len({slot.doctor for slot in slots}) == size


# (name, expected queries, how to fill the data, the request)
PAGE_BUDGETS = {
    "booking_page": 8,
    "directory": 7,  # 3, and 4 for the doctors' next free times (whatever their number)
    "doctor_page": 5,
    "my_appointments": 6,
    "doctor_schedule": 7,
}


@pytest.mark.parametrize("size", SIZES)
def test_directory_costs_the_same_whatever_the_number_of_doctors(now, client, size):
    for _ in range(size):
        DoctorFactory()

    count, response = queries(lambda: client.get("/doctors/"))

    assert response.status_code == 200
    assert count == PAGE_BUDGETS["directory"]


@pytest.mark.parametrize("size", SIZES)
def test_doctor_page_costs_the_same_whatever_the_number_of_appointments(now, client, size):
    doctor = DoctorFactory()
    fill_doctor(doctor, size)

    count, response = queries(lambda: client.get(f"/doctors/{doctor.pk}/"))

    assert response.status_code == 200
    assert count == PAGE_BUDGETS["doctor_page"]


@pytest.mark.parametrize("size", SIZES)
def test_booking_page_costs_the_same_whatever_the_calendars_hold(
    now, patient, patient_client, size
):
    doctor = DoctorFactory()
    fill_doctor(doctor, size)
    fill_patient(patient, size)

    count, response = queries(lambda: patient_client.get(f"/appointments/book/{doctor.pk}/"))

    assert response.status_code == 200
    assert count == PAGE_BUDGETS["booking_page"]


@pytest.mark.parametrize("size", SIZES)
def test_my_appointments_costs_the_same_whatever_the_number_of_visits(
    now, patient, patient_client, size
):
    fill_patient(patient, size)

    count, response = queries(lambda: patient_client.get("/appointments/"))

    assert response.status_code == 200
    assert count == PAGE_BUDGETS["my_appointments"]


@pytest.mark.parametrize("size", SIZES)
def test_doctor_schedule_costs_the_same_whatever_the_size_of_the_diary(
    now, doctor, doctor_client, size
):
    fill_doctor(doctor, size, first_day=now.date())  # today, this week and later

    count, response = queries(lambda: doctor_client.get("/appointments/schedule/"))

    assert response.status_code == 200
    assert count == PAGE_BUDGETS["doctor_schedule"]


API_BUDGETS = {
    "me": 1,
    "doctor_list": 2,
    "doctor_list_authenticated": 3,  # the authentication's one query, then the same two
    "doctor_slots": 5,
    "appointment_list": 3,
    # The token's user; the transaction's two ends; patient and doctor locked and loaded
    # with the offers; the slot; the appointment and its emails' task; then the reports'
    # summary rows in the same transaction (desk.figures: the doctor's day and the
    # patient's first visit, one upsert each). On SQLite one more: the patient's overlap
    # check, which PostgreSQL's exclusion constraint makes.
    "booking": 9,
}


def test_api_me_is_the_authentications_one_query(patient):
    client = api_client(patient.user)

    count, response = queries(lambda: client.get("/api/auth/me"))

    assert response.status_code == 200
    assert response.json()["patient_id"] == patient.pk
    assert count == API_BUDGETS["me"]


@pytest.mark.parametrize("size", SIZES)
def test_api_doctor_list_costs_the_same_whatever_the_number_of_doctors(now, size):
    for _ in range(size):
        DoctorFactory()

    count, response = queries(lambda: api_client().get("/api/doctors/"))

    assert response.status_code == 200
    assert count == API_BUDGETS["doctor_list"]


@pytest.mark.parametrize("size", SIZES)
def test_api_doctor_list_with_a_token_costs_one_query_more(now, patient, size):
    for _ in range(size):
        DoctorFactory()
    client = api_client(patient.user)

    count, response = queries(lambda: client.get("/api/doctors/"))

    assert response.status_code == 200
    assert count == API_BUDGETS["doctor_list_authenticated"]


@pytest.mark.parametrize("size", SIZES)
def test_api_free_slots_for_14_days_cost_the_same_whatever_the_calendar(now, size):
    doctor = DoctorFactory()
    fill_doctor(doctor, size)
    url = f"/api/doctors/{doctor.pk}/slots?start=2030-01-08&end=2030-01-21"

    count, response = queries(lambda: api_client().get(url))

    assert response.status_code == 200
    assert response.json()
    assert count == API_BUDGETS["doctor_slots"]


@pytest.mark.parametrize("size", SIZES)
def test_api_appointment_list_costs_the_same_whatever_the_number_of_visits(now, patient, size):
    fill_patient(patient, size)
    client = api_client(patient.user)

    count, response = queries(lambda: client.get("/api/appointments/"))

    assert response.status_code == 200
    assert response.json()["count"] == size
    assert count == API_BUDGETS["appointment_list"]


@pytest.mark.parametrize("size", SIZES)
def test_api_booking_costs_the_same_whatever_the_calendars_hold(now, patient, size):
    doctor = DoctorFactory()
    fill_doctor(doctor, size)
    fill_patient(patient, size)
    client = api_client(patient.user)
    start = at(datetime.date(2030, 1, 18), "16:30")  # a Friday slot nobody holds

    count, response = queries(
        lambda: client.post(
            "/api/appointments/",
            {"doctor": doctor.pk, "start": start.isoformat(), "reason": "Check-up"},
            format="json",
        )
    )

    assert response.status_code == 201, response.content
    assert count == API_BUDGETS["booking"] + (connection.vendor != "postgresql")


def test_health_check_costs_one_query(client):
    count, response = queries(lambda: client.get("/healthz"))

    assert response.status_code == 200
    assert count == 1
