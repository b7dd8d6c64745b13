"""The API of visit types and sites: first available across doctors (GET /api/slots/),
`type`/`site` on a doctor's slots, booking with `type` (optional with one type offered),
and appointments that show their type, length and site (issue 14)."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from doctors.models import VisitType
from tests.api_support import api_client, assert_error
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SiteFactory, VisitTypeFactory, main_site

pytestmark = pytest.mark.django_db

FIRST = reverse("api:first-available")
BOOK = reverse("api:appointment-list")


@pytest.fixture
def follow_up(db):
    return VisitTypeFactory(name="Follow-up", length_minutes=15)


def test_first_available_lists_slots_earliest_first_with_doctor_type_and_site(now, follow_up):
    main_site()
    north = SiteFactory(name="North", address="2 North Road\nLeeds")
    late = DoctorFactory(offers=[follow_up], working_hours=[(1, "11:00", "12:00", north)])
    early = DoctorFactory(offers=[follow_up], working_hours=[(1, "09:00", "10:00")])

    response = api_client().get(
        FIRST, {"type": follow_up.pk, "from": "2030-01-08", "to": "2030-01-08"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    first, fifth = body["results"][0], body["results"][4]
    assert (first["start"], first["doctor"]["id"], first["type"]["name"]) == (
        "2030-01-08T09:00:00Z",
        early.pk,
        "Follow-up",
    )
    assert (fifth["doctor"]["id"], fifth["site"]["name"], fifth["site"]["address"]) == (
        late.pk,
        "North",
        "2 North Road\nLeeds",
    )
    by_site = api_client().get(FIRST, {"type": follow_up.pk, "site": north.pk}).json()
    assert {slot["doctor"]["id"] for slot in by_site["results"]} == {late.pk}


def test_first_available_is_paginated(now, follow_up):
    DoctorFactory(offers=[follow_up])

    response = api_client().get(FIRST, {"type": follow_up.pk, "page_size": 5, "page": 2})

    body = response.json()
    assert len(body["results"]) == 5 and body["previous"] and body["next"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "type"),
        ({"type": 999}, "type"),
        ({"type": "TYPE", "specialty": "no-such"}, "specialty"),
        ({"type": "TYPE", "from": "2030-01-10", "to": "2030-01-09"}, "to"),
        ({"type": "TYPE", "from": "2030-01-08", "to": "2030-03-11"}, "to"),
    ],
)
def test_first_available_refuses_bad_input_with_the_field(now, follow_up, params, field):
    params = {k: follow_up.pk if v == "TYPE" else v for k, v in params.items()}

    assert_error(api_client().get(FIRST, params), 400, fields=[field])


def test_sixty_two_days_is_the_longest_range(now, follow_up):
    response = api_client().get(
        FIRST, {"type": follow_up.pk, "from": "2030-01-08", "to": "2030-03-10"}
    )

    assert response.status_code == 200


def test_a_doctors_slots_by_type_and_site(now, follow_up):
    north = SiteFactory(name="North")
    doctor = DoctorFactory(
        offers=[VisitType.objects.default(), follow_up],
        working_hours=[(1, "09:00", "10:00", north)],
    )
    url = reverse("api:doctor-slots", args=[doctor.pk])

    default = api_client().get(url, {"start": "2030-01-08", "end": "2030-01-08"}).json()
    short = (
        api_client()
        .get(
            url,
            {"start": "2030-01-08", "end": "2030-01-08", "type": follow_up.pk, "site": north.pk},
        )
        .json()
    )

    assert [s["end"][11:16] for s in default] == ["09:30", "10:00"]
    assert len(short) == 4 and {s["type"]["name"] for s in short} == {"Follow-up"}
    assert {s["site"]["name"] for s in short} == {"North"}


def test_an_old_client_books_without_a_type(now, patient, doctor):
    response = api_client(patient.user).post(
        BOOK, {"doctor": doctor.pk, "start": "2030-01-08T09:00:00Z"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["type"]["name"] == "Consultation"
    assert (body["length_minutes"], body["buffer_minutes"]) == (30, 0)
    assert body["site"]["name"] == main_site().name


def test_booking_a_type_stores_it(now, patient, follow_up):
    doctor = DoctorFactory(offers=[VisitType.objects.default(), follow_up])

    response = api_client(patient.user).post(
        BOOK,
        {"doctor": doctor.pk, "type": follow_up.pk, "start": "2030-01-08T09:15:00Z"},
        format="json",
    )

    assert response.status_code == 201
    appointment = Appointment.objects.get()
    assert (appointment.visit_type, appointment.end) == (follow_up, at(1, "09:30"))


@pytest.mark.parametrize(
    "case, code",
    [
        ("no type, several offered", "type_required"),
        ("type not offered", "type_not_offered"),
        ("staff-only type", "type_not_bookable"),
        ("site not that day", "site_not_available"),
    ],
)
def test_bad_bookings_are_400_naming_the_field(now, patient, follow_up, case, code):
    staff_only = VisitTypeFactory(name="Injection", online_booking="staff")
    doctor = DoctorFactory(offers=[VisitType.objects.default(), staff_only])
    body = {"doctor": doctor.pk, "start": "2030-01-08T09:00:00Z"}
    body |= {
        "no type, several offered": {},
        "type not offered": {"type": follow_up.pk},
        "staff-only type": {"type": staff_only.pk},
        "site not that day": {
            "type": VisitType.objects.default().pk,
            "site": SiteFactory(name="Elsewhere").pk,
        },
    }[case]

    response = api_client(patient.user).post(BOOK, body, format="json")

    field = "site" if code == "site_not_available" else "type"
    assert_error(response, 400, code, fields=[field])
    assert not Appointment.objects.exists()


def test_anyone_lists_the_active_visit_types_and_the_sites(now, follow_up):
    VisitTypeFactory(name="Retired", is_active=False)
    SiteFactory(name="North", address="2 North Road\nLeeds")

    types = api_client().get(reverse("api:visit-type-list")).json()["results"]
    sites = api_client().get(reverse("api:site-list")).json()["results"]

    assert [t["name"] for t in types] == ["Follow-up"]
    assert types[0]["length_minutes"] == 15
    assert {"name": "North", "address": "2 North Road\nLeeds"}.items() <= sites[-1].items()
