"""The "first available" page: I need <type> · at <site or any> · earliest first, each
time a link into the booking confirmation, which books that type at that site."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from doctors.models import VisitType
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory, SiteFactory, VisitTypeFactory, main_site
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("appointments:first_available")


@pytest.fixture
def new_patient_type(db):
    return VisitTypeFactory(
        name="New patient consultation",
        length_minutes=30,
        online_booking=VisitType.OnlineBooking.NEW_PATIENTS,
        description="A first visit with a doctor you have not seen before.",
    )


def test_the_home_page_leads_to_first_available(client):
    assert PAGE in client.get("/").content.decode()


def test_earliest_first_at_the_chosen_site_with_links_to_book(now, client, new_patient_type):
    main_site()
    north = SiteFactory(name="North", address="2 North Road\nLeeds")
    at_north = DoctorFactory(
        offers=[new_patient_type], working_hours=[(1, "11:00", "12:00", north)]
    )
    DoctorFactory(offers=[new_patient_type], working_hours=[(1, "09:00", "10:00")])

    page = client.get(PAGE, {"type": new_patient_type.pk, "site": north.pk}).content.decode()

    assert "4 free times" in page  # two Tuesdays in the 14 days
    assert "Tue 8 Jan, 11:00" in page and "North, 2 North Road, Leeds" in page
    confirm = reverse("appointments:book_confirm", args=[at_north.pk])
    assert (
        f"{confirm}?start=2030-01-08T11%3A00%3A00%2B00%3A00&amp;type={new_patient_type.pk}" in page
    )


def test_bad_input_is_a_form_error(now, client):
    response = client.get(PAGE, {"type": 999})

    assert response.status_code == 200
    assert "We have no such kind of visit" in response.content.decode()


def test_confirming_books_the_type_at_the_site(now, patient, new_patient_type):
    north = SiteFactory(name="North")
    doctor = DoctorFactory(
        offers=[VisitType.objects.default(), new_patient_type],
        working_hours=[(1, "09:00", "12:00", north)],
    )
    browser = login(patient.user)
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    query = {"start": at(1, "09:30").isoformat(), "type": new_patient_type.pk, "site": north.pk}

    confirm = browser.get(url, query).content.decode()
    response = browser.post(url, query | {"reason": ""})

    assert "New patient consultation" in confirm and "North" in confirm
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.visit_type, appointment.site, appointment.start) == (
        new_patient_type,
        north,
        at(1, "09:30"),
    )


def test_a_type_the_patient_may_not_book_is_explained(now, patient, new_patient_type):
    doctor = DoctorFactory(offers=[new_patient_type])
    Appointment.objects.create(
        patient=patient, doctor=doctor, start=at(-7, "09:00"), end=at(-7, "09:30")
    )
    browser = login(patient.user)
    url = reverse("appointments:book_confirm", args=[doctor.pk])

    response = browser.post(
        url, {"start": at(1, "09:30").isoformat(), "type": new_patient_type.pk}, follow=True
    )

    assert "is for new patients of this doctor" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_the_reschedule_picker_offers_times_of_the_visits_own_type(now, patient):
    follow_up = VisitTypeFactory(name="Follow-up", length_minutes=15)
    doctor = DoctorFactory(
        offers=[VisitType.objects.default(), follow_up], working_hours=[(2, "09:00", "10:00")]
    )
    appointment = Appointment.objects.create(
        patient=patient,
        doctor=doctor,
        visit_type=follow_up,
        start=at(9, "09:00"),
        end=at(9, "09:15"),
    )

    page = login(patient.user).get(
        reverse("appointments:reschedule", args=[appointment.pk]), {"day": "2030-01-09"}
    )

    times = [slot.start.strftime("%H:%M") for slot in page.context["slots"]]
    assert times == ["09:00", "09:15", "09:30", "09:45"]


def test_only_times_the_patient_may_book_are_listed(now, client, new_patient_type):
    """A type for new patients lists the doctors this patient has not seen; a visitor
    counts as new, and is told that logging in may show more."""
    seen_doctor = DoctorFactory(offers=[new_patient_type], working_hours=[(1, "09:00", "10:00")])
    other = DoctorFactory(offers=[new_patient_type], working_hours=[(1, "11:00", "12:00")])
    patient = PatientFactory()
    AppointmentFactory(
        doctor=seen_doctor, patient=patient, start=at(-7, "09:00"), status="fulfilled"
    )
    seen_link = reverse("appointments:book_confirm", args=[seen_doctor.pk])
    other_link = reverse("appointments:book_confirm", args=[other.pk])

    anonymous = client.get(PAGE, {"type": new_patient_type.pk}).content.decode()
    logged_in = login(patient.user).get(PAGE, {"type": new_patient_type.pk}).content.decode()

    assert seen_link in anonymous and other_link in anonymous
    assert "Log in to see the times" in anonymous
    assert seen_link not in logged_in and other_link in logged_in
    assert "Log in to see the times" not in logged_in
