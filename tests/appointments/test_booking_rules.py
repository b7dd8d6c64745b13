"""The clinic's booking rules, said before they bite (issue 15: 1, 2, 4, 5, 9).

The cancellation policy on the doctor's and the confirm page, and the lock of a visit
inside the cut-off before confirming it; one rule for Reschedule/Cancel wherever they
show; a doctor not taking new patients; doctors without working hours; the clinic's
address and phone; rescheduling asks to confirm the old and the new time.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment
from appointments.services import book_appointment
from doctors.models import WorkingHours
from tests.api_support import api_client, ids
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import by_recipient, event_of, html_of, run_worker
from tests.conftest import at, clock_at, login
from tests.doctors.factories import DoctorFactory, SpecialtyFactory, main_site
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(hours=24)
PHONE = "0113 496 0000"
PHONE_LINK = 'href="tel:01134960000"'
ADDRESS = "5 Bridge Street, Leeds LS1 4AB"
LOCKED = "less than 24 hours away"
LOCKED_AT_ONCE = "once booked, it can't be changed or cancelled online"
# Tuesday 8 January 2030, 09:00: the first slot of the default doctor's Tuesday.
SLOT = at(1, "09:00")


@pytest.fixture(autouse=True)
def _clinic(settings):
    settings.CLINIC_PHONE = PHONE
    settings.CLINIC_ADDRESS = ADDRESS


def confirm_url(doctor, start):
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    return f"{url}?{urlencode({'start': start.isoformat()})}"


def page(client, url, **params):
    response = client.get(url, params)
    return response, response.content.decode()


def url(name, appointment):
    return reverse(f"appointments:{name}", args=[appointment.pk])


class TestCancellationPolicy:
    def test_the_doctors_page_states_the_policy_with_the_phone(self, now, client, doctor):
        _, content = page(client, reverse("doctors:detail", args=[doctor.pk]))

        assert "You can change or cancel a visit online until 24 hours before it starts." in (
            content
        )
        assert f"After that, please call the clinic on <a {PHONE_LINK}>{PHONE}</a>." in content

    def test_the_policy_is_built_from_the_settings(self, now, client, doctor, settings):
        settings.CLINIC_CANCELLATION_CUTOFF = datetime.timedelta(hours=48)

        _, content = page(client, reverse("doctors:detail", args=[doctor.pk]))

        assert "until 48 hours before it starts" in content
        assert "24 hours" not in content

    @pytest.mark.parametrize(
        ("before", "warned"),
        [(DAY + MINUTE, False), (DAY, False), (DAY - MINUTE, True)],
        ids=["a minute outside", "exactly the cut-off", "a minute inside"],
    )
    def test_the_confirm_page_warns_when_the_visit_will_be_locked_at_once(
        self, patient, doctor, before, warned
    ):
        with clock_at(SLOT - before):
            response, content = page(login(patient.user), confirm_url(doctor, SLOT))

        assert response.status_code == 200
        assert (LOCKED_AT_ONCE in content) is warned
        # The policy otherwise: the rule is stated either way.
        assert ("until 24 hours before it starts" in content) is not warned
        assert (PHONE_LINK in content.split("</main>")[0]) is True

    def test_a_visit_booked_inside_the_cut_off_is_locked_as_warned(self, patient, doctor):
        with clock_at(SLOT - DAY + MINUTE):
            client = login(patient.user)
            response = client.post(
                confirm_url(doctor, SLOT), {"start": SLOT.isoformat(), "reason": ""}
            )
            assert response.status_code == 302, response.content.decode()
            appointment = Appointment.objects.get(patient=patient)
            _, content = page(client, url("detail", appointment))

        assert url("cancel", appointment) not in content
        assert LOCKED in content


class TestOneRuleForChanges:
    """My appointments, the appointment's page and the API agree, a minute either side."""

    @pytest.mark.parametrize(
        ("before", "changeable"),
        [(DAY + MINUTE, True), (DAY, True), (DAY - MINUTE, False)],
        ids=["a minute outside", "exactly the cut-off", "a minute inside"],
    )
    @pytest.mark.parametrize("where", ["mine", "detail"])
    def test_reschedule_and_cancel_are_offered_only_outside_the_cut_off(
        self, patient, where, before, changeable
    ):
        appointment = AppointmentFactory(patient=patient, start=SLOT)
        target = reverse("appointments:mine") if where == "mine" else url("detail", appointment)

        with clock_at(SLOT - before):
            _, content = page(login(patient.user), target)
            api = api_client(patient.user).get(
                reverse("api:appointment-detail", args=[appointment.pk])
            )

        assert (url("reschedule", appointment) in content) is changeable
        assert (url("cancel", appointment) in content) is changeable
        assert (LOCKED in content) is not changeable
        assert (f"To change it, please call the clinic on <a {PHONE_LINK}>" in content) is not (
            changeable
        )
        assert api.json()["can_reschedule"] is changeable
        assert ("cancelled" in api.json()["allowed_statuses"]) is changeable

    def test_a_locked_visit_keeps_its_calendar_link_and_loses_the_waitlist_button(
        self, now, patient, patient_client
    ):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        _, content = page(patient_client, reverse("appointments:mine"))

        assert url("ics", appointment) in content
        assert reverse("waitlist:join_earlier", args=[appointment.pk]) not in content

    def test_my_appointments_costs_the_same_queries_with_locked_visits(
        self, now, patient, patient_client, django_assert_num_queries
    ):
        for day in range(4):
            AppointmentFactory(patient=patient, start=at(day, "14:00"))

        # Session, user, patient, upcoming, past count (no past page).
        with django_assert_num_queries(5):
            response = patient_client.get(reverse("appointments:mine"))

        assert response.content.decode().count(LOCKED) == 1


