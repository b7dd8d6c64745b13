"""Entries wait for a visit type at a site (or any): freed time is offered as slots of that
type at that site, and claiming books exactly that."""

import datetime

import pytest

from appointments.services import cancel_appointment
from doctors.models import VisitType
from tests.api_support import api_client, assert_error
from tests.appointments.factories import visit
from tests.appointments.mail_support import run_worker
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory, SiteFactory, VisitTypeFactory
from tests.patients.factories import PatientFactory
from tests.waitlist.factories import EntryFactory
from waitlist import services
from waitlist.models import Offer, WaitlistEntry

pytestmark = pytest.mark.django_db
WEDNESDAY = 2


def cancel(appointment):
    return cancel_appointment(appointment=appointment, actor=appointment.patient.user)


@pytest.fixture
def follow_up():
    return VisitTypeFactory(name="Follow-up", length_minutes=15)


@pytest.fixture
def two_types(follow_up):
    """A doctor offering the usual consultation (30 min) and a 15-minute follow-up."""
    return DoctorFactory(offers=[VisitType.objects.default(), follow_up])


def test_an_entry_for_a_type_is_offered_slots_of_that_type(now, two_types, follow_up, patient):
    short = EntryFactory(doctor=two_types, visit_type=follow_up)
    usual = EntryFactory(doctor=two_types, visit_type=VisitType.objects.default())
    visit(PatientFactory(), two_types, WEDNESDAY, "09:30")
    visit(PatientFactory(), two_types, WEDNESDAY, "10:30")
    cancel(visit(patient, two_types, WEDNESDAY, "10:00"))  # frees 10:00-10:30

    run_worker()

    by_entry = {o.entry_id: o for o in Offer.objects.all()}
    assert (by_entry[short.pk].visit_type, by_entry[short.pk].start) == (follow_up, at(2, "10:00"))
    assert by_entry[short.pk].end - by_entry[short.pk].start == datetime.timedelta(minutes=15)
    assert by_entry[usual.pk].visit_type == VisitType.objects.default()
    assert by_entry[usual.pk].end - by_entry[usual.pk].start == datetime.timedelta(minutes=30)


@pytest.mark.parametrize(("minutes", "offered"), [(30, True), (31, False)])
def test_a_type_longer_than_the_freed_time_by_a_minute_is_not_offered(
    now, patient, minutes, offered
):
    long = VisitTypeFactory(name=f"Long {minutes}", length_minutes=minutes, spacing_minutes=30)
    doctor = DoctorFactory(offers=[VisitType.objects.default(), long])
    entry = EntryFactory(doctor=doctor, visit_type=long)
    visit(PatientFactory(), doctor, WEDNESDAY, "09:30")
    visit(PatientFactory(), doctor, WEDNESDAY, "10:30")
    cancel(visit(patient, doctor, WEDNESDAY, "10:00"))

    run_worker()

    assert Offer.objects.filter(entry=entry).exists() is offered


def test_an_entry_for_a_site_is_offered_only_time_at_that_site(now, patient):
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    doctor = DoctorFactory(
        working_hours=[(WEDNESDAY, "09:00", "12:00", north), (WEDNESDAY, "13:00", "17:00", south)]
    )
    at_north = EntryFactory(doctor=doctor, site=north)
    anywhere = EntryFactory(doctor=doctor, site=None)
    cancel(visit(patient, doctor, WEDNESDAY, "13:00"))  # at South

    run_worker()

    assert [(o.entry_id, o.site) for o in Offer.objects.all()] == [(anywhere.pk, south)]
    cancel(visit(PatientFactory(), doctor, WEDNESDAY, "10:00"))  # at North
    run_worker()
    assert Offer.objects.get(entry=at_north).site == north


def test_a_specialty_entry_for_a_type_is_offered_only_by_doctors_offering_it(
    now, two_types, follow_up, patient
):
    consultations_only = DoctorFactory(specialty=two_types.specialty)
    entry = EntryFactory(doctor=None, specialty=two_types.specialty, visit_type=follow_up)
    cancel(visit(patient, consultations_only, WEDNESDAY, "10:00"))
    run_worker()
    assert not Offer.objects.exists()

    cancel(visit(PatientFactory(), two_types, WEDNESDAY, "10:00"))
    run_worker()

    offer = Offer.objects.get(entry=entry)
    assert (offer.doctor, offer.visit_type) == (two_types, follow_up)


def test_a_type_for_new_patients_is_not_offered_to_the_doctors_existing_patient(now, patient):
    first_visit = VisitTypeFactory(
        name="First visit", online_booking=VisitType.OnlineBooking.NEW_PATIENTS
    )
    doctor = DoctorFactory(offers=[VisitType.objects.default(), first_visit])
    known = EntryFactory(doctor=doctor, visit_type=first_visit)
    visit(known.patient, doctor, 9, "10:00")  # already the doctor's patient
    new = EntryFactory(doctor=doctor, visit_type=first_visit)
    cancel(visit(patient, doctor, WEDNESDAY, "10:00"))

    run_worker()

    assert [o.entry_id for o in Offer.objects.all()] == [new.pk]


