"""Closures of the clinic or a site (bank holidays): staff add them in the admin; booked
visits in one are listed and cancelled only after confirmation, with the reason,
exactly as for a doctor's time off (appointments.services.add_closure)."""

import pytest
from django.core import mail
from django.urls import reverse

from appointments.models import Appointment
from appointments.services import add_closure
from doctors.models import Closure
from healthcare.core.errors import DomainError, NotAllowed
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SiteFactory, main_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]
ADD = "admin:doctors_closure_add"


def closure_data(start, end, site=None, **extra):
    return {
        "site": site.pk if site else "",
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M}",
        "reason": "Bank holiday",
        **extra,
    }


def test_a_closure_over_booked_visits_lists_them_and_saves_nothing(staff_client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))

    response = staff_client.post(reverse(ADD), closure_data(at(2, "00:00"), at(3, "00:00")))

    error = response.context["adminform"].form.errors["cancel_appointments"][0]
    assert "1 booked appointment falls in this closure" in error
    assert appointment.patient.user.display_name in error
    assert not Closure.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_confirmed_it_cancels_them_with_the_reason_and_emails(staff_client, doctor):
    appointment = AppointmentFactory(doctor=doctor, start=at(2, "14:00"))
    data = closure_data(at(2, "00:00"), at(3, "00:00"), cancel_appointments="on")

    listed = staff_client.post(reverse(ADD), data)
    confirmed = staff_client.post(
        reverse(ADD),
        data | {"confirmed": listed.context["adminform"].form["confirmed"].value()},
        follow=True,
    )
    run_worker()

    assert "Cancelled 1 appointment." in confirmed.content.decode()
    assert Closure.objects.get().site is None
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Bank holiday. Please book another time."
    assert appointment.patient.user.email in {m.to[0] for m in mail.outbox}


def test_a_site_closure_leaves_other_sites_visits(staff, doctor):
    main = main_site()
    elsewhere = SiteFactory(name="Elsewhere")
    here = AppointmentFactory(doctor=doctor, start=at(2, "09:00"), site=main)
    there = AppointmentFactory(doctor=DoctorFactory(), start=at(2, "09:00"), site=elsewhere)

    _closure, cancelled = add_closure(
        site=elsewhere,
        start=at(2, "00:00"),
        end=at(3, "00:00"),
        reason="Flood",
        actor=staff,
        cancel_appointments=True,
    )

    assert cancelled == [there]
    here.refresh_from_db()
    assert here.status == Appointment.Status.BOOKED


@pytest.mark.parametrize("minutes", [0, -1])
def test_a_closure_that_ends_before_it_starts_is_refused(staff_client, minutes):
    start = at(2, "09:00")
    end = at(2, "09:00").replace(minute=0) if minutes == 0 else at(2, "08:59")

    response = staff_client.post(reverse(ADD), closure_data(start, end))

    assert "A closure must end after it starts." in response.content.decode()
    assert not Closure.objects.exists()


def test_a_closure_ending_a_minute_after_its_start_is_saved(staff):
    closure, _ = add_closure(start=at(2, "09:00"), end=at(2, "09:01"), actor=staff)

    assert closure.pk


def test_a_doctor_cannot_close_the_clinic(doctor):
    with pytest.raises(NotAllowed):
        add_closure(start=at(2, "09:00"), end=at(2, "10:00"), actor=doctor.user)


def test_a_closure_in_the_past_is_refused(staff):
    with pytest.raises(DomainError, match="already be over"):
        add_closure(start=at(-2, "09:00"), end=at(-1, "10:00"), actor=staff)