@pytest.fixture
def closed_doctor(db):
    """A cardiologist who is not taking new patients."""
    return DoctorFactory(
        accepting_new_patients=False, specialty=SpecialtyFactory(name="Cardiology", slug="cardio")
    )


class TestNotTakingNewPatients:
    def test_a_new_patient_sees_why_and_what_to_do_not_slots(self, now, patient, closed_doctor):
        _, content = page(login(patient.user), reverse("doctors:detail", args=[closed_doctor.pk]))

        assert f"{closed_doctor} is not taking new patients" in content
        assert "Patients this doctor has seen before can still book online." in content
        assert f"{reverse('doctors:directory')}?specialty=cardio" in content
        assert reverse("appointments:first_available") + "?type=" in content
        assert PHONE_LINK in content
        assert reverse("appointments:book_confirm", args=[closed_doctor.pk]) not in content
        assert "Next free times" not in content

    def test_someone_not_logged_in_is_offered_to_log_in(self, now, client, closed_doctor):
        _, content = page(client, reverse("doctors:detail", args=[closed_doctor.pk]))

        assert "is not taking new patients" in content
        assert "Log in to see your times" in content
        assert reverse("appointments:book_confirm", args=[closed_doctor.pk]) not in content

    def test_an_existing_patient_sees_their_slots_as_before(self, now, patient, closed_doctor):
        AppointmentFactory(
            patient=patient, doctor=closed_doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        )

        _, content = page(login(patient.user), reverse("doctors:detail", args=[closed_doctor.pk]))

        assert "is not taking new patients" not in content
        assert confirm_url(closed_doctor, SLOT).split("?")[0] in content
        assert "Next free times" in content

    def test_a_cancelled_visit_does_not_make_an_existing_patient(self, now, patient, closed_doctor):
        AppointmentFactory(
            patient=patient, doctor=closed_doctor, start=at(-7, "09:00"), status=Status.CANCELLED
        )

        _, content = page(login(patient.user), reverse("doctors:detail", args=[closed_doctor.pk]))

        assert "is not taking new patients" in content

    @pytest.mark.parametrize("step", ["book", "confirm"])
    def test_the_booking_pages_refuse_without_a_picker(self, now, patient, closed_doctor, step):
        target = (
            reverse("appointments:book", args=[closed_doctor.pk])
            if step == "book"
            else confirm_url(closed_doctor, SLOT)
        )

        response, content = page(login(patient.user), target)

        assert response.status_code == 403
        assert "is not taking new patients" in content
        assert 'id="slot-picker"' not in content
        assert 'name="reason"' not in content

    def test_a_refused_booking_shows_what_to_do_not_the_same_picker(
        self, now, patient, closed_doctor
    ):
        response = login(patient.user).post(
            reverse("appointments:book_confirm", args=[closed_doctor.pk]),
            {"start": SLOT.isoformat(), "reason": ""},
        )

        content = response.content.decode()
        assert response.status_code == 409
        assert "only patients they have seen before can book" in content
        assert "see the other doctors of Cardiology" in content
        assert 'id="slot-picker"' not in content
        assert not Appointment.objects.exists()

    def test_the_directory_says_so_and_points_to_the_specialty(self, now, client, closed_doctor):
        DoctorFactory(specialty=closed_doctor.specialty)

        _, content = page(client, reverse("doctors:directory"))

        assert content.count("Only patients this doctor has seen before can book.") == 1
        assert "Other doctors of Cardiology" in content
        assert "See the doctor's page" in content

    def test_first_available_shows_a_new_patient_only_doctors_who_take_them(
        self, now, patient, closed_doctor
    ):
        open_doctor = DoctorFactory(specialty=closed_doctor.specialty)
        visit_type = closed_doctor.offers.get().visit_type
        params = {"type": visit_type.pk, "specialty": "cardio"}
        first_available = reverse("appointments:first_available")

        _, new = page(login(patient.user), first_available, **params)
        AppointmentFactory(
            patient=patient, doctor=closed_doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        )
        _, existing = page(login(patient.user), first_available, **params)
        _, anonymous = page(Client(), first_available, **params)

        closed_link = reverse("appointments:book_confirm", args=[closed_doctor.pk])
        open_link = reverse("appointments:book_confirm", args=[open_doctor.pk])
        assert closed_link not in new and open_link in new
        assert closed_link in existing and open_link in existing
        assert closed_link not in anonymous and open_link in anonymous


