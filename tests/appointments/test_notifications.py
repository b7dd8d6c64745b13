"""Emails on booking, moving and cancelling: to both sides, from the worker, with an .ics."""

import datetime
import email
import socket
from email import policy

import environ
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from appointments.models import Appointment
from appointments.services import (
    SlotUnavailable,
    book_appointment,
    cancel_appointment,
    change_status,
    reschedule_appointment,
)
from tests.appointments.mail_support import (
    by_recipient,
    calendar_of,
    event_of,
    html_of,
    run_worker,
)
from tests.conftest import CLINIC_TZ, clock_at

TUESDAY_9 = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=CLINIC_TZ)
THURSDAY_14 = datetime.datetime(2030, 1, 10, 14, 0, tzinfo=CLINIC_TZ)
HALF_HOUR = datetime.timedelta(minutes=30)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://clinic.example.org"
    settings.DEFAULT_FROM_EMAIL = "appointments@clinic.example.org"
    settings.CLINIC_NAME = "Riverside Clinic"


@pytest.fixture
def booked(now, patient, doctor):
    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, reason="Rash", booked_by=patient.user
    )
    run_worker()
    return appointment


def test_booking_emails_patient_and_doctor_an_invitation(booked, patient, doctor):
    messages = by_recipient(mail.outbox)

    assert set(messages) == {patient.user.email, doctor.user.email}
    assert messages[patient.user.email].subject == (
        "Your appointment on Tue 8 Jan 2030, 09:00 is booked"
    )
    assert messages[doctor.user.email].subject == "New appointment on Tue 8 Jan 2030, 09:00"
    for message in messages.values():
        assert message.from_email == "appointments@clinic.example.org"
        cal = calendar_of(message)
        assert cal["METHOD"] == "REQUEST"
        event = event_of(message)
        assert str(event["UID"]) == f"appointment-{booked.pk}@clinic.example.org"
        assert event["SEQUENCE"] == 0
        assert event["STATUS"] == "CONFIRMED"
        assert event.decoded("DTSTART") == TUESDAY_9
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTEND") == TUESDAY_9 + datetime.timedelta(minutes=30)
        assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
        assert f"https://clinic.example.org/appointments/{booked.pk}/" in message.body
    patient_mail = messages[patient.user.email]
    assert f"Your appointment with {doctor} on Tue 8 Jan 2030, 09:00 is booked" in (
        patient_mail.body
    )
    assert "Your appointment with" in html_of(patient_mail)
    assert f"{patient.user.display_name} has booked an appointment with you" in (
        messages[doctor.user.email].body
    )
    assert str(event_of(messages[doctor.user.email])["SUMMARY"]) == (
        f"Appointment: {patient.user.display_name}"
    )


def test_emails_keep_the_reason_for_the_visit_out(booked):
    for message in mail.outbox:
        assert "Rash" not in message.body
        assert "Rash" not in html_of(message)
        assert "Rash" not in calendar_of(message).to_ical().decode()


def test_rescheduling_sends_an_update_with_the_same_uid_and_a_higher_sequence(
    booked, patient, doctor
):
    mail.outbox.clear()

    reschedule_appointment(appointment=booked, start=THURSDAY_14, actor=patient.user)
    run_worker()

    messages = by_recipient(mail.outbox)
    assert set(messages) == {patient.user.email, doctor.user.email}
    assert messages[doctor.user.email].subject == "Appointment moved to Thu 10 Jan 2030, 14:00"
    for message in messages.values():
        assert message.subject.endswith("moved to Thu 10 Jan 2030, 14:00")
        assert "from Tue 8 Jan 2030, 09:00 to Thu 10 Jan 2030, 14:00" in message.body
        assert calendar_of(message)["METHOD"] == "REQUEST"
        event = event_of(message)
        assert str(event["UID"]) == f"appointment-{booked.pk}@clinic.example.org"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == THURSDAY_14


def test_patient_cancelling_sends_a_cancel_with_the_reason(booked, patient, doctor):
    mail.outbox.clear()

    cancel_appointment(appointment=booked, actor=patient.user, reason="Feeling better")
    run_worker()

    messages = by_recipient(mail.outbox)
    assert set(messages) == {patient.user.email, doctor.user.email}
    assert messages[patient.user.email].subject == (
        "Your appointment on Tue 8 Jan 2030, 09:00 is cancelled"
    )
    assert messages[doctor.user.email].subject == "Appointment on Tue 8 Jan 2030, 09:00 cancelled"
    for message in messages.values():
        assert f"has been cancelled by {patient.user.display_name}" in message.body
        assert "Reason: Feeling better" in message.body
        assert calendar_of(message)["METHOD"] == "CANCEL"
        event = event_of(message)
        assert str(event["UID"]) == f"appointment-{booked.pk}@clinic.example.org"
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1


def test_doctor_cancelling_tells_the_patient_who_and_why(booked, patient, doctor):
    mail.outbox.clear()

    cancel_appointment(appointment=booked, actor=doctor.user, reason="The doctor is ill")
    run_worker()

    patient_mail = by_recipient(mail.outbox)[patient.user.email]
    assert f"has been cancelled by {doctor}" in patient_mail.body
    assert "Reason: The doctor is ill" in patient_mail.body
    assert "book another time" in patient_mail.body
    assert "The doctor is ill" in html_of(patient_mail)
    assert event_of(patient_mail)["SEQUENCE"] == 1


