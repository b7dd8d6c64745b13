"""The desk finds a patient in one box and books, moves and cancels for them through the
same services as the patients' own pages; staff may book inside the minimum notice,
never over another visit."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from appointments.models import Appointment
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory, doctor_named
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def desk(now):
    return login(staff_in("Reception"))


@pytest.fixture
def people(db):
    return {
        "ann": PatientFactory(
            user__first_name="Ann",
            user__last_name="Able",
            user__email="ann@example.org",
            user__phone="07700 900123",
            date_of_birth=datetime.date(1980, 3, 14),
        ),
        "bob": PatientFactory(
            user__first_name="Bob",
            user__last_name="Baker",
            user__email="bob@example.org",
            user__phone="+44 20 7946 0000",
            date_of_birth=datetime.date(1990, 1, 2),
        ),
    }


def found(client, query):
    content = client.get(reverse("desk:search"), {"q": query}).content.decode()
    return {name for name in ("Ann Able", "Bob Baker") if name in content}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("able", {"Ann Able"}),
        ("ann able", {"Ann Able"}),
        ("1980-03-14", {"Ann Able"}),
        ("14/03/1980", {"Ann Able"}),
        ("02.01.1990", {"Bob Baker"}),
        ("07700900123", {"Ann Able"}),
        ("900123", {"Ann Able"}),
        ("7946", {"Bob Baker"}),
        ("bob@example", {"Bob Baker"}),
        ("example.org", {"Ann Able", "Bob Baker"}),
        ("ann 1990-01-02", set()),
        ("nobody", set()),
    ],
)
def test_one_box_finds_by_name_date_of_birth_phone_or_email(desk, people, query, expected):
    assert found(desk, query) == expected


def test_search_page_without_a_query_asks_for_one(desk, people):
    response = desk.get(reverse("desk:search"))

    assert response.status_code == 200
    assert "Ann Able" not in response.content.decode()


def book(client, patient, doctor, start, **extra):
    url = reverse("desk:book", args=[patient.pk])
    query = f"?doctor={doctor.pk}&day={start.date().isoformat()}"
    return client.post(url + query, {"start": start.isoformat(), **extra})


def test_the_desk_books_for_a_patient(desk, people):
    doctor = doctor_named("Gregory", "House")

    response = book(desk, people["ann"], doctor, at(1, "09:00"), reason="Cough")

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.doctor) == (people["ann"], doctor)
    assert appointment.start == at(1, "09:00")
    assert appointment.booked_by.groups.filter(name="Reception").exists()
    assert messages_of(response) == ["Booked Ann Able with Dr Gregory House."]


def test_the_slot_list_marks_times_inside_the_minimum_notice(desk, people):
    doctor = DoctorFactory()

    response = desk.get(
        reverse("desk:book", args=[people["ann"].pk]),
        {"doctor": doctor.pk, "day": at(0, "00:00").date().isoformat()},
    )

    content = response.content.decode()
    # 08:00 now, two hours' notice: 09:00 and 09:30 are inside it, 10:00 is not.
    assert content.count("(inside the minimum notice)") == 2
    assert 'value="2030-01-07T10:00:00+00:00"' in content


@pytest.mark.parametrize(("hhmm", "booked"), [("09:59", False), ("10:00", True)])
def test_inside_the_minimum_notice_the_desk_must_say_so(desk, people, hhmm, booked):
    # 08:00 now, two hours' notice: a slot at 09:59 is a minute inside it, 10:00 is not.
    doctor = DoctorFactory(working_hours=[(0, hhmm, "17:00")])

    response = book(desk, people["ann"], doctor, at(0, hhmm))

    assert Appointment.objects.exists() is booked
    assert response.status_code == (302 if booked else 400)


def test_the_desk_overrides_the_minimum_notice_when_it_ticks_the_box(desk, people):
    doctor = DoctorFactory()

    response = book(desk, people["ann"], doctor, at(0, "09:00"), override_notice="on")

    assert response.status_code == 302
    assert Appointment.objects.get().start == at(0, "09:00")


def test_the_past_stays_closed_even_with_the_override(desk, people):
    doctor = DoctorFactory(working_hours=[(0, "07:00", "12:00")])

    response = book(desk, people["ann"], doctor, at(0, "07:30"), override_notice="on")

    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_the_override_never_allows_an_overlap(desk, people):
    doctor = DoctorFactory()
    visit(people["bob"], doctor, 0, "09:00")

    response = book(desk, people["ann"], doctor, at(0, "09:00"), override_notice="on")

    assert response.status_code == 400
    assert "no longer available" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_the_patient_cannot_have_two_visits_at_once_even_from_the_desk(desk, people):
    visit(people["ann"], DoctorFactory(), 1, "09:00")

    response = book(desk, people["ann"], DoctorFactory(), at(1, "09:00"))

    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_staff_are_not_held_to_the_patients_booking_rate_limit(desk, people, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking-account": "3/h"}
    doctor = DoctorFactory()
    for hhmm in ("09:00", "09:30", "10:00", "10:30"):
        response = book(desk, people["ann"], doctor, at(1, hhmm))
        assert response.status_code == 302, hhmm
    assert Appointment.objects.count() == 4


def test_the_desk_moves_a_visit_inside_the_notice_with_the_override(desk, people):
    doctor = DoctorFactory()
    appointment = visit(people["ann"], doctor, 2, "09:00")
    url = reverse("desk:move", args=[appointment.pk])
    query = f"?day={at(0, '00:00').date().isoformat()}"

    refused = desk.post(url + query, {"start": at(0, "09:30").isoformat()})
    moved = desk.post(url + query, {"start": at(0, "09:30").isoformat(), "override_notice": "on"})

    assert refused.status_code == 400
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == at(0, "09:30")


def test_the_desk_cancels_with_the_reason_the_patient_is_told(desk, people):
    appointment = visit(people["ann"], DoctorFactory(), 0, "09:00")
    url = reverse("desk:cancel", args=[appointment.pk])

    without = desk.post(url, {"reason": ""})
    done = desk.post(url, {"reason": "Doctor ill"})

    assert without.status_code == 400
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancellation_reason == "Doctor ill"


def test_the_patient_page_shows_no_clinical_content(desk, people):
    visit(people["ann"], DoctorFactory(), 1, "09:00", reason="Embarrassing rash")
    people["ann"].allergies = "Penicillin"
    people["ann"].save()

    content = desk.get(reverse("desk:patient", args=[people["ann"].pk])).content.decode()

    assert "Ann Able" in content and "07700 900123" in content
    assert "Embarrassing rash" not in content
    assert "Penicillin" not in content


def test_no_email_reaches_the_mail_server_from_the_request(desk, people):
    book(desk, people["ann"], DoctorFactory(), at(1, "09:00"))

    assert mail.outbox == []  # queued for the worker (appointments/tasks.py)