class TestDoctorsWithoutHours:
    def test_are_not_listed_anywhere_nor_bookable(self, now, patient):
        listed = DoctorFactory(user__last_name="Listed")
        hidden = DoctorFactory(user__last_name="Hidden", working_hours=[])
        client = login(patient.user)

        _, directory = page(client, reverse("doctors:directory"))
        _, search = page(client, reverse("doctors:directory"), q="Hidden")
        api = api_client().get(reverse("api:doctor-list"))
        api_detail = api_client().get(reverse("api:doctor-detail", args=[hidden.pk]))
        profile, _ = page(client, reverse("doctors:detail", args=[hidden.pk]))
        book, _ = page(client, reverse("appointments:book", args=[hidden.pk]))

        assert str(listed) in directory and str(hidden) not in directory
        assert "No doctor matches your search." in search
        assert ids(api) == [listed.pk]
        assert api_detail.status_code == 404
        assert profile.status_code == 404
        assert book.status_code == 404

    def test_are_listed_once_their_hours_are_set(self, now, client):
        doctor = DoctorFactory(working_hours=[])
        WorkingHours.objects.create(
            doctor=doctor,
            weekday=1,
            start_time=datetime.time(9),
            end_time=datetime.time(10),
            site=main_site(),
        )

        _, directory = page(client, reverse("doctors:directory"))

        assert str(doctor) in directory

    def test_the_doctor_and_staff_still_reach_the_profile_in_the_api(self, now, staff):
        doctor = DoctorFactory(working_hours=[])
        detail = reverse("api:doctor-detail", args=[doctor.pk])

        assert api_client(doctor.user).get(detail).status_code == 200
        assert api_client(staff).get(detail).status_code == 200


class TestClinicContact:
    @pytest.mark.parametrize(
        "path", ["/", reverse("doctors:directory"), reverse("accounts:login"), "/no-such-page/"]
    )
    def test_every_page_footer_has_the_clinics_address_and_phone(self, client, path):
        content = client.get(path).content.decode()

        footer = content.split('<footer class="site-footer">')[1]
        assert ADDRESS in footer
        assert f"<a {PHONE_LINK}>{PHONE}</a>" in footer

    def test_emails_carry_the_sites_address_and_phone(self, now, patient, doctor):
        site = main_site()
        site.address, site.phone = "2 Mill Lane\nLeeds LS2 7AA", "0113 496 0999"
        site.save()
        book_appointment(patient=patient, doctor=doctor, start=SLOT, booked_by=patient.user)
        run_worker()

        message = by_recipient(mail.outbox)[patient.user.email]

        for body in (message.body, html_of(message)):
            assert "2 Mill Lane, Leeds LS2 7AA" in body
            assert "0113 496 0999" in body
        assert "2 Mill Lane, Leeds LS2 7AA" in str(event_of(message)["LOCATION"])

    def test_a_site_without_its_own_gives_the_clinics(self, now, patient, doctor):
        book_appointment(patient=patient, doctor=doctor, start=SLOT, booked_by=patient.user)
        run_worker()

        message = by_recipient(mail.outbox)[patient.user.email]

        for body in (message.body, html_of(message)):
            assert ADDRESS in body
            assert PHONE in body
        assert str(event_of(message)["LOCATION"]) == f"Riverside Clinic, Main site, {ADDRESS}"

    def test_account_emails_carry_the_clinics_address_and_phone(self, client):
        from tests.patients.test_forms import registration_data

        client.post(reverse("accounts:register"), registration_data(email="nia@example.org"))
        run_worker()

        (message,) = mail.outbox
        assert ADDRESS in message.body
        assert PHONE in message.body

    def test_the_cut_off_error_carries_the_number(self, now, patient):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        response = api_client(patient.user).patch(
            reverse("api:appointment-status", args=[appointment.pk]),
            {"status": "cancelled"},
            format="json",
        )

        assert response.status_code == 409
        assert f"Please call the clinic on {PHONE}." in response.json()["detail"]