def test_staff_cancelling_is_signed_by_the_clinic(booked, staff, patient):
    mail.outbox.clear()

    cancel_appointment(appointment=booked, actor=staff, reason="Clinic closed")
    run_worker()

    assert "has been cancelled by the clinic" in by_recipient(mail.outbox)[patient.user.email].body


def test_checking_in_sends_no_email(now, doctor, patient):
    with clock_at(datetime.datetime(2030, 1, 8, 8, 50, tzinfo=CLINIC_TZ)):
        appointment = Appointment.objects.create(
            patient=patient, doctor=doctor, start=TUESDAY_9, end=TUESDAY_9 + HALF_HOUR
        )
        change_status(appointment=appointment, to="checked-in", actor=doctor.user)
        run_worker()

    assert mail.outbox == []


def test_nothing_is_sent_when_the_transaction_rolls_back(now, patient, doctor):
    with pytest.raises(RuntimeError), transaction.atomic():
        book_appointment(patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user)
        raise RuntimeError("something later in the same transaction failed")
    run_worker()

    assert not DBTaskResult.objects.exists()  # the email's task went with the booking
    assert mail.outbox == []
    assert not Appointment.objects.exists()


def test_nothing_is_sent_for_a_refused_booking(booked, other_patient, doctor):
    mail.outbox.clear()

    with pytest.raises(SlotUnavailable):
        book_appointment(
            patient=other_patient, doctor=doctor, start=TUESDAY_9, booked_by=other_patient.user
        )
    run_worker()

    assert mail.outbox == []


def test_the_booking_itself_does_not_wait_for_the_mail_server(now, patient, doctor):
    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
    )

    assert mail.outbox == []
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "appointments.tasks.announce"
    assert task.args_kwargs["args"][:2] == ["booked", appointment.pk]


def test_a_mail_server_that_is_down_does_not_undo_the_booking_or_lose_the_reminder(
    now, settings, patient, doctor
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2},
        }
    }

    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
    )
    run_worker()

    assert Appointment.objects.filter(pk=appointment.pk, status="booked").exists()
    announce = DBTaskResult.objects.get(task_path="appointments.tasks.announce")
    assert announce.status == "FAILED"
    assert "ConnectionRefusedError" in announce.exception_class_path
    reminder = DBTaskResult.objects.get(task_path="appointments.tasks.send_appointment_reminder")
    assert reminder.status == "READY"
    assert reminder.run_after == TUESDAY_9 - settings.CLINIC_REMINDER_BEFORE


def test_a_confirmation_overtaken_by_a_cancellation_is_not_sent(now, patient, doctor):
    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
    )
    cancel_appointment(appointment=appointment, actor=patient.user, reason="Changed my mind")
    run_worker()  # the worker was slower than the patient

    assert [m.subject for m in mail.outbox] == [
        "Your appointment on Tue 8 Jan 2030, 09:00 is cancelled",
        "Appointment on Tue 8 Jan 2030, 09:00 cancelled",
    ]


def test_a_confirmation_overtaken_by_a_move_tells_of_the_move_only(now, patient, doctor):
    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
    )
    reschedule_appointment(appointment=appointment, start=THURSDAY_14, actor=patient.user)
    run_worker()

    assert sorted(m.subject for m in mail.outbox) == [
        "Appointment moved to Thu 10 Jan 2030, 14:00",
        "Your appointment has moved to Thu 10 Jan 2030, 14:00",
    ]
    assert {event_of(m)["SEQUENCE"] for m in mail.outbox} == {1}


class RecordingHandler:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_booking_email_goes_through_a_real_smtp_server(now, settings, smtp_server, patient, doctor):
    controller, handler = smtp_server
    # The same path production takes: EMAIL_URL parsed by the settings into MAILERS.
    settings.MAILERS = _mailers_from_email_url(f"smtp://127.0.0.1:{controller.port}")

    appointment = book_appointment(
        patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
    )
    run_worker()

    assert sorted(rcpt for e in handler.envelopes for rcpt in e.rcpt_tos) == sorted(
        [patient.user.email, doctor.user.email]
    )
    envelope = next(e for e in handler.envelopes if e.rcpt_tos == [patient.user.email])
    received = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["Subject"] == "Your appointment on Tue 8 Jan 2030, 09:00 is booked"
    assert received["To"] == patient.user.email
    assert "is booked" in received.get_body(("plain",)).get_content()
    assert "<html" in received.get_body(("html",)).get_content()
    cal = calendar_of(received)
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == f"appointment-{appointment.pk}@clinic.example.org"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == TUESDAY_9
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    attendees = sorted(str(a).removeprefix("mailto:") for a in event["ATTENDEE"])
    assert attendees == sorted([patient.user.email, doctor.user.email])


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mailers_from_email_url(url):
    config = environ.Env.email_url_config(url)
    return {
        "default": {
            "BACKEND": config["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": config["EMAIL_HOST"],
                "port": config["EMAIL_PORT"],
                "timeout": 5,
            },
        }
    }
