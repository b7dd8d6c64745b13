"""The iCalendar events and the per-appointment .ics download."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from appointments import calendar
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ

WINTER = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=CLINIC_TZ)
SUMMER = datetime.datetime(2030, 7, 9, 9, 0, tzinfo=CLINIC_TZ)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://clinic.example.org"


def parse(ics):
    cal = icalendar.Calendar.from_ical(ics)
    return cal, cal.walk("VEVENT")


@pytest.mark.parametrize("start", [WINTER, SUMMER], ids=["GMT", "BST"])
def test_event_is_at_the_clinic_local_time_on_both_sides_of_dst(db, now, start):
    appointment = AppointmentFactory(start=start)

    cal, (event,) = parse(calendar.appointment_ics(appointment, audience=calendar.PATIENT))

    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").astimezone(CLINIC_TZ).hour == 9
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=30)
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    assert "TZID:Europe/London" in cal.to_ical().decode()


def test_event_uid_is_stable_and_sequence_follows_the_revision(db, now):
    appointment = AppointmentFactory(start=WINTER)
    _, (first,) = parse(calendar.appointment_ics(appointment, audience=calendar.PATIENT))

    appointment.sequence = 3
    appointment.save()
    _, (later,) = parse(calendar.appointment_ics(appointment, audience=calendar.DOCTOR))

    assert (
        str(first["UID"]) == str(later["UID"]) == f"appointment-{appointment.pk}@clinic.example.org"
    )
    assert (first["SEQUENCE"], later["SEQUENCE"]) == (0, 3)


def test_each_side_sees_the_other_in_the_title(db, now):
    appointment = AppointmentFactory(start=WINTER)

    _, (for_patient,) = parse(calendar.appointment_ics(appointment, audience=calendar.PATIENT))
    _, (for_doctor,) = parse(calendar.appointment_ics(appointment, audience=calendar.DOCTOR))

    assert str(for_patient["SUMMARY"]) == f"Appointment with {appointment.doctor}"
    assert str(for_doctor["SUMMARY"]) == (f"Appointment: {appointment.patient.user.display_name}")


def test_cancel_method_marks_the_event_cancelled(db, now):
    appointment = AppointmentFactory(
        start=WINTER, status="cancelled", cancellation_reason="Doctor away", sequence=1
    )

    cal, (event,) = parse(
        calendar.appointment_ics(appointment, audience=calendar.PATIENT, method="CANCEL")
    )

    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert "Doctor away" in str(event["DESCRIPTION"])


class TestDownload:
    def url(self, appointment):
        return reverse("appointments:ics", args=[appointment.pk])

    def test_patient_downloads_their_appointment(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=WINTER, reason="Sore knee")

        response = patient_client.get(self.url(appointment))

        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert f"appointment-{appointment.pk}.ics" in response["Content-Disposition"]
        cal, (event,) = parse(response.content)
        assert cal["METHOD"] == "PUBLISH"
        assert str(event["UID"]) == f"appointment-{appointment.pk}@clinic.example.org"
        assert event.decoded("DTSTART") == WINTER
        assert b"Sore knee" not in response.content

    def test_doctor_downloads_with_the_patient_named(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=WINTER)

        response = doctor_client.get(self.url(appointment))

        _, (event,) = parse(response.content)
        assert appointment.patient.user.display_name in str(event["SUMMARY"])

    def test_detail_page_and_list_link_to_the_download(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=WINTER)

        detail = patient_client.get(reverse("appointments:detail", args=[appointment.pk]))
        listing = patient_client.get(reverse("appointments:mine"))

        for page in (detail, listing):
            assert f'href="{self.url(appointment)}"' in page.text
            assert "Add to calendar (.ics)" in page.text


def test_the_calendar_file_gives_the_sites_address_and_the_visit_type(db):
    from appointments.calendar import appointment_ics
    from tests.appointments.factories import AppointmentFactory as Visits
    from tests.doctors.factories import SiteFactory, VisitTypeFactory

    site = SiteFactory(name="North clinic", address="2 North Road\nLeeds LS1 1AA")
    visit_type = VisitTypeFactory(name="Follow-up", length_minutes=15)
    appointment = Visits(
        site=site,
        visit_type=visit_type,
        start=datetime.datetime(2030, 1, 8, 9, 0, tzinfo=datetime.UTC),
        end=datetime.datetime(2030, 1, 8, 9, 15, tzinfo=datetime.UTC),
    )

    text = appointment_ics(appointment, audience="patient").decode().replace("\r\n ", "")

    assert "LOCATION:Riverside Clinic\\, North clinic\\, 2 North Road\\, Leeds LS1 1AA" in text
    assert "Follow-up\\, 15 minutes" in text
