"""The API's doctor endpoints that the scheduling model decides (appointments.api.doctors):
retiring a doctor, and free slots."""

import datetime
import json

import pytest
from django.urls import reverse

from accounts.models import User
from appointments.api.doctors import SlotSerializer
from appointments.selectors import free_slots
from doctors.models import Doctor
from tests.api_support import api_client, assert_error, ids
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ, clock_at
from tests.doctors.factories import DoctorFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:doctor-list")


def detail(doctor):
    return reverse("api:doctor-detail", args=[doctor.pk])


def slots(doctor):
    return reverse("api:doctor-slots", args=[doctor.pk])


class TestDelete:
    def test_staff_retire_a_doctor_who_leaves_the_directory(self, staff, doctor):
        AppointmentFactory(doctor=doctor)

        response = api_client(staff).delete(detail(doctor))

        assert response.status_code == 204
        assert not User.objects.get(pk=doctor.user.pk).is_active
        assert Doctor.objects.filter(pk=doctor.pk).exists()
        assert ids(api_client().get(LIST)) == []

    def test_a_doctor_cannot_retire_themself(self, doctor):
        assert_error(api_client(doctor.user).delete(detail(doctor)), 403, "permission_denied")


class TestSlots:
    def test_anyone_gets_free_slots_in_the_clinic_zone(self, now, doctor):
        AppointmentFactory(
            doctor=doctor, start=datetime.datetime(2030, 1, 8, 9, 30, tzinfo=CLINIC_TZ)
        )

        response = api_client().get(slots(doctor), {"start": "2030-01-07", "end": "2030-01-08"})

        assert response.status_code == 200
        body = response.json()
        # Monday: the minimum notice (2 h from 08:00) leaves 10:00 as the first slot.
        assert body[0] | {"type": None, "site": None} == {
            "start": "2030-01-07T10:00:00Z",
            "end": "2030-01-07T10:30:00Z",
            "type": None,
            "site": None,
        }
        assert body[0]["type"]["name"] == "Consultation"
        tuesday = [slot["start"] for slot in body if slot["start"].startswith("2030-01-08")]
        assert tuesday[:2] == ["2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z"]
        assert len(body) == 12 + 13

    def test_summer_times_carry_the_clinics_offset(self, doctor):
        with clock_at(datetime.datetime(2030, 6, 3, 8, 0, tzinfo=CLINIC_TZ)):
            response = api_client().get(slots(doctor), {"start": "2030-06-04", "end": "2030-06-04"})

        first = response.json()[0]
        assert (first["start"], first["end"]) == (
            "2030-06-04T09:00:00+01:00",
            "2030-06-04T09:30:00+01:00",
        )

    @pytest.mark.parametrize(
        ("query", "fields"),
        [
            ({}, ["start", "end"]),
            ({"start": "2030-01-08"}, ["end"]),
            ({"start": "tomorrow", "end": "2030-01-08"}, ["start"]),
            ({"start": "2030-01-08", "end": "2030-01-07"}, ["end"]),
            ({"start": "2030-01-08", "end": "2030-03-11"}, ["end"]),
        ],
        ids=["missing", "no-end", "not-a-date", "end-before-start", "over-62-days"],
    )
    def test_bad_ranges_are_400_with_the_field(self, doctor, query, fields):
        response = api_client().get(slots(doctor), query)

        assert_error(response, 400, "invalid", fields=fields)

    def test_62_days_are_allowed(self, now, doctor):
        response = api_client().get(slots(doctor), {"start": "2030-01-08", "end": "2030-03-10"})

        assert response.status_code == 200

    def test_the_slots_are_the_slot_serializers_json(self, now, doctor):
        with clock_at(datetime.datetime(2030, 3, 29, 8, 0, tzinfo=CLINIC_TZ)):
            # Friday to Monday: the clocks go forward on Sunday the 31st.
            response = api_client().get(slots(doctor), {"start": "2030-03-29", "end": "2030-04-01"})
            expected = SlotSerializer(
                free_slots(doctor, datetime.date(2030, 3, 29), datetime.date(2030, 4, 1)),
                many=True,
            ).data

        body = response.json()
        assert body == json.loads(json.dumps(expected))
        assert {slot["start"][-6:] for slot in body} >= {"+01:00"}
        assert any(slot["start"].endswith("Z") for slot in body)

    def test_an_id_beyond_the_column_is_404(self):
        assert_error(
            api_client().get(
                f"/api/doctors/{2**63}/slots", {"start": "2030-01-08", "end": "2030-01-08"}
            ),
            404,
        )

    def test_a_retired_or_unknown_doctor_is_404(self):
        retired = DoctorFactory(user__is_active=False)

        assert_error(
            api_client().get(slots(retired), {"start": "2030-01-08", "end": "2030-01-08"}), 404
        )
