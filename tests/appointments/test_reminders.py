"""Reminders: due ones sent exactly once, none for cancelled visits, right across DST.

The worker is the real one (`manage.py db_worker --batch`) running the tasks that
booking and moving enqueued; the clock is pinned with time-machine.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from appointments.models import Appointment
from appointments.services import book_appointment, cancel_appointment, reschedule_appointment
from appointments.tasks import send_due_reminders
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import by_recipient, calendar_of, event_of, run_worker
from tests.appointments.test_concurrency import race
from tests.conftest import CLINIC_TZ, clock_at

HOUR = datetime.timedelta(hours=1)
TUESDAY_9 = datetime.datetime(2030, 1, 8, 9, 0, tzinfo=CLINIC_TZ)
THURSDAY_14 = datetime.datetime(2030, 1, 10, 14, 0, tzinfo=CLINIC_TZ)


def reminders():
    return [m for m in mail.outbox if m.subject.startswith("Reminder")]


def reminder_tasks():
    return DBTaskResult.objects.filter(task_path="appointments.tasks.send_appointment_reminder")


@pytest.fixture
def book(patient, doctor):
    """Book, and let the worker send the confirmation (which sets up the reminder)."""

    def book(start=TUESDAY_9):
        appointment = book_appointment(
            patient=patient, doctor=doctor, start=start, booked_by=patient.user
        )
        run_worker()
        return appointment

    return book


def test_booking_enqueues_a_reminder_a_day_before_the_start(now, book):
    appointment = book()

    (task,) = reminder_tasks()
    assert task.task_path == "appointments.tasks.send_appointment_reminder"
    assert task.run_after == TUESDAY_9 - 24 * HOUR
    assert task.args_kwargs["args"][0] == appointment.pk


def test_worker_sends_the_reminder_when_it_is_due_and_only_then(now, book, patient, doctor):
    appointment = book()
    mail.outbox.clear()

    with clock_at(TUESDAY_9 - 24 * HOUR - datetime.timedelta(seconds=1)):
        run_worker()
    assert reminders() == []

    with clock_at(TUESDAY_9 - 24 * HOUR):
        run_worker()
    messages = by_recipient(reminders())
    assert set(messages) == {patient.user.email, doctor.user.email}
    patient_mail = messages[patient.user.email]
    assert patient_mail.subject == "Reminder: your appointment on Tue 8 Jan 2030, 09:00"
    assert f"your appointment with {doctor} is on Tue 8 Jan 2030, 09:00" in patient_mail.body
    assert calendar_of(patient_mail)["METHOD"] == "REQUEST"
    assert event_of(patient_mail)["SEQUENCE"] == appointment.sequence
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == TUESDAY_9 - 24 * HOUR
    assert reminder_tasks().get().status == "SUCCESSFUL"


def test_a_due_reminder_is_sent_once_however_often_the_sweep_runs(now, book):
    book()
    mail.outbox.clear()

    with clock_at(TUESDAY_9 - 3 * HOUR):
        first = send_due_reminders()
        run_worker()
        second = send_due_reminders()
        call_command("send_due_reminders", verbosity=0)

    assert (first, second) == (1, 0)
    assert len(reminders()) == 2  # one to the patient, one to the doctor


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_workers_racing_send_each_reminder_once():
    appointments = AppointmentFactory.create_batch(3, start=TUESDAY_9)
    AppointmentFactory(start=THURSDAY_14)  # not due yet

    with clock_at(TUESDAY_9 - 2 * HOUR):
        results = race([send_due_reminders for _ in range(4)])

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == len(appointments)
    assert len(reminders()) == 2 * len(appointments)
    assert Appointment.objects.filter(reminder_sent_at__isnull=False).count() == 3


def test_a_cancelled_appointment_gets_no_reminder(now, book, patient):
    appointment = book()
    cancel_appointment(appointment=appointment, actor=patient.user, reason="Away")
    run_worker()
    mail.outbox.clear()

    with clock_at(TUESDAY_9 - 2 * HOUR):
        run_worker()
        swept = send_due_reminders()

    assert swept == 0
    assert reminders() == []
    assert reminder_tasks().get().status == "SUCCESSFUL"  # ran, and did nothing


def test_a_moved_appointment_is_reminded_at_its_new_time_only(now, book, patient):
    appointment = book(TUESDAY_9)
    reschedule_appointment(appointment=appointment, start=THURSDAY_14, actor=patient.user)
    run_worker()
    mail.outbox.clear()

    with clock_at(TUESDAY_9 - 24 * HOUR):
        run_worker()
        send_due_reminders()
    assert reminders() == []  # the old time's task finds the appointment moved

    with clock_at(THURSDAY_14 - 24 * HOUR):
        run_worker()
        send_due_reminders()
    (patient_mail,) = [m for m in reminders() if m.to == [patient.user.email]]
    assert "Thu 10 Jan 2030, 14:00" in patient_mail.subject
    assert event_of(patient_mail).decoded("DTSTART") == THURSDAY_14


def test_moving_after_the_reminder_went_out_reminds_again_for_the_new_time(patient, doctor, staff):
    with clock_at(datetime.datetime(2030, 1, 6, 8, 0, tzinfo=CLINIC_TZ)):
        appointment = book_appointment(
            patient=patient, doctor=doctor, start=TUESDAY_9, booked_by=patient.user
        )
    with clock_at(TUESDAY_9 - 20 * HOUR):
        assert send_due_reminders() == 1
        # Inside the patients' cut-off, so the clinic moves it.
        reschedule_appointment(appointment=appointment, start=THURSDAY_14, actor=staff)
    mail.outbox.clear()

    with clock_at(THURSDAY_14 - 24 * HOUR):
        run_worker()

    assert len(reminders()) == 2
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == THURSDAY_14 - 24 * HOUR


def test_booking_inside_the_reminder_window_needs_no_second_email(now, book):
    with clock_at(datetime.datetime(2030, 1, 7, 14, 0, tzinfo=CLINIC_TZ)):
        appointment = book(TUESDAY_9)  # 19 hours ahead: the confirmation is the reminder
        mail.outbox.clear()
        run_worker()
        assert send_due_reminders() == 0

    assert reminders() == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None
    assert reminder_tasks().get().status == "SUCCESSFUL"  # ran, and found it claimed


def test_a_failed_send_gives_the_reminder_back_for_the_next_sweep(now, book, monkeypatch):
    appointment = book()
    mail.outbox.clear()

    def mail_server_down(appointment_id):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("appointments.notifications.appointment_reminder", mail_server_down)
    with clock_at(TUESDAY_9 - 2 * HOUR):
        assert send_due_reminders() == 0
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None

    monkeypatch.undo()
    with clock_at(TUESDAY_9 - HOUR):
        assert send_due_reminders() == 1


@pytest.mark.parametrize(
    ("hours_before", "appointment_local", "reminder_utc"),
    [
        # Clocks go forward on Sun 31 Mar 2030: 48 h before Mon 09:00 BST is Sat 08:00 GMT.
        (48, datetime.datetime(2030, 4, 1, 9, 0), datetime.datetime(2030, 3, 30, 8, 0)),
        # Clocks go back on Sun 27 Oct 2030: 48 h before Mon 09:00 GMT is Sat 10:00 BST.
        (48, datetime.datetime(2030, 10, 28, 9, 0), datetime.datetime(2030, 10, 26, 9, 0)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_reminder_timing_is_right_across_a_dst_change(
    settings,
    patient,
    doctor,
    hours_before,
    appointment_local,
    reminder_utc,
):
    settings.CLINIC_REMINDER_BEFORE = datetime.timedelta(hours=hours_before)
    start = appointment_local.replace(tzinfo=CLINIC_TZ)
    due = reminder_utc.replace(tzinfo=datetime.UTC)
    # Counting back on the wall clock would land an hour off.
    assert (start - settings.CLINIC_REMINDER_BEFORE).astimezone(datetime.UTC) != due
    with clock_at(start - datetime.timedelta(days=7)):
        book_appointment(patient=patient, doctor=doctor, start=start, booked_by=patient.user)
        run_worker()
        mail.outbox.clear()

    assert reminder_tasks().get().run_after == due
    with clock_at(due - datetime.timedelta(seconds=1)):
        run_worker()
        assert send_due_reminders() == 0
    assert reminders() == []
    with clock_at(due):
        run_worker()
    assert len(reminders()) == 2
    assert event_of(reminders()[0]).decoded("DTSTART") == start
