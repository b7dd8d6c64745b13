"""The booking flow, a patient's appointments and a doctor's schedule, as a browser sees them.

The appointment's own page is tests/records/test_appointment_page.py."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, login
from tests.doctors.factories import DoctorFactory, TimeOffFactory
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
MINE = reverse("appointments:mine")
SCHEDULE = reverse("appointments:schedule")


def book_url(doctor, **params):
    url = reverse("appointments:book", args=[doctor.pk])
    return f"{url}?{urlencode(params)}" if params else url


def confirm_url(doctor, start=None):
    url = reverse("appointments:book_confirm", args=[doctor.pk])
    if start is None:
        return url
    return f"{url}?{urlencode({'start': start if isinstance(start, str) else start.isoformat()})}"


def url(name, appointment):
    return reverse(f"appointments:{name}", args=[appointment.pk])


class TestAccess:
    @pytest.mark.parametrize(
        "path",
        [
            lambda doctor: book_url(doctor),
            lambda doctor: confirm_url(doctor, at(1, "09:00")),
            lambda doctor: MINE,
        ],
        ids=["book", "confirm", "mine"],
    )
    def test_anonymous_is_sent_to_log_in(self, client, doctor, path):
        target = path(doctor)

        response = client.get(target)

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert "next=" in response.url

    @pytest.mark.parametrize("who", ["doctor_client", "staff_client"])
    @pytest.mark.parametrize("page", ["book", "confirm", "mine"])
    def test_doctors_and_staff_cannot_use_the_patient_pages(self, request, now, doctor, who, page):
        client = request.getfixturevalue(who)
        target = {
            "book": book_url(doctor),
            "confirm": confirm_url(doctor, at(1, "09:00")),
            "mine": MINE,
        }[page]

        response = client.get(target)

        assert response.status_code == 403
        assert "This page is for patients" in response.content.decode()

    def test_doctor_cannot_book_by_posting(self, now, doctor, doctor_client):
        response = doctor_client.post(confirm_url(doctor), {"start": at(1, "09:00").isoformat()})

        assert response.status_code == 403
        assert not Appointment.objects.exists()

    def test_another_patient_cannot_cancel_by_posting(self, now, patient, other_patient):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = login(other_patient.user).post(url("cancel", appointment), {"reason": "x"})

        assert response.status_code == 404
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_staff_may_see_any_appointment(self, now, staff_client):
        appointment = AppointmentFactory(start=at(3, "10:00"))

        response = staff_client.get(url("detail", appointment))

        assert response.status_code == 200
        assert appointment.patient.user.display_name in response.content.decode()

    def test_inactive_doctor_cannot_be_booked(self, now, patient_client):
        doctor = DoctorFactory(user__is_active=False)

        assert patient_client.get(book_url(doctor)).status_code == 404


class TestBookingFlow:
    def test_patient_books_from_day_to_confirmation_and_sees_it_in_my_appointments(
        self, now, patient, patient_client
    ):
        doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")

        # Step 1: the first day with free slots is chosen by default.
        step1 = patient_client.get(book_url(doctor))
        assert step1.status_code == 200
        assert "?day=2030-01-08" in step1.content.decode()
        assert "Monday 7 January 2030" in step1.content.decode()

        # Step 2: another day's free slots, each a link to the confirmation.
        step2 = patient_client.get(book_url(doctor, day="2030-01-08"))
        assert confirm_url(doctor, at(1, "09:30")) in step2.content.decode()

        # Step 3: the confirmation page shows the doctor and the time.
        step3 = patient_client.get(confirm_url(doctor, at(1, "09:30")))
        assert step3.status_code == 200
        assert "Dr Asha Patel" in step3.content.decode()
        assert "Tue 8 Jan 2030, 09:30" in step3.content.decode()
        assert 'name="reason"' in step3.content.decode()

        response = patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "reason": "Sore knee"}
        )

        appointment = Appointment.objects.get()
        assert response.status_code == 302
        assert response.url == url("detail", appointment)
        assert (appointment.patient, appointment.doctor) == (patient, doctor)
        assert appointment.start == at(1, "09:30")
        assert appointment.reason == "Sore knee"
        assert appointment.booked_by == patient.user
        detail = patient_client.get(response.url)
        assert "You are booked with Dr Asha Patel on Tue 8 Jan 2030, 09:30." in messages_of(detail)
        mine = patient_client.get(MINE).content.decode()
        assert "Tue 8 Jan 2030, 09:30" in mine
        assert "Dr Asha Patel" in mine

    def test_booking_a_taken_slot_says_it_is_no_longer_available_and_shows_fresh_slots(
        self, now, patient_client, doctor
    ):
        AppointmentFactory(doctor=doctor, start=at(1, "09:30"))

        response = patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "reason": ""}
        )

        assert response.status_code == 409
        content = response.content.decode()
        assert "That time is no longer available." in content
        assert confirm_url(doctor, at(1, "09:30")) not in content
        assert confirm_url(doctor, at(1, "10:00")) in content
        assert Appointment.objects.count() == 1

    def test_following_a_link_to_a_taken_slot_goes_back_to_that_day(
        self, now, patient_client, doctor
    ):
        AppointmentFactory(doctor=doctor, start=at(1, "09:30"))

        response = patient_client.get(confirm_url(doctor, at(1, "09:30")), follow=True)

        assert response.redirect_chain[-1][0] == book_url(doctor, day="2030-01-08")
        assert "That time is no longer available." in response.content.decode()

    def test_doctor_not_accepting_new_patients_is_a_clear_message(self, now, patient_client):
        doctor = DoctorFactory(accepting_new_patients=False)

        response = patient_client.post(confirm_url(doctor), {"start": at(1, "09:30").isoformat()})

        assert response.status_code == 409
        assert "not accepting new patients" in response.content.decode()
        assert not Appointment.objects.exists()

    def test_day_list_skips_days_without_free_slots(self, now, patient_client):
        doctor = DoctorFactory(working_hours=[(1, "09:00", "10:00")])  # Tuesdays only
        TimeOffFactory(doctor=doctor, start=at(1, "00:00"), end=at(2, "00:00"))

        content = patient_client.get(book_url(doctor)).content.decode()

        assert "?day=2030-01-08" not in content  # time off
        assert "?day=2030-01-15" in content
        assert "?day=2030-01-09" not in content  # not a working day

    def test_a_day_without_free_slots_says_so(self, now, patient_client, doctor):
        response = patient_client.get(book_url(doctor, day="2030-01-12"))  # a Saturday

        assert response.status_code == 200
        assert "No free times on that day." in response.content.decode()

    def test_too_long_a_reason_is_a_form_error(self, now, patient_client, doctor):
        response = patient_client.post(
            confirm_url(doctor), {"start": at(1, "09:30").isoformat(), "reason": "x" * 1001}
        )

        assert response.status_code == 200
        assert "Ensure this value has at most 1000 characters" in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_naive_start_is_read_in_the_clinics_zone(self, now, patient_client, doctor):
        response = patient_client.post(confirm_url(doctor), {"start": "2030-01-08T09:30"})

        assert response.status_code == 302
        assert Appointment.objects.get().start == at(1, "09:30")


class TestMalformedInput:
    @pytest.mark.parametrize("day", ["garbage", "2030-13-45", "0000-00-00", "1/2/2030"])
    def test_a_malformed_day_is_a_message_not_a_500(self, now, patient_client, doctor, day):
        response = patient_client.get(book_url(doctor, day=day))

        assert response.status_code == 200
        assert "That is not a valid date." in response.content.decode()
        assert "Monday 7 January 2030" in response.content.decode()

    @pytest.mark.parametrize(
        "start", ["garbage", "", "2030-02-30T10:00", "0001-01-01T00:00:00+05:00", "9" * 40]
    )
    def test_a_malformed_start_is_a_message_not_a_500(self, now, patient_client, doctor, start):
        got = patient_client.get(confirm_url(doctor, start), follow=True)
        posted = patient_client.post(confirm_url(doctor), {"start": start}, follow=True)

        for response in (got, posted):
            assert response.redirect_chain[0] == (book_url(doctor), 302)
            assert "Please pick a time from the list." in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_malformed_start_when_rescheduling_is_a_message(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = patient_client.post(
            url("reschedule", appointment), {"start": "garbage"}, follow=True
        )

        assert response.status_code == 200
        assert "That time could not be understood." in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.start == at(3, "10:00")

    def test_a_malformed_day_when_rescheduling_is_a_message(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = patient_client.get(url("reschedule", appointment), {"day": "garbage"})

        assert response.status_code == 200
        assert "That is not a valid date." in response.content.decode()

    @pytest.mark.parametrize("status", ["garbage", ""])
    def test_an_unknown_status_is_a_message(self, now, doctor, doctor_client, status):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

        response = doctor_client.post(url("status", appointment), {"status": status}, follow=True)

        assert response.status_code == 200
        assert "Please choose one of the offered actions." in response.content.decode()

    def test_status_changes_only_by_post(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

        response = doctor_client.get(url("status", appointment), {"status": "checked-in"})

        assert response.status_code == 405

    def test_garbage_page_numbers_show_the_first_page(self, now, patient_client, doctor_client):
        assert patient_client.get(MINE, {"page": "garbage"}).status_code == 200
        assert doctor_client.get(SCHEDULE, {"page": "-1"}).status_code == 200


class TestMyAppointments:
    def test_upcoming_and_past_with_status_and_actions(self, now, patient, patient_client):
        doctor = DoctorFactory(user__first_name="Asha", user__last_name="Patel")
        upcoming = AppointmentFactory(patient=patient, doctor=doctor, start=at(2, "14:00"))
        past = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        )
        cancelled = AppointmentFactory(
            patient=patient, doctor=doctor, start=at(5, "09:00"), status=Status.CANCELLED
        )
        AppointmentFactory(start=at(3, "11:00"))  # someone else's

        response = patient_client.get(MINE)

        content = response.content.decode()
        upcoming_part, past_part = content.split("Past and cancelled")
        assert "Wed 9 Jan 2030, 14:00" in upcoming_part
        assert url("cancel", upcoming) in upcoming_part
        assert url("reschedule", upcoming) in upcoming_part
        assert "Mon 31 Dec 2029, 09:00" in past_part
        assert "Fulfilled" in past_part
        assert "Cancelled" in past_part
        assert url("cancel", past) not in content
        assert url("cancel", cancelled) not in content
        assert "Mon 14 Jan 2030, 11:00" not in content
        assert content.count('class="card appointment-card"') == 3

    def test_empty_state_points_to_the_directory(self, now, patient_client):
        content = patient_client.get(MINE).content.decode()

        assert "You have no upcoming appointments." in content
        assert reverse("doctors:directory") in content

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_appointments(
        self, now, patient, patient_client, django_assert_num_queries, count
    ):
        for n in range(count):
            AppointmentFactory(patient=patient, start=at(n + 1, "10:00"))
            AppointmentFactory(patient=patient, start=at(-n - 1, "10:00"), status=Status.FULFILLED)

        # Session, user, patient, upcoming, past count, past page.
        with django_assert_num_queries(6):
            response = patient_client.get(MINE)

        assert response.content.decode().count('class="card appointment-card"') == 2 * count


class TestCancel:
    def test_cancel_page_asks_for_confirmation(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = patient_client.get(url("cancel", appointment))

        assert response.status_code == 200
        assert 'name="reason"' in response.content.decode()
        assert "Thu 10 Jan 2030, 10:00" in response.content.decode()

    def test_patient_cancels_outside_the_cutoff(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = patient_client.post(url("cancel", appointment), {"reason": "Feeling better"})

        assert response.status_code == 302
        assert response.url == url("detail", appointment)
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == patient.user
        assert appointment.cancellation_reason == "Feeling better"
        page = patient_client.get(response.url)
        assert "The appointment on Thu 10 Jan 2030, 10:00 is cancelled." in messages_of(page)

    def test_patient_cannot_cancel_inside_the_cutoff(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        response = patient_client.post(url("cancel", appointment), {"reason": ""}, follow=True)

        assert response.status_code == 200
        assert "until 24 hours before they start" in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED
        assert appointment.cancelled_by is None

    def test_cancel_page_inside_the_cutoff_offers_no_form(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        content = patient_client.get(url("cancel", appointment)).content.decode()

        assert "less than 24 hours away, so it can no longer be changed or cancelled online" in (
            content
        )
        assert 'href="tel:02079460000"' in content
        assert 'name="reason"' not in content

    def test_doctor_must_give_a_reason(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "14:00"))

        response = doctor_client.post(url("cancel", appointment), {"reason": "  "})

        assert response.status_code == 200
        assert "Please tell the patient why the appointment is cancelled." in (
            response.content.decode()
        )
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_doctor_cancels_with_a_reason_even_inside_the_cutoff(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "14:00"))

        response = doctor_client.post(url("cancel", appointment), {"reason": "Doctor is ill"})

        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == doctor.user
        content = doctor_client.get(url("detail", appointment)).content.decode()
        assert "Doctor is ill" in content


class TestReschedule:
    def test_reschedule_page_offers_the_doctors_free_slots(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))
        AppointmentFactory(doctor=appointment.doctor, start=at(3, "11:00"))

        response = patient_client.get(url("reschedule", appointment), {"day": "2030-01-10"})

        content = response.content.decode()
        assert response.status_code == 200
        assert f'value="{at(3, "10:30").isoformat()}"' in content
        assert f'value="{at(3, "11:00").isoformat()}"' not in content  # taken
        assert "current time" in content  # its own slot is shown, not offered

    def test_reschedule_moves_the_appointment_and_frees_the_old_slot(
        self, now, patient, patient_client, other_patient
    ):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))

        response = patient_client.post(
            url("reschedule", appointment), {"start": at(4, "15:00").isoformat()}
        )

        assert response.status_code == 302
        assert response.url == url("detail", appointment)
        appointment.refresh_from_db()
        assert appointment.start == at(4, "15:00")
        assert appointment.status == Status.BOOKED
        assert Appointment.objects.count() == 1
        page = patient_client.get(response.url)
        assert "Your appointment is moved to Fri 11 Jan 2030, 15:00." in messages_of(page)
        # The old time can now be booked by someone else.
        login(other_patient.user).post(
            confirm_url(appointment.doctor), {"start": at(3, "10:00").isoformat()}
        )
        assert Appointment.objects.filter(start=at(3, "10:00"), patient=other_patient).exists()

    def test_reschedule_to_a_taken_slot_keeps_the_old_time(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(3, "10:00"))
        AppointmentFactory(doctor=appointment.doctor, start=at(4, "15:00"))

        response = patient_client.post(
            url("reschedule", appointment), {"start": at(4, "15:00").isoformat()}, follow=True
        )

        assert response.redirect_chain[0][0] == f"{url('reschedule', appointment)}?day=2030-01-11"
        assert "That time is no longer available." in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.start == at(3, "10:00")

    def test_patient_cannot_reschedule_inside_the_cutoff(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(0, "14:00"))

        page = patient_client.get(url("reschedule", appointment))
        response = patient_client.post(
            url("reschedule", appointment), {"start": at(4, "15:00").isoformat()}, follow=True
        )

        assert "can no longer be changed or cancelled online" in page.content.decode()
        assert "until 24 hours before they start" in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.start == at(0, "14:00")


class TestStatusButtons:
    def test_doctor_checks_in_a_patient_on_the_day(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

        response = doctor_client.post(url("status", appointment), {"status": "checked-in"})

        assert response.status_code == 302
        assert response.url == url("detail", appointment)
        appointment.refresh_from_db()
        assert appointment.status == Status.CHECKED_IN
        page = doctor_client.get(response.url)
        assert "The appointment is now marked “Checked in”." in messages_of(page)

    def test_no_show_before_the_start_is_refused_with_a_message(self, now, doctor, doctor_client):
        appointment = AppointmentFactory(doctor=doctor, start=at(0, "10:00"))

        response = doctor_client.post(url("status", appointment), {"status": "noshow"}, follow=True)

        assert response.status_code == 200
        assert "A no-show can only be recorded after the start time." in (response.content.decode())
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_patient_cannot_check_themselves_in(self, now, patient, patient_client):
        appointment = AppointmentFactory(patient=patient, start=at(0, "10:00"))

        response = patient_client.post(
            url("status", appointment), {"status": "checked-in"}, follow=True
        )

        assert "You cannot make this change to the appointment." in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED


class TestSchedule:
    def test_doctor_sees_today_and_what_comes_next(self, now, doctor, doctor_client):
        patient = PatientFactory(user__first_name="Ada", user__last_name="Lovelace")
        today = AppointmentFactory(
            doctor=doctor, patient=patient, start=at(0, "10:00"), reason="Migraine"
        )
        tomorrow = AppointmentFactory(doctor=doctor, start=at(1, "09:00"))
        AppointmentFactory(doctor=doctor, start=at(-1, "09:00"), status=Status.FULFILLED)
        AppointmentFactory(start=at(0, "11:00"))  # another doctor's

        response = doctor_client.get(SCHEDULE)

        content = response.content.decode()
        today_part, later_part = content.split("Coming up")
        assert "Today, Monday 7 January 2030" in today_part
        assert "Ada Lovelace" in today_part
        assert "Migraine" in today_part
        assert url("detail", today) in today_part
        assert "Tue 8 Jan 2030, 09:00" in later_part
        assert url("detail", tomorrow) in later_part
        assert content.count("<tr>") == 2 + 2  # two header rows, two appointments

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_appointments(
        self, now, doctor, doctor_client, django_assert_num_queries, count
    ):
        for n in range(count):
            AppointmentFactory(
                doctor=doctor, start=at(0, "09:00") + n * datetime.timedelta(minutes=30)
            )
            AppointmentFactory(doctor=doctor, start=at(n + 1, "10:00"))

        # Session, user, doctor, today's, upcoming count, upcoming page, visits without a
        # record.
        with django_assert_num_queries(7):
            response = doctor_client.get(SCHEDULE)

        # Today's and the coming week's rows are tables; later ones are listed below them.
        assert response.content.decode().count("<tr>") == 2 + count + min(count, 7)