def test_claiming_books_the_type_and_site_offered(now, patient, follow_up):
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    doctor = DoctorFactory(
        offers=[VisitType.objects.default(), follow_up],
        working_hours=[(WEDNESDAY, "09:00", "12:00", north), (WEDNESDAY, "13:00", "17:00", south)],
    )
    entry = EntryFactory(doctor=doctor, visit_type=follow_up, site=north)
    cancel(visit(patient, doctor, WEDNESDAY, "10:00"))
    run_worker()
    offer = Offer.objects.get()

    appointment = services.claim_offer(offer=offer, actor=entry.patient.user)

    assert (appointment.visit_type, appointment.site, appointment.start) == (
        follow_up,
        north,
        at(WEDNESDAY, "10:00"),
    )
    assert appointment.length_minutes == 15


def test_an_earlier_time_entry_takes_its_appointments_type_and_site(now, patient, follow_up):
    north = SiteFactory(name="North")
    doctor = DoctorFactory(
        offers=[VisitType.objects.default(), follow_up],
        working_hours=[(day, "09:00", "12:00", north) for day in range(5)],
    )
    appointment = visit(patient, doctor, 9, "10:00", visit_type=follow_up, site=north)

    entry = services.wait_for_earlier(appointment=appointment, actor=patient.user)

    assert (entry.visit_type, entry.site) == (follow_up, north)


class TestJoining:
    def body(self, doctor, **extra):
        return {"doctor": doctor.pk, "earliest": "2030-01-08", "latest": "2030-01-31", **extra}

    def test_a_doctor_offering_several_types_needs_one_named(self, now, patient, two_types):
        client = api_client(patient.user)
        assert_error(
            client.post("/api/waitlist/", self.body(two_types), format="json"),
            400,
            "type_required",
            ["type"],
        )
        other = VisitTypeFactory(name="Not offered")
        assert_error(
            client.post("/api/waitlist/", self.body(two_types, type=other.pk), format="json"),
            400,
            "type_not_offered",
            ["type"],
        )
        assert not WaitlistEntry.objects.exists()

    def test_a_doctor_offering_one_type_needs_none_named(self, now, patient, doctor):
        created = api_client(patient.user).post("/api/waitlist/", self.body(doctor), format="json")
        assert created.status_code == 201, created.content
        assert created.json()["type"]["name"] == "Consultation"
        assert created.json()["site"] is None

    def test_a_site_the_doctor_does_not_work_at_is_refused(self, now, patient, doctor):
        elsewhere = SiteFactory(name="Elsewhere")
        response = api_client(patient.user).post(
            "/api/waitlist/", self.body(doctor, site=elsewhere.pk), format="json"
        )
        assert_error(response, 400, "invalid", ["site"])
        assert not WaitlistEntry.objects.exists()

    def test_the_join_page_asks_for_the_type_and_site(self, now, patient, follow_up):
        north, south = SiteFactory(name="North"), SiteFactory(name="South")
        doctor = DoctorFactory(
            offers=[VisitType.objects.default(), follow_up],
            working_hours=[(1, "09:00", "12:00", north), (2, "09:00", "12:00", south)],
        )
        client = login(patient.user)
        page = client.get(f"/appointments/waitlist/join/?doctor={doctor.pk}&type={follow_up.pk}")
        content = page.content.decode()
        assert f'<option value="{follow_up.pk}" selected>Follow-up</option>' in content
        assert ">North</option>" in content and ">Any site</option>" in content
        data = {"doctor": doctor.pk, "type": "", "earliest": "2030-01-08",
                "latest": "2030-01-31", "time_of_day": "any"}  # fmt: skip
        refused = client.post("/appointments/waitlist/join/", data)
        assert refused.status_code == 400
        assert "this doctor offers several" in refused.content.decode()
        response = client.post(
            "/appointments/waitlist/join/", {**data, "type": follow_up.pk, "site": south.pk}
        )
        assert response.status_code == 302
        entry = WaitlistEntry.objects.get()
        assert (entry.visit_type, entry.site) == (follow_up, south)
        mine = client.get("/appointments/waitlist/").content.decode()
        assert "Follow-up" in mine and "South" in mine

    def test_staff_add_a_patient_for_a_type_and_site_in_the_admin(self, now, patient, staff):
        north = SiteFactory(name="North")
        follow_up = VisitTypeFactory(name="Follow-up", length_minutes=15)
        doctor = DoctorFactory(
            offers=[VisitType.objects.default(), follow_up],
            working_hours=[(1, "09:00", "12:00", north)],
        )
        response = login(staff).post(
            "/admin/waitlist/waitlistentry/add/",
            {"patient": patient.pk, "doctor": doctor.pk, "type": follow_up.pk,
             "site": north.pk, "earliest": "2030-01-08", "latest": "2030-01-20",
             "time_of_day": "any"},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]
        entry = WaitlistEntry.objects.get()
        assert (entry.visit_type, entry.site) == (follow_up, north)


def test_staff_see_entries_by_visit_type_and_site(now, staff, two_types, follow_up):
    north = SiteFactory(name="North")
    short = EntryFactory(
        doctor=two_types, visit_type=follow_up, site=north, patient__user__last_name="Quickly"
    )
    usual = EntryFactory(doctor=two_types, patient__user__last_name="Whenever")
    client = login(staff)

    by_type = client.get(
        "/admin/waitlist/waitlistentry/", {"visit_type__id__exact": follow_up.pk}
    ).content.decode()
    by_site = client.get(
        "/admin/waitlist/waitlistentry/", {"site__id__exact": north.pk}
    ).content.decode()

    for page in (by_type, by_site):
        assert short.patient.user.last_name in page
        assert usual.patient.user.last_name not in page
