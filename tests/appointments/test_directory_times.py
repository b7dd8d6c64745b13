"""The directory's next free times: each doctor's three earliest times that the patient
may book with them, each a link straight to the confirmation, in a fixed number of
queries for the whole page (tests/test_query_budgets.py holds the count)."""

import pytest
from django.urls import reverse

from appointments.selectors import next_free_times
from doctors.models import VisitType
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory, TimeOffFactory, VisitTypeFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("doctors:directory")


def link(doctor, start, visit_type):
    query = start.isoformat().replace(":", "%3A").replace("+", "%2B")
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    return f"{url}?start={query}&amp;type={visit_type.pk}"


def test_each_doctor_shows_three_next_free_times_linked_to_the_confirmation(now, client):
    doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
    AppointmentFactory(doctor=doctor, start=at(0, "10:30"))
    consultation = VisitType.objects.default()

    content = client.get(DIRECTORY).content.decode()

    assert "Next free times" in content
    for start in (at(0, "10:00"), at(0, "11:00"), at(0, "11:30")):
        assert link(doctor, start, consultation) in content
    assert link(doctor, at(0, "10:30"), consultation) not in content  # taken
    assert link(doctor, at(0, "13:00"), consultation) not in content  # a fourth
    assert "Book </span>Mon 7 Jan, 10:00<span" in content


def test_following_a_time_opens_its_confirmation(now, patient_client):
    doctor = DoctorFactory()
    times = next_free_times([doctor])[doctor.pk]

    response = patient_client.get(times[0].booking_url)

    assert response.status_code == 200
    assert "3. Confirm your booking" in response.content.decode()
    assert "Mon 7 Jan 2030, 10:00" in response.content.decode()


def test_a_doctor_without_free_time_says_so(now, client):
    doctor = DoctorFactory()  # with hours (a doctor without any is not listed), all off
    TimeOffFactory(doctor=doctor, start=at(-1, "00:00"), end=at(120, "00:00"))

    content = client.get(DIRECTORY).content.decode()

    assert str(doctor) in content
    assert "No free times you can book online in the next 14 days." in content


def test_times_respect_what_the_patient_may_book(now):
    """A doctor not taking new patients: times only for those they have seen. A type for
    new patients: not for those they have seen; one for existing patients the reverse."""
    closed = DoctorFactory(accepting_new_patients=False)
    new_only = VisitTypeFactory(online_booking=VisitType.OnlineBooking.NEW_PATIENTS)
    existing_only = VisitTypeFactory(online_booking=VisitType.OnlineBooking.EXISTING_PATIENTS)
    newcomers = DoctorFactory(offers=[new_only])
    regulars = DoctorFactory(offers=[existing_only])
    staff_only = DoctorFactory(
        offers=[VisitTypeFactory(online_booking=VisitType.OnlineBooking.STAFF_ONLY)]
    )
    seen, new = PatientFactory(), PatientFactory()
    # A week ago, one after another (a patient's visits never overlap).
    for doctor, hour in ((closed, "09:00"), (newcomers, "10:00"), (regulars, "11:00")):
        AppointmentFactory(doctor=doctor, patient=seen, start=at(-7, hour), status="fulfilled")
    doctors = [closed, newcomers, regulars, staff_only]

    def has_times(patient):
        times = next_free_times(doctors, patient=patient)
        return [bool(times[doctor.pk]) for doctor in doctors]

    assert has_times(None) == [False, True, False, False]  # a visitor: a new patient
    assert has_times(new) == [False, True, False, False]
    assert has_times(seen) == [True, False, True, False]


def test_a_patient_sees_in_the_directory_what_they_may_book(now):
    closed = DoctorFactory(accepting_new_patients=False)
    seen = PatientFactory()
    AppointmentFactory(doctor=closed, patient=seen, start=at(-7, "09:00"), status="fulfilled")
    consultation = VisitType.objects.default()

    for patient, shown in ((seen, True), (PatientFactory(), False)):
        content = login(patient.user).get(DIRECTORY).content.decode()
        assert (link(closed, at(0, "10:00"), consultation) in content) is shown
