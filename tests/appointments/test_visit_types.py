"""Visit types, sites and closures in the free-slot search and in booking: mixed lengths
pack correctly, buffers and spacing hold, bookable hours and who may book online are
kept, closures remove slots, and starts stay put across DST (issue 14)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.selectors import first_available, free_slots
from appointments.services import (
    SiteNotAvailable,
    SlotUnavailable,
    StartOffGrid,
    VisitTypeNotBookable,
    VisitTypeNotOffered,
    VisitTypeRequired,
    book_appointment,
    reschedule_appointment,
)
from doctors.models import VisitType
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at
from tests.doctors.factories import (
    ClosureFactory,
    DoctorFactory,
    SiteFactory,
    VisitTypeFactory,
    main_site,
)
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2030, 1, 8)
WEDNESDAY = datetime.date(2030, 1, 9)


def times(slots):
    return [slot.start.strftime("%H:%M") for slot in slots]


@pytest.fixture
def follow_up(db):
    return VisitTypeFactory(name="Follow-up", length_minutes=15)


@pytest.fixture
def procedure(db):
    return VisitTypeFactory(name="Minor procedure", length_minutes=45, spacing_minutes=15)


def book(patient, doctor, start, **kwargs):
    return book_appointment(
        patient=patient, doctor=doctor, start=start, booked_by=patient.user, **kwargs
    )


class TestPacking:
    def test_a_long_visit_cannot_start_shortly_before_a_booked_one(self, now, procedure):
        doctor = DoctorFactory(offers=[procedure], working_hours=[(1, "09:00", "11:00")])
        AppointmentFactory(doctor=doctor, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "10:15"))

        slots = free_slots(doctor, TUESDAY, TUESDAY, visit_type=procedure)

        # 09:30 would run to 10:15 (over the booked 10:00); 10:15 is the first after it.
        assert times(slots) == ["09:00", "09:15", "10:15"]
        assert all(s.end - s.start == datetime.timedelta(minutes=45) for s in slots)

    def test_short_visits_fill_the_gaps_between_long_ones(self, now, follow_up, procedure):
        doctor = DoctorFactory(offers=[follow_up, procedure], working_hours=[(1, "09:00", "10:30")])
        AppointmentFactory(doctor=doctor, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "09:45"))

        assert times(free_slots(doctor, TUESDAY, TUESDAY, visit_type=follow_up)) == [
            "09:45", "10:00", "10:15",
        ]  # fmt: skip
        assert times(free_slots(doctor, TUESDAY, TUESDAY, visit_type=procedure)) == ["09:45"]

    def test_the_buffer_after_a_visit_is_kept_free(self, now):
        scan = VisitTypeFactory(name="Scan", length_minutes=20, buffer_minutes=10)
        doctor = DoctorFactory(offers=[scan], working_hours=[(1, "09:00", "10:30")])
        patient = PatientFactory()

        booked = book(patient, doctor, at(TUESDAY, "09:00"))

        assert (booked.end, booked.busy_until) == (at(TUESDAY, "09:20"), at(TUESDAY, "09:30"))
        # Starts every 20 minutes; 09:20 would overlap the buffer, 09:40 also needs its own.
        assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["09:40", "10:00"]

    def test_a_visit_may_not_start_inside_anothers_buffer_edge_minute(self, now, follow_up):
        scan = VisitTypeFactory(name="Scan", length_minutes=30, buffer_minutes=15)
        doctor = DoctorFactory(offers=[follow_up, scan], working_hours=[(1, "09:00", "11:00")])
        AppointmentFactory(
            doctor=doctor,
            visit_type=scan,
            start=at(TUESDAY, "09:00"),
            end=at(TUESDAY, "09:30"),
            busy_until=at(TUESDAY, "09:45"),
        )

        slots = times(free_slots(doctor, TUESDAY, TUESDAY, visit_type=follow_up))

        assert "09:30" not in slots and "09:45" in slots

    def test_spacing_is_counted_from_the_start_of_the_hours(self, now):
        visit = VisitTypeFactory(name="Vaccination", length_minutes=10, spacing_minutes=20)
        doctor = DoctorFactory(offers=[visit], working_hours=[(1, "09:05", "10:00")])

        assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["09:05", "09:25", "09:45"]

    def test_a_doctors_own_length_overrides_the_types(self, now, follow_up):
        doctor = DoctorFactory(offers=[(follow_up, 20)], working_hours=[(1, "09:00", "10:00")])

        assert times(free_slots(doctor, TUESDAY, TUESDAY, visit_type=follow_up)) == [
            "09:00", "09:20", "09:40",
        ]  # fmt: skip

    def test_bookable_hours_keep_a_type_to_the_morning(self, now):
        morning = VisitTypeFactory(
            name="Morning procedure",
            length_minutes=60,
            bookable_from=datetime.time(9, 0),
            bookable_until=datetime.time(12, 0),
        )
        doctor = DoctorFactory(offers=[morning], working_hours=[(1, "08:00", "16:00")])

        # 08:00 is before 09:00; 11:00 ends at 12:00 (the edge, allowed); 12:00 would end after.
        assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["09:00", "10:00", "11:00"]

    def test_a_site_restricted_to_other_types_has_no_slots_for_this_one(self, now, follow_up):
        vaccinations_only = SiteFactory(name="Vaccination centre")
        vaccinations_only.visit_types.add(VisitTypeFactory(name="Vaccination"))
        doctor = DoctorFactory(
            offers=[follow_up], working_hours=[(1, "09:00", "10:00", vaccinations_only)]
        )

        assert free_slots(doctor, TUESDAY, TUESDAY, visit_type=follow_up) == []


class TestSites:
    def test_each_day_at_its_site(self, now):
        north, south = SiteFactory(name="North"), SiteFactory(name="South")
        doctor = DoctorFactory(
            working_hours=[(1, "09:00", "10:00", north), (2, "09:00", "10:00", south)]
        )

        slots = free_slots(doctor, TUESDAY, WEDNESDAY)

        assert {(s.local_date, s.site.name) for s in slots} == {
            (TUESDAY, "North"),
            (WEDNESDAY, "South"),
        }
        assert free_slots(doctor, TUESDAY, WEDNESDAY, site=south)[0].local_date == WEDNESDAY

    def test_booking_stores_the_site_of_the_hours(self, now, patient):
        north = SiteFactory(name="North")
        doctor = DoctorFactory(working_hours=[(1, "09:00", "10:00", north)])

        appointment = book(patient, doctor, at(TUESDAY, "09:30"))

        assert appointment.site == north

    def test_a_site_the_doctor_is_not_at_that_day_is_refused(self, now, patient):
        north, south = SiteFactory(name="North"), SiteFactory(name="South")
        doctor = DoctorFactory(working_hours=[(1, "09:00", "10:00", north)])

        with pytest.raises(SiteNotAvailable) as error:
            book(patient, doctor, at(TUESDAY, "09:30"), site=south)

        assert error.value.fields == {"site": "The doctor is not at that site on that day."}
        assert not Appointment.objects.exists()


class TestClosures:
    def test_a_clinic_wide_closure_removes_slots_at_every_site(self, now):
        doctor = DoctorFactory(working_hours=[(1, "09:00", "11:00", SiteFactory())])
        ClosureFactory(start=at(TUESDAY, "00:00"), end=at(WEDNESDAY, "00:00"))

        assert free_slots(doctor, TUESDAY, TUESDAY) == []

    def test_a_site_closure_removes_only_that_sites_slots(self, now):
        north, south = SiteFactory(name="North"), SiteFactory(name="South")
        doctor = DoctorFactory(
            working_hours=[(1, "09:00", "10:00", north), (2, "09:00", "10:00", south)]
        )
        ClosureFactory(site=north, start=at(TUESDAY, "00:00"), end=at(WEDNESDAY, "23:59"))

        assert {s.site.name for s in free_slots(doctor, TUESDAY, WEDNESDAY)} == {"South"}

    def test_a_closure_ending_at_a_start_leaves_it_free(self, now):
        doctor = DoctorFactory(working_hours=[(1, "09:00", "11:00")])
        ClosureFactory(start=at(TUESDAY, "09:00"), end=at(TUESDAY, "09:59"))

        assert times(free_slots(doctor, TUESDAY, TUESDAY)) == ["10:00", "10:30"]

    def test_a_closed_time_cannot_be_booked(self, now, patient):
        doctor = DoctorFactory()
        ClosureFactory(start=at(TUESDAY, "09:00"), end=at(TUESDAY, "09:31"))

        with pytest.raises(SlotUnavailable):
            book(patient, doctor, at(TUESDAY, "09:30"))


class TestDaylightSavingTime:
    """Europe/London moves to BST on 31 March 2030."""

    def test_a_mixed_grid_keeps_its_wall_clock_starts_across_the_change(self, follow_up):
        doctor = DoctorFactory(offers=[follow_up], working_hours=[(4, "09:00", "10:00")])
        before, after = datetime.date(2030, 3, 29), datetime.date(2030, 4, 5)

        with clock_at(at(datetime.date(2030, 3, 25), "08:00")):
            slots = free_slots(doctor, before, after)

        assert times(slots) == ["09:00", "09:15", "09:30", "09:45"] * 2
        assert {s.start.utcoffset() for s in slots} == {
            datetime.timedelta(0),
            datetime.timedelta(hours=1),
        }


class TestBookingTypes:
    def test_old_clients_book_without_a_type_when_the_doctor_offers_one(self, now, patient):
        doctor = DoctorFactory()

        appointment = book(patient, doctor, at(TUESDAY, "09:00"))

        assert appointment.visit_type == VisitType.objects.default()
        assert appointment.length_minutes == 30

    def test_a_type_is_needed_when_the_doctor_offers_several(self, now, patient, follow_up):
        doctor = DoctorFactory(offers=[VisitType.objects.default(), follow_up])

        with pytest.raises(VisitTypeRequired):
            book(patient, doctor, at(TUESDAY, "09:00"))

        appointment = book(patient, doctor, at(TUESDAY, "09:00"), visit_type=follow_up)
        assert (appointment.visit_type, appointment.length_minutes) == (follow_up, 15)

    def test_a_type_the_doctor_does_not_offer_is_refused(self, now, patient, follow_up):
        with pytest.raises(VisitTypeNotOffered):
            book(patient, DoctorFactory(), at(TUESDAY, "09:00"), visit_type=follow_up)
        assert not Appointment.objects.exists()

    def test_an_inactive_type_is_not_offered(self, now, patient, follow_up):
        doctor = DoctorFactory(offers=[follow_up])
        follow_up.is_active = False
        follow_up.save()

        with pytest.raises(VisitTypeNotOffered):
            book(patient, doctor, at(TUESDAY, "09:00"), visit_type=follow_up)

    def test_a_start_off_the_grid_is_refused_with_the_spacing(self, now, patient, procedure):
        doctor = DoctorFactory(offers=[procedure])

        with pytest.raises(StartOffGrid) as error:
            book(patient, doctor, at(TUESDAY, "09:10"))

        assert "every 15 minutes" in error.value.message
        assert book(patient, doctor, at(TUESDAY, "09:15")).start == at(TUESDAY, "09:15")

    @pytest.mark.parametrize(
        "rule, seen_before, allowed",
        [
            ("new", False, True),
            ("new", True, False),
            ("existing", False, False),
            ("existing", True, True),
            ("anyone", False, True),
            ("staff", True, False),
        ],
    )
    def test_who_may_book_online(self, now, patient, rule, seen_before, allowed):
        visit = VisitTypeFactory(name=f"Visit for {rule}", online_booking=rule)
        doctor = DoctorFactory(offers=[visit])
        if seen_before:
            AppointmentFactory(patient=patient, doctor=doctor, start=at(-7, "09:00"))

        if allowed:
            assert book(patient, doctor, at(TUESDAY, "09:00")).visit_type == visit
        else:
            with pytest.raises(VisitTypeNotBookable):
                book(patient, doctor, at(TUESDAY, "09:00"))

    def test_staff_book_a_staff_only_type_for_a_patient(self, now, patient, staff):
        visit = VisitTypeFactory(name="Staff only", online_booking="staff")
        doctor = DoctorFactory(offers=[visit])

        appointment = book_appointment(
            patient=patient, doctor=doctor, start=at(TUESDAY, "09:00"), booked_by=staff
        )

        assert appointment.visit_type == visit

    def test_rescheduling_keeps_the_type_and_its_length(self, now, patient, follow_up):
        doctor = DoctorFactory(offers=[VisitType.objects.default(), follow_up])
        appointment = book(patient, doctor, at(TUESDAY, "09:00"), visit_type=follow_up)

        moved = reschedule_appointment(
            appointment=appointment, start=at(TUESDAY, "10:15"), actor=patient.user
        )

        assert (moved.visit_type, moved.start, moved.end) == (
            follow_up,
            at(TUESDAY, "10:15"),
            at(TUESDAY, "10:30"),
        )


class TestFirstAvailable:
    def test_earliest_first_across_doctors_with_doctor_type_and_site(self, now, follow_up):
        north = SiteFactory(name="North")
        late = DoctorFactory(offers=[follow_up], working_hours=[(1, "11:00", "12:00", north)])
        early = DoctorFactory(offers=[follow_up], working_hours=[(1, "09:00", "09:30")])
        DoctorFactory()  # offers only the default consultation

        slots = first_available(visit_type=follow_up, start_date=TUESDAY, end_date=TUESDAY)

        assert [(s.doctor, times([s])[0]) for s in slots[:3]] == [
            (early, "09:00"),
            (early, "09:15"),
            (late, "11:00"),
        ]
        assert slots[2].site == north and slots[0].site == main_site()
        assert all(s.visit_type == follow_up for s in slots)

    def test_by_site_and_specialty(self, now, follow_up):
        main_site()
        north = SiteFactory(name="North")
        at_north = DoctorFactory(offers=[follow_up], working_hours=[(1, "09:00", "10:00", north)])
        DoctorFactory(offers=[follow_up], working_hours=[(1, "09:00", "10:00")])

        by_site = first_available(
            visit_type=follow_up, start_date=TUESDAY, end_date=TUESDAY, site=north
        )
        by_specialty = first_available(
            visit_type=follow_up,
            start_date=TUESDAY,
            end_date=TUESDAY,
            specialty=at_north.specialty,
        )

        assert {s.doctor for s in by_site} == {at_north}
        assert {s.doctor for s in by_specialty} == {at_north}

    def test_the_query_count_does_not_grow_with_the_doctors(self, now, follow_up):
        def count():
            with CaptureQueriesContext(connection) as queries:
                first_available(visit_type=follow_up, start_date=TUESDAY, end_date=WEDNESDAY)
            return len(queries)

        DoctorFactory(offers=[follow_up])
        one = count()
        for _ in range(5):
            doctor = DoctorFactory(offers=[follow_up])
            AppointmentFactory(doctor=doctor, start=at(TUESDAY, "09:00"))
            ClosureFactory(start=at(WEDNESDAY, "09:00"), end=at(WEDNESDAY, "10:00"))

        assert count() == one <= 5
