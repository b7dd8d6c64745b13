"""A visit marked fulfilled without a record: its doctor writes the record afterwards,
until RECORD_WRITING_WINDOW after the visit's end, and the dashboard lists such visits."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from records.models import MedicalRecord
from records.services import RecordWindowClosed, write_record
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login

pytestmark = pytest.mark.django_db

Status = Appointment.Status
DASHBOARD = reverse("appointments:schedule")


@pytest.fixture
def fulfilled(patient, doctor):
    """Monday's 09:00–09:30 visit, marked fulfilled (e.g. in the admin) without a record."""
    return AppointmentFactory(
        patient=patient, doctor=doctor, start=at(0, "09:00"), status=Status.FULFILLED
    )


def write_page(visit):
    return reverse("records:write", args=[visit.pk])


def test_the_doctor_writes_the_record_of_a_fulfilled_visit_later(fulfilled, doctor):
    with clock_at(at(1, "18:00")):
        client = login(doctor.user)
        page = client.get(write_page(fulfilled))
        response = client.post(write_page(fulfilled), {"diagnosis": "Tension headache"})

    assert 'name="diagnosis"' in page.text
    record = MedicalRecord.objects.get(appointment=fulfilled)
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[record.pk])
    assert record.diagnosis == "Tension headache"
    fulfilled.refresh_from_db()
    assert fulfilled.status == Status.FULFILLED


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(3, "09:29"), True),  # 72 hours after 09:30, less a minute
        (at(3, "09:30"), True),
        (at(3, "09:31"), False),
    ],
)
def test_the_window_ends_at_its_setting_after_the_visits_end(fulfilled, moment, allowed):
    with clock_at(moment):
        if allowed:
            write_record(appointment=fulfilled, author=fulfilled.doctor.user, diagnosis="Flu")
        else:
            with pytest.raises(RecordWindowClosed):
                write_record(appointment=fulfilled, author=fulfilled.doctor.user, diagnosis="Flu")

    assert MedicalRecord.objects.filter(appointment=fulfilled).exists() == allowed


def test_the_window_is_a_setting(settings, fulfilled):
    settings.RECORD_WRITING_WINDOW = datetime.timedelta(hours=1)

    with clock_at(at(0, "10:31")), pytest.raises(RecordWindowClosed):
        write_record(appointment=fulfilled, author=fulfilled.doctor.user, diagnosis="Flu")


def test_after_the_window_the_page_says_so_and_saves_nothing(fulfilled, doctor):
    with clock_at(at(3, "09:31")):
        client = login(doctor.user)
        page = client.get(write_page(fulfilled))
        response = client.post(write_page(fulfilled), {"diagnosis": "Flu"})

    assert 'name="diagnosis"' not in page.text
    assert "record ended on Thu 10 Jan 2030, 09:30" in page.text
    assert response.status_code == 200
    assert "record ended on Thu 10 Jan 2030, 09:30" in response.text
    assert not MedicalRecord.objects.exists()


def test_the_api_answers_409_after_the_window(fulfilled, doctor):
    with clock_at(at(3, "09:31")):
        response = api_client(doctor.user).post(
            reverse("api:record-list"),
            {"appointment": fulfilled.pk, "diagnosis": "Flu"},
            format="json",
        )

    assert_error(response, 409, "record_window_closed")


def test_another_doctor_still_cannot(fulfilled, other_doctor):
    with clock_at(at(1, "09:00")):
        response = login(other_doctor.user).get(write_page(fulfilled))

    assert response.status_code == 404


class TestDashboard:
    def test_lists_fulfilled_visits_without_a_record_while_they_may_be_written(
        self, fulfilled, patient, doctor
    ):
        with_record = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(0, "10:00"), status=Status.CHECKED_IN
        )
        with clock_at(at(0, "10:05")):
            write_record(appointment=with_record, author=doctor.user, diagnosis="Flu")
        too_old = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(-4, "09:00"), status=Status.FULFILLED
        )

        with clock_at(at(1, "08:00")):
            page = login(doctor.user).get(DASHBOARD).text

        assert "Visits without a record" in page
        assert f'href="{write_page(fulfilled)}"' in page
        assert "until Thu 10 Jan, 09:30" in page
        assert f'href="{write_page(with_record)}"' not in page
        assert f'href="{write_page(too_old)}"' not in page

    def test_says_nothing_when_every_visit_has_its_record(self, now, doctor):
        page = login(doctor.user).get(DASHBOARD).text

        assert "Visits without a record" not in page
