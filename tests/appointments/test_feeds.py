"""Private calendar subscriptions: a secret, revocable address per patient or doctor."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from appointments.models import CalendarFeed
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ

TUESDAY_9 = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=CLINIC_TZ)
CREATE = reverse("accounts:calendar_feed_create")
REVOKE = reverse("accounts:calendar_feed_revoke")
PROFILE = reverse("accounts:profile")


def feed_url(feed):
    return reverse("accounts:calendar_feed", args=[feed.token])


def uids(response):
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]) for event in cal.walk("VEVENT")}


def uid(appointment):
    return f"appointment-{appointment.pk}@127.0.0.1"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


def test_patient_creates_an_address_from_the_profile_page(now, patient, patient_client):
    page = patient_client.get(PROFILE)
    assert "Create my calendar address" in page.text

    response = patient_client.post(CREATE)

    assert response.status_code == 302
    feed = CalendarFeed.objects.get(user=patient.user, revoked_at__isnull=True)
    page = patient_client.get(PROFILE)
    assert f'value="http://testserver{feed_url(feed)}"' in page.text
    assert f'href="webcal://testserver{feed_url(feed)}"' in page.text
    assert "Turn the address off" in page.text


def test_feed_serves_the_patients_own_appointments_only(
    client, now, patient, other_patient, doctor
):
    feed = CalendarFeed.objects.create(user=patient.user)
    mine = AppointmentFactory(patient=patient, doctor=doctor, start=TUESDAY_9)
    cancelled = AppointmentFactory(
        patient=patient, start=TUESDAY_9 + datetime.timedelta(days=1), status="cancelled"
    )
    theirs = AppointmentFactory(
        patient=other_patient, doctor=doctor, start=TUESDAY_9 + datetime.timedelta(hours=1)
    )

    response = client.get(feed_url(feed))  # no login: the address is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert uids(response) == {uid(mine)}
    assert uid(theirs) not in response.text and uid(cancelled) not in response.text
    cal = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in cal
    assert str(cal["X-WR-CALNAME"]) == "Riverside Clinic appointments"


def test_doctor_feed_lists_their_schedule_with_patient_names(
    client, now, doctor, other_doctor, patient
):
    feed = CalendarFeed.objects.create(user=doctor.user)
    mine = AppointmentFactory(doctor=doctor, patient=patient, start=TUESDAY_9)
    AppointmentFactory(doctor=other_doctor, start=TUESDAY_9)

    response = client.get(feed_url(feed))

    assert uids(response) == {uid(mine)}
    assert f"Appointment: {patient.user.display_name}" in response.content.decode()


def test_feed_query_count_does_not_grow_with_appointments(
    client, now, patient, django_assert_num_queries
):
    feed = CalendarFeed.objects.create(user=patient.user)
    for day in range(2):
        AppointmentFactory(patient=patient, start=TUESDAY_9 + datetime.timedelta(days=day))
    with django_assert_num_queries(2):
        client.get(feed_url(feed))
    for day in range(2, 10):
        AppointmentFactory(patient=patient, start=TUESDAY_9 + datetime.timedelta(days=day))
    with django_assert_num_queries(2):
        response = client.get(feed_url(feed))
    assert len(uids(response)) == 10


def test_revoked_address_is_not_found(client, now, patient, patient_client):
    feed = CalendarFeed.objects.create(user=patient.user)

    response = patient_client.post(REVOKE)

    assert response.status_code == 302
    assert client.get(feed_url(feed)).status_code == 404
    assert "Create my calendar address" in patient_client.get(PROFILE).text


def test_a_new_address_replaces_the_old_one(client, now, patient, patient_client):
    old = CalendarFeed.objects.create(user=patient.user)

    patient_client.post(CREATE)

    new = CalendarFeed.objects.get(user=patient.user, revoked_at__isnull=True)
    assert new.token != old.token
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_unknown_address_is_not_found(client, db):
    response = client.get(reverse("accounts:calendar_feed", args=["not-a-real-token"]))

    assert response.status_code == 404


def test_a_deactivated_users_address_stops_working(client, now, patient):
    feed = CalendarFeed.objects.create(user=patient.user)
    patient.user.is_active = False
    patient.user.save()

    assert client.get(feed_url(feed)).status_code == 404


def test_creating_needs_a_login_and_a_post(client, now, patient_client):
    response = client.post(CREATE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert patient_client.get(CREATE).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_staff_have_no_calendar_address(now, staff_client):
    assert "calendar-heading" not in staff_client.get(PROFILE).text
    assert staff_client.post(CREATE).status_code == 404
