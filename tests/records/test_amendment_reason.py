"""The reason for amending a record is refused when too long, never cut: through the
service, the API and the amend page, at the limit and one character over."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from healthcare.core.errors import ReasonTooLong
from records import services
from records.models import MedicalRecordVersion
from records.services import amend_record, write_record
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db

LIMIT = 500


def reason(length):
    """A reason of exactly `length` characters, its ends marked so a cut would show."""
    return "<" + "x" * (length - 2) + ">"


@pytest.fixture
def record(now, patient, doctor):
    visit = AppointmentFactory(
        patient=patient, doctor=doctor, start=at(0, "09:00"), status=Appointment.Status.CHECKED_IN
    )
    return write_record(appointment=visit, author=doctor.user, diagnosis="Acute bronchitis")


def amendment_reasons():
    return list(MedicalRecordVersion.objects.filter(version=2).values_list("reason", flat=True))


def test_the_service_keeps_a_reason_at_the_limit_whole(record):
    amend_record(record=record, author=record.doctor.user, diagnosis="Asthma", reason=reason(LIMIT))

    assert amendment_reasons() == [reason(LIMIT)]


def test_the_service_refuses_a_reason_one_over_and_keeps_the_record_as_it_was(record):
    with pytest.raises(ReasonTooLong) as refused:
        amend_record(
            record=record, author=record.doctor.user, diagnosis="Asthma", reason=reason(LIMIT + 1)
        )

    assert refused.value.fields == {"reason": "Please keep the reason to 500 characters or fewer."}
    record.refresh_from_db()
    assert (record.version, record.diagnosis) == (1, "Acute bronchitis")
    assert amendment_reasons() == []


@pytest.mark.parametrize("length", [LIMIT, LIMIT + 1], ids=["at", "over"])
def test_the_api(record, length):
    response = api_client(record.doctor.user).patch(
        reverse("api:record-detail", args=[record.pk]),
        {"diagnosis": "Asthma", "reason": reason(length)},
        format="json",
    )

    if length == LIMIT:
        assert response.status_code == 200, response.content
        assert response.json()["versions"][0]["reason"] == reason(length)
    else:
        assert_error(response, 400, "invalid", fields=["reason"])
        assert amendment_reasons() == []


@pytest.mark.parametrize("length", [LIMIT, LIMIT + 1], ids=["at", "over"])
def test_the_amend_page(record, doctor_client, length):
    response = doctor_client.post(
        reverse("records:amend", args=[record.pk]),
        {"diagnosis": "Asthma", "reason": reason(length)},
    )

    if length == LIMIT:
        assert response.status_code == 302
        assert amendment_reasons() == [reason(length)]
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert amendment_reasons() == []


def test_the_services_refusal_shows_on_the_pages_reason_field(record, doctor_client, monkeypatch):
    # Should the form ever allow more than the service keeps, the page still says why.
    monkeypatch.setattr(services, "REASON_MAX_LENGTH", 10)

    response = doctor_client.post(
        reverse("records:amend", args=[record.pk]), {"diagnosis": "Asthma", "reason": reason(11)}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Please keep the reason to 10 characters or fewer."
    ]
    assert amendment_reasons() == []
