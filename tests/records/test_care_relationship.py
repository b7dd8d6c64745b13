"""Access by care relationship: a doctor reads a patient's records only while they look
after the patient, i.e. while a visit with them that was not cancelled and was not a
no-show lies within the last CARE_RELATIONSHIP_PAST_MONTHS (18) calendar months or the
next CARE_RELATIONSHIP_AHEAD_DAYS (30) days. Before, any appointment ever with the
patient, even a no-show, gave access for good.

A no-show does not count: the patient never came, so no care was given. A visit that
is still booked (or checked in) counts whether it lies ahead or has just passed.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from appointments.models import Appointment
from records.models import MedicalRecord
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status


@pytest.fixture
def record(now, patient, other_doctor):
    """A record of the patient, written by another doctor a week ago."""
    visit = AppointmentFactory(
        patient=patient, doctor=other_doctor, start=at(-7, "09:00"), status=Status.FULFILLED
    )
    return MedicalRecordFactory(appointment=visit)


def reads(doctor, record):
    """Whether `doctor` reads `record`, as the pages, the API and the queryset answer."""
    api = api_client(doctor.user).get(reverse("api:record-detail", args=[record.pk]))
    page = login(doctor.user).get(reverse("records:detail", args=[record.pk]))
    listed = MedicalRecord.objects.visible_to(doctor.user).filter(pk=record.pk).exists()
    answers = {api.status_code == 200, page.status_code == 200, listed}
    assert len(answers) == 1, (api.status_code, page.status_code, listed)
    return answers.pop()


def visit(patient, doctor, start, status=Status.FULFILLED):
    return AppointmentFactory(patient=patient, doctor=doctor, start=start, status=status)


# The pinned clock is Monday 7 January 2030, 08:00; 18 months before is 7 July 2028, 08:00.
@pytest.mark.parametrize(
    ("start", "status", "readable"),
    [
        ("2028-07-07 07:59", Status.FULFILLED, False),  # 18 months back, a minute outside
        ("2028-07-07 08:00", Status.FULFILLED, True),
        ("2028-07-07 08:01", Status.FULFILLED, True),
        ("2029-12-01 09:00", Status.CHECKED_IN, True),
        ("2029-12-01 09:00", Status.BOOKED, True),  # not closed yet: it counts
        ("2029-12-01 09:00", Status.NOSHOW, False),
        ("2029-12-01 09:00", Status.CANCELLED, False),
        ("2030-02-06 07:59", Status.BOOKED, True),  # 30 days ahead, a minute inside
        ("2030-02-06 08:00", Status.BOOKED, True),
        ("2030-02-06 08:01", Status.BOOKED, False),
        ("2030-01-20 09:00", Status.CANCELLED, False),
    ],
)
def test_a_visit_gives_a_care_relationship_inside_the_window(
    now, patient, doctor, record, start, status, readable
):
    day, hhmm = start.split()
    visit(patient, doctor, at(date.fromisoformat(day), hhmm), status)

    assert reads(doctor, record) is readable


def test_the_window_follows_the_settings(now, settings, patient, doctor, record):
    visit(patient, doctor, at(-200, "09:00"))

    settings.CARE_RELATIONSHIP_PAST_MONTHS = 6
    assert not reads(doctor, record)
    settings.CARE_RELATIONSHIP_PAST_MONTHS = 7
    assert reads(doctor, record)


def test_the_relationship_ends_as_time_passes(now, patient, doctor, record):
    visit(patient, doctor, at(-7, "10:00"))

    assert reads(doctor, record)
    with clock_at(at(-7, "10:00") + timedelta(days=600)):
        assert not reads(doctor, record)


def test_a_doctor_who_only_saw_a_no_show_still_sees_the_patient_but_not_the_records(
    now, patient, doctor, record
):
    visit(patient, doctor, at(-14, "09:00"), Status.NOSHOW)
    client = login(doctor.user)

    page = client.get(reverse("patients:detail", args=[patient.pk]))

    assert page.status_code == 200
    assert "Seasonal allergic rhinitis" not in page.content.decode()
    assert reverse("records:break_glass", args=[patient.pk]) in page.content.decode()
    assert not reads(doctor, record)


def test_the_appointment_page_shows_earlier_diagnoses_only_inside_the_relationship(
    now, patient, doctor, other_doctor
):
    older = MedicalRecordFactory(appointment=visit(patient, other_doctor, at(-1000, "09:00")))
    old = visit(patient, doctor, at(-900, "09:00"))
    client = login(doctor.user)

    page = client.get(reverse("appointments:detail", args=[old.pk])).content.decode()

    assert reverse("records:detail", args=[older.pk]) not in page
    assert "Seasonal allergic rhinitis" not in page
    assert "Closed to you" in page
    assert reverse("records:break_glass", args=[patient.pk]) in page


def test_the_api_lists_only_records_inside_the_relationship(now, patient, doctor, record):
    visit(patient, doctor, at(-900, "09:00"))
    client = api_client(doctor.user)

    assert client.get(reverse("api:record-list")).json()["count"] == 0
    assert_error(client.get(reverse("api:record-detail", args=[record.pk])), 404, "not_found")