class TestRescheduleAsksToConfirm:
    @pytest.fixture
    def appointment(self, patient):
        return AppointmentFactory(patient=patient, start=at(3, "10:00"))

    def test_choosing_a_time_leads_to_a_confirmation_by_get(self, now, appointment, patient):
        _, content = page(login(patient.user), url("reschedule", appointment), day="2030-01-11")

        form = content.split('<ul class="slot-list">')[0].rsplit("<form", 1)[1]
        assert 'method="get"' in form
        assert url("reschedule_confirm", appointment) in form

    def test_the_confirmation_shows_both_times_and_moves_nothing(self, now, appointment, patient):
        new = at(4, "15:00")

        response, content = page(
            login(patient.user), url("reschedule_confirm", appointment), start=new.isoformat()
        )

        assert response.status_code == 200
        assert "Thu 10 Jan 2030, 10:00" in content
        assert "Fri 11 Jan 2030, 15:00" in content
        assert f'value="{new.isoformat()}"' in content
        assert f'action="{url("reschedule", appointment)}"' in content
        appointment.refresh_from_db()
        assert appointment.start == at(3, "10:00")

    def test_confirming_moves_it(self, now, appointment, patient):
        client = login(patient.user)
        new = at(4, "15:00")
        shown, _ = page(client, url("reschedule_confirm", appointment), start=new.isoformat())

        response = client.post(url("reschedule", appointment), {"start": new.isoformat()})

        assert shown.status_code == 200
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.start == new

    def test_a_taken_time_goes_back_to_that_day(self, now, appointment, patient):
        AppointmentFactory(doctor=appointment.doctor, start=at(4, "15:00"))

        response = login(patient.user).get(
            url("reschedule_confirm", appointment), {"start": at(4, "15:00").isoformat()}
        )

        assert response.status_code == 302
        assert response.url == f"{url('reschedule', appointment)}?day=2030-01-11"

    @pytest.mark.parametrize("start", ["", "tomorrow", "2030-13-45T10:00"])
    def test_a_malformed_time_is_a_message(self, now, appointment, patient, start):
        response = login(patient.user).get(
            url("reschedule_confirm", appointment), {"start": start}, follow=True
        )

        assert response.redirect_chain[-1][0] == url("reschedule", appointment)
        assert response.status_code == 200

    def test_a_locked_visit_goes_to_the_page_that_says_why(self, now, patient):
        locked = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        response = login(patient.user).get(
            url("reschedule_confirm", locked), {"start": at(4, "15:00").isoformat()}, follow=True
        )

        assert response.redirect_chain[-1][0] == url("reschedule", locked)
        assert LOCKED in response.content.decode()

    @pytest.mark.parametrize(
        ("before", "warned"),
        [(DAY + MINUTE, False), (DAY, False), (DAY - MINUTE, True)],
        ids=["a minute outside", "exactly the cut-off", "a minute inside"],
    )
    def test_moving_into_the_cut_off_warns_first(self, patient, before, warned):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        with clock_at(SLOT - before):
            _, content = page(
                login(patient.user), url("reschedule_confirm", appointment), start=SLOT.isoformat()
            )

        assert (LOCKED_AT_ONCE in content) is warned

    def test_another_patient_cannot_see_the_confirmation(self, now, appointment):
        other = PatientFactory()

        response = login(other.user).get(
            url("reschedule_confirm", appointment), {"start": at(4, "15:00").isoformat()}
        )

        assert response.status_code == 404
