"""Freed time offered to the waitlist: matching, fairness, batches, expiry, email limits."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from appointments.models import Appointment
from appointments.services import cancel_appointment, reschedule_appointment
from doctors.models import Closure, TimeOff, WorkingHours
from doctors.services import remove_closure, remove_time_off, set_working_hours
from healthcare.core.errors import NotAllowed
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import at, clock_at, login
from tests.doctors.factories import ClosureFactory, DoctorFactory, SiteFactory
from tests.patients.factories import PatientFactory
from tests.waitlist.factories import EntryFactory
from waitlist.models import FreedTime, Offer, WaitlistEntry
from waitlist.services import wait_for_earlier

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def cancel(appointment):
    return cancel_appointment(appointment=appointment, actor=appointment.patient.user)


def offered(**filters):
    return sorted(
        (o.entry_id for o in Offer.objects.filter(**filters)),
    )


def test_a_cancelled_visit_is_offered_to_the_waiting_patient_by_email(now, doctor, patient):
    entry = EntryFactory(doctor=doctor)
    booked = visit(patient, doctor, 2, "10:00")
    cancel(booked)
    assert not Offer.objects.exists()  # not in the request: in the worker
    mail.outbox.clear()
    run_worker()
    offer = Offer.objects.get()
    assert (offer.entry, offer.doctor, offer.start) == (entry, doctor, at(2, "10:00"))
    (message,) = [m for m in mail.outbox if m.to == [entry.patient.user.email]]
    assert "/appointments/waitlist/offers/" in message.body
    # Never who freed the time, or why.
    assert patient.user.last_name not in message.body
    assert "cancel" not in message.body.lower()
    assert offer.emailed_at is not None


def test_nothing_is_offered_inside_the_minimum_notice(doctor, patient):
    EntryFactory(doctor=doctor)
    booked = visit(patient, doctor, 0, "10:00")
    # Cancelled at 08:01: 10:00 is 1 h 59 min away, inside the 2 h notice.
    with clock_at(at(0, "08:01")):
        cancel_appointment(appointment=booked, actor=booked.doctor.user, reason="Ill")
        run_worker()
    assert not Offer.objects.exists()
    booked = visit(patient, doctor, 0, "10:30")
    with clock_at(at(0, "08:29")):  # 2 h 1 min before: offered
        cancel_appointment(appointment=booked, actor=booked.doctor.user, reason="Ill")
        run_worker()
    assert Offer.objects.get().start == at(0, "10:30")


@pytest.mark.parametrize(
    ("changes", "matches"),
    [
        ({}, True),
        ({"earliest": datetime.date(2030, 1, 10)}, False),  # window starts the day after
        ({"earliest": datetime.date(2030, 1, 9), "latest": datetime.date(2030, 1, 9)}, True),
        ({"latest": datetime.date(2030, 1, 8)}, False),  # window ended the day before
        ({"weekdays": [2]}, True),  # Wednesday
        ({"weekdays": [0, 1, 3, 4]}, False),
        ({"time_of_day": "morning"}, False),  # 13:00 is an afternoon
        ({"time_of_day": "afternoon"}, True),
    ],
)
def test_matching_by_window_weekday_and_time_of_day(now, doctor, patient, changes, matches):
    EntryFactory(doctor=doctor, **changes)
    cancel(visit(patient, doctor, 2, "13:00"))  # Wednesday 9 January, 13:00
    run_worker()
    assert Offer.objects.exists() is matches


def test_noon_is_an_afternoon_and_eleven_thirty_a_morning(now, doctor, patient):
    morning = EntryFactory(doctor=doctor, time_of_day="morning")
    afternoon = EntryFactory(doctor=doctor, time_of_day="afternoon")
    doctor.working_hours.update(end_time=datetime.time(17))  # one interval, 09:00–17:00
    cancel(visit(patient, doctor, 2, "11:30"))
    cancel(visit(PatientFactory(), doctor, 3, "12:00"))
    run_worker()
    assert {(o.entry_id, o.start) for o in Offer.objects.all()} == {
        (morning.pk, at(2, "11:30")),
        (afternoon.pk, at(3, "12:00")),
    }


def test_specialty_entries_match_any_doctor_of_that_specialty(now, doctor, patient):
    same = DoctorFactory(specialty=doctor.specialty)
    other = DoctorFactory()
    wanted = EntryFactory(doctor=None, specialty=doctor.specialty)
    EntryFactory(doctor=None, specialty=other.specialty)
    EntryFactory(doctor=same)  # waits for another doctor by name
    cancel(visit(patient, doctor, 2, "10:00"))
    run_worker()
    assert offered() == [wanted.pk]


def test_offers_go_in_join_order_a_batch_at_a_time(now, doctor, patient, settings):
    settings.WAITLIST_BATCH_SIZE = 2
    entries = [EntryFactory(doctor=doctor, created_at=now - i * MINUTE) for i in range(5)]
    first_in_line = sorted(entries, key=lambda e: e.created_at)
    cancel(visit(patient, doctor, 2, "10:00"))
    run_worker()
    assert offered() == sorted(e.pk for e in first_in_line[:2])
    # A minute before the links expire nothing more happens; once they have, the next two.
    with clock_at(now + settings.WAITLIST_OFFER_TIME - MINUTE):
        run_worker()
    assert Offer.objects.count() == 2
    with clock_at(now + settings.WAITLIST_OFFER_TIME + MINUTE):
        run_worker()
    assert offered(status="sent") == sorted(e.pk for e in first_in_line[2:4])
    assert offered(status="expired") == sorted(e.pk for e in first_in_line[:2])


def test_an_entry_gets_at_most_one_offer_email_an_hour(now, doctor, patient, settings):
    entry = EntryFactory(doctor=doctor)
    cancel(visit(patient, doctor, 2, "10:00"))
    run_worker()
    later = visit(PatientFactory(), doctor, 3, "10:00")
    with clock_at(now + settings.WAITLIST_EMAIL_INTERVAL - MINUTE):
        cancel(later)
        run_worker()
    assert Offer.objects.filter(entry=entry).count() == 1
    third = visit(PatientFactory(), doctor, 4, "10:00")
    with clock_at(now + settings.WAITLIST_EMAIL_INTERVAL + MINUTE):
        cancel(third)
        run_worker()
    assert Offer.objects.filter(entry=entry).count() == 2


def test_a_patient_busy_at_that_time_is_not_offered_it(now, doctor, patient):
    entry = EntryFactory(doctor=doctor)
    visit(entry.patient, DoctorFactory(), 2, "10:00")
    cancel(visit(patient, doctor, 2, "10:00"))
    run_worker()
    assert not Offer.objects.exists()


def test_left_and_expired_entries_get_nothing(now, doctor, patient):
    EntryFactory(doctor=doctor, status=WaitlistEntry.Status.LEFT)
    EntryFactory(doctor=doctor, earliest=at(-3, "00:00").date(), latest=at(-1, "00:00").date())
    cancel(visit(patient, doctor, 2, "10:00"))
    run_worker()
    assert not Offer.objects.exists()


def test_time_off_removed_and_new_hours_are_offered_too(now, doctor, staff):
    entry = EntryFactory(doctor=doctor, weekdays=[5])  # Saturdays only
    set_working_hours(doctor=doctor, intervals=[(5, datetime.time(9), datetime.time(10))])
    run_worker()
    assert Offer.objects.get(entry=entry).start == at(5, "09:00")

    other = EntryFactory(doctor=doctor, latest=at(1, "00:00").date())  # until Tuesday
    time_off = TimeOff.objects.create(doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"))
    set_working_hours(doctor=doctor, intervals=[(1, datetime.time(9), datetime.time(10))])
    run_worker()
    assert not Offer.objects.filter(entry=other).exists()
    remove_time_off(time_off=time_off, actor=doctor.user)
    run_worker()
    assert Offer.objects.get(entry=other).start == at(1, "09:00")


def test_a_moved_visit_frees_its_old_time(now, doctor, patient):
    entry = EntryFactory(doctor=doctor)
    booked = visit(patient, doctor, 2, "10:00")
    reschedule_appointment(appointment=booked, start=at(3, "10:00"), actor=patient.user)
    run_worker()
    assert Offer.objects.get(entry=entry).start == at(2, "10:00")
    assert FreedTime.objects.get().start == at(2, "10:00")


def test_no_task_when_nobody_waits(now, doctor, patient):
    cancel(visit(patient, doctor, 2, "10:00"))
    assert not DBTaskResult.objects.filter(task_path__contains="waitlist").exists()
    assert Appointment.objects.get().status == "cancelled"


def test_a_closure_removed_is_offered_like_time_off_removed(now, doctor, staff):
    north = SiteFactory(name="North")
    elsewhere = DoctorFactory(specialty=doctor.specialty, working_hours=[(1, "09:00", "10:00")])
    doctor.working_hours.all().delete()
    WorkingHours.objects.create(
        doctor=doctor,
        weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(10),
        site=north,
    )
    at_north = EntryFactory(doctor=doctor, latest=at(1, "00:00").date())  # until Tuesday
    by_elsewhere = EntryFactory(doctor=elsewhere, latest=at(1, "00:00").date())
    closure = ClosureFactory(site=north, start=at(1, "00:00"), end=at(2, "00:00"))
    run_worker()
    assert not Offer.objects.exists()

    remove_closure(closure=closure, actor=staff)
    run_worker()

    assert not Closure.objects.exists()
    assert Offer.objects.get(entry=at_north).start == at(1, "09:00")
    # Only the doctors at the closed site hear of it: the other's time was never closed.
    assert not Offer.objects.filter(entry=by_elsewhere).exists()


def test_staff_remove_a_closure_in_the_admin_and_the_waitlist_is_offered_it(now, doctor):
    entry = EntryFactory(doctor=doctor, latest=at(1, "00:00").date())
    closure = ClosureFactory(start=at(1, "00:00"), end=at(2, "00:00"))
    client = login(staff_in("Clinic manager"))

    response = client.post(
        reverse("admin:doctors_closure_delete", args=[closure.pk]), {"post": "yes"}
    )
    run_worker()

    assert response.status_code == 302
    assert not Closure.objects.exists()
    assert Offer.objects.get(entry=entry).start == at(1, "09:00")


def test_only_staff_who_keep_the_calendar_remove_a_closure(now, doctor):
    closure = ClosureFactory(start=at(1, "00:00"), end=at(2, "00:00"))
    with pytest.raises(NotAllowed):
        remove_closure(closure=closure, actor=staff_in("Reception"))
    assert Closure.objects.exists()


def test_the_offer_email_says_what_where_and_that_no_calendar_file_comes_yet(now, patient):
    north = SiteFactory(name="North", address="2 North Road\nLeeds")
    doctor = DoctorFactory(working_hours=[(2, "09:00", "12:00", north)])
    entry = EntryFactory(doctor=doctor)
    cancel(visit(patient, doctor, 2, "10:00", site=north))
    mail.outbox.clear()

    run_worker()

    (message,) = [m for m in mail.outbox if m.to == [entry.patient.user.email]]
    html = message.alternatives[0].content
    assert message.subject == "A time you are waiting for is free: Wed 9 Jan 2030, 10:00"
    assert not message.attachments  # nothing to put in a calendar before confirming
    for body in (message.body, html):
        assert "attached" not in body
        assert "Consultation, 30 minutes" in body
        assert "North, 2 North Road, Leeds" in body
        assert "The time is yours only once you confirm it" in body


def test_an_earlier_time_offer_says_so_in_its_subject(now, doctor, patient):
    mine = visit(PatientFactory(), doctor, 9, "10:00")
    entry = wait_for_earlier(appointment=mine, actor=mine.patient.user)
    cancel(visit(patient, doctor, 2, "10:00"))
    mail.outbox.clear()

    run_worker()

    (message,) = [m for m in mail.outbox if m.to == [entry.patient.user.email]]
    assert message.subject == "An earlier time is free: Wed 9 Jan 2030, 10:00"
    assert "Taking it moves your current appointment" in message.body
