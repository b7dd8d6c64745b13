"""The waitlist API: my entries (list, join, change, leave), my offers, claiming one."""

import pytest

from appointments.services import cancel_appointment
from tests.api_support import api_client, assert_error, ids
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.waitlist.factories import EntryFactory
from waitlist.models import Offer, WaitlistEntry

pytestmark = pytest.mark.django_db


def test_join_list_change_and_leave(now, patient, doctor):
    client = api_client(patient.user)
    created = client.post(
        "/api/waitlist/",
        {"doctor": doctor.pk, "earliest": "2030-01-08", "latest": "2030-01-31",
         "weekdays": [0, 2], "time_of_day": "morning"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    entry = WaitlistEntry.objects.get(pk=created.json()["id"])
    assert (entry.patient, entry.doctor, entry.weekdays) == (patient, doctor, [0, 2])
    assert ids(client.get("/api/waitlist/")) == [entry.pk]
    changed = client.patch(f"/api/waitlist/{entry.pk}", {"time_of_day": "any"}, format="json")
    assert changed.status_code == 200 and changed.json()["time_of_day"] == "any"
    assert client.delete(f"/api/waitlist/{entry.pk}").status_code == 204
    assert WaitlistEntry.objects.get().status == "left"
    assert_error(client.delete(f"/api/waitlist/{entry.pk}"), 409, "entry_closed")


def test_joining_twice_and_bad_windows_are_refused(now, patient, doctor):
    client = api_client(patient.user)
    body = {"doctor": doctor.pk, "earliest": "2030-01-08", "latest": "2030-01-31"}
    assert client.post("/api/waitlist/", body, format="json").status_code == 201
    assert_error(client.post("/api/waitlist/", body, format="json"), 409, "already_waiting")
    past = {**body, "earliest": "2030-01-06"}
    assert_error(client.post("/api/waitlist/", past, format="json"), 400, "invalid", ["earliest"])
    beyond = {**body, "latest": "2030-03-09"}  # the horizon ends on 8 March
    assert_error(client.post("/api/waitlist/", beyond, format="json"), 400, "invalid", ["latest"])
    assert_error(client.post("/api/waitlist/", {}, format="json"), 400, "invalid", ["doctor"])
    days = {**body, "weekdays": [7]}
    assert_error(client.post("/api/waitlist/", days, format="json"), 400, "invalid")


def test_an_earlier_time_for_my_appointment(now, patient, doctor, other_patient):
    mine = visit(patient, doctor, 5, "10:00")
    created = api_client(patient.user).post(
        "/api/waitlist/", {"appointment": mine.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["appointment"] == mine.pk
    theirs = api_client(other_patient.user).post(
        "/api/waitlist/", {"appointment": mine.pk}, format="json"
    )
    assert_error(theirs, 400, "invalid", ["appointment"])


def test_others_entries_and_offers_are_404(now, patient, other_patient, doctor):
    entry = EntryFactory(patient=patient, doctor=doctor)
    cancel_appointment(
        appointment=visit(other_patient, doctor, 2, "10:00"), actor=other_patient.user
    )
    run_worker()
    offer = Offer.objects.get()
    stranger = api_client(other_patient.user)
    assert_error(stranger.get(f"/api/waitlist/{entry.pk}"), 404, "not_found")
    assert_error(stranger.delete(f"/api/waitlist/{entry.pk}"), 404, "not_found")
    assert ids(stranger.get("/api/waitlist/offers/")) == []
    assert_error(stranger.post(f"/api/waitlist/offers/{offer.pk}/claim"), 404, "not_found")


def test_list_my_offers_and_claim_one_once(now, patient, other_patient, doctor):
    EntryFactory(patient=patient, doctor=doctor)
    cancel_appointment(
        appointment=visit(other_patient, doctor, 2, "10:00"), actor=other_patient.user
    )
    run_worker()
    client = api_client(patient.user)
    listed = client.get("/api/waitlist/offers/").json()["results"]
    assert [o["status"] for o in listed] == ["sent"]
    claimed = client.post(f"/api/waitlist/offers/{listed[0]['id']}/claim")
    assert claimed.status_code == 201, claimed.content
    assert claimed.json()["start"] == listed[0]["start"]
    again = client.post(f"/api/waitlist/offers/{listed[0]['id']}/claim")
    assert_error(again, 409, "offer_claimed")


def test_doctors_have_no_waitlist(now, doctor):
    client = api_client(doctor.user)
    assert ids(client.get("/api/waitlist/")) == []
    assert_error(
        client.post("/api/waitlist/", {"doctor": doctor.pk, "earliest": "2030-01-08",
                                       "latest": "2030-01-09"}, format="json"),
        403, "permission_denied",
    )  # fmt: skip
