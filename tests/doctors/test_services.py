"""A doctor's profile and weekly hours (doctors.services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from doctors.services import create_doctor, set_working_hours, validate_working_hours
from tests.doctors.factories import SpecialtyFactory

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat


def test_create_doctor_makes_the_login_and_the_profile_together():
    doctor = create_doctor(
        email="New.Doc@Clinic.example",
        password="a-long-passphrase",
        first_name="Ada",
        last_name="Okafor",
        specialty=SpecialtyFactory(),
        license_number=" GMC-1234 ",
    )

    assert doctor.user.role == User.Role.DOCTOR
    assert doctor.user.email == "new.doc@clinic.example"
    assert doctor.user.check_password("a-long-passphrase")
    assert doctor.license_number == "GMC-1234"


@pytest.mark.parametrize(
    "intervals",
    [
        [(0, T("09:00"), T("12:00")), (0, T("11:30"), T("13:00"))],
        [(2, T("09:00"), T("12:00")), (2, T("09:00"), T("10:00"))],
        [(4, T("12:00"), T("09:00"))],
    ],
    ids=["overlap", "inside", "backwards"],
)
def test_invalid_weekly_hours_are_refused(intervals):
    with pytest.raises(ValidationError):
        validate_working_hours(intervals)


def test_touching_intervals_and_other_days_are_fine():
    validate_working_hours(
        [(0, T("09:00"), T("12:00")), (0, T("12:00"), T("13:00")), (1, T("09:00"), T("17:00"))]
    )


def test_set_working_hours_replaces_the_week_or_changes_nothing(doctor):
    before = list(doctor.working_hours.values_list("weekday", "start_time", "end_time"))

    with pytest.raises(ValidationError):
        set_working_hours(
            doctor=doctor,
            intervals=[(0, T("08:00"), T("10:00")), (0, T("09:00"), T("11:00"))],
        )
    assert list(doctor.working_hours.values_list("weekday", "start_time", "end_time")) == before

    set_working_hours(doctor=doctor, intervals=[(5, T("10:00"), T("14:00"))])
    assert list(doctor.working_hours.values_list("weekday", "start_time", "end_time")) == [
        (5, T("10:00"), T("14:00"))
    ]
