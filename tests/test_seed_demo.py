import datetime
import itertools
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from appointments.models import Appointment
from doctors.models import Doctor, Specialty, TimeOff, WorkingHours
from patients.models import AccessLog, Guardianship, Patient
from records.management.commands.seed_demo import DEMO_PASSWORD, PATIENTS
from records.models import MedicalRecord, MedicalRecordVersion
from tests.appointments.mail_support import run_worker
from tests.conftest import at, clock_at, give_second_factor

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Specialty,
    Doctor,
    WorkingHours,
    TimeOff,
    Patient,
    Appointment,
    MedicalRecord,
    MedicalRecordVersion,
    AccessLog,
]
Status = Appointment.Status


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def overlapping_pairs(appointments, key):
    pairs = []
    for _owner, group in itertools.groupby(sorted(appointments, key=key), key=key):
        group = sorted(group, key=lambda a: a.start)
        pairs += [(a, b) for a, b in itertools.pairwise(group) if b.start < a.end]
    return pairs


def test_seed_demo_creates_a_clinic_and_prints_the_logins(now):
    output = seed()

    assert User.objects.get(email="admin@clinic.example").is_superuser
    assert Doctor.objects.count() >= 6
    assert Doctor.objects.values("specialty").distinct().count() >= 4
    assert Patient.objects.count() >= 10
    assert TimeOff.objects.exists()
    for doctor in Doctor.objects.all():
        assert doctor.working_hours.count() >= 4
    assert "admin@clinic.example" in output
    for email, role in [
        ("reception@clinic.example", "Reception"),
        ("manager@clinic.example", "Clinic manager"),
        ("records@clinic.example", "Records officer"),
    ]:
        assert email in output
        staff = User.objects.get(email=email)
        assert staff.is_staff and not staff.is_superuser
        assert list(staff.groups.values_list("name", flat=True)) == [role]
    assert "sarah.okafor@clinic.example" in output
    assert "amelia.clarke@example.com" in output
    assert "demo-clinic-2030" in output


def test_seed_demo_users_log_in_with_the_printed_password(now):
    seed()

    for email in (
        "admin@clinic.example",
        "reception@clinic.example",
        "sarah.okafor@clinic.example",
        "amelia.clarke@example.com",
    ):
        assert authenticate(email=email, password="demo-clinic-2030") is not None
    assert User.objects.get(email="admin@clinic.example").password.startswith("md5$")


def test_demo_doctors_and_staff_log_in_with_the_printed_second_factor(now):
    output = seed()
    code = StringIO()
    call_command("demo_code", stdout=code)

    assert "demo_code" in output
    assert "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" in output  # to type into an app
    for email in ("admin@clinic.example", "sarah.okafor@clinic.example"):
        client = Client()
        client.post(reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD})
        assert client.get(reverse("accounts:profile"))["Location"].startswith(
            reverse("accounts:login_code")
        )
        response = client.post(reverse("accounts:login_code"), {"code": code.getvalue().strip()})
        assert response.status_code == 302, email
        assert client.get(reverse("accounts:profile")).status_code == 200
    # Patients log in with the password alone, as usual.
    assert not TOTPDevice.objects.filter(user__role=User.Role.PATIENT).exists()


def test_demo_code_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError):
        call_command("demo_code", stdout=StringIO())


def test_seed_demo_makes_past_and_future_appointments_around_now(now):
    seed()

    past = Appointment.objects.filter(end__lte=now)
    future = Appointment.objects.filter(start__gt=now)
    assert {Status.FULFILLED, Status.CANCELLED, Status.NOSHOW} <= set(
        past.values_list("status", flat=True)
    )
    assert not past.filter(status__in=[Status.BOOKED, Status.CHECKED_IN]).exists()
    assert future.filter(status=Status.BOOKED).count() >= 10
    assert MedicalRecord.objects.filter(appointment__status=Status.FULFILLED).exists()
    assert not MedicalRecord.objects.exclude(appointment__status=Status.FULFILLED).exists()
    for record in MedicalRecord.objects.all():
        assert record.versions.get().diagnosis == record.diagnosis
    # The printed patient has something to look at on both sides of now.
    amelia = Patient.objects.get(user__email="amelia.clarke@example.com")
    assert past.filter(patient=amelia).exists() and future.filter(patient=amelia).exists()


def test_seed_demo_never_double_books_a_doctor_or_a_patient(now):
    seed()

    active = list(Appointment.objects.active())
    assert overlapping_pairs(active, key=lambda a: a.doctor_id) == []
    assert overlapping_pairs(active, key=lambda a: a.patient_id) == []


def test_seed_demo_emails_nobody_but_sets_up_the_upcoming_reminders(now):
    seed()
    run_worker()  # what `make run` starts beside the server

    assert mail.outbox == []
    assert not DBTaskResult.objects.filter(task_path="appointments.tasks.announce").exists()
    upcoming = Appointment.objects.filter(status=Status.BOOKED, start__gt=now)
    reminders = DBTaskResult.objects.filter(
        task_path="appointments.tasks.send_appointment_reminder"
    )
    assert sorted(r.args_kwargs["args"][0] for r in reminders) == sorted(
        upcoming.values_list("pk", flat=True)
    )


def test_seed_demo_twice_adds_nothing_the_second_time(now):
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "nothing was created" in output


def test_seed_demo_refuses_to_run_in_production(now, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError):
        seed()

    assert not User.objects.exists()


@pytest.mark.parametrize(
    "moment",
    [
        at(0, "00:30"),  # just after midnight
        at(0, "19:45"),  # the evening, after the last visit of the day
        at(0, "23:50"),  # no room left after now
        at(-1, "11:00"),  # a Sunday: the doctor does not work on Sundays
    ],
)
def test_the_demo_doctor_has_visits_done_checked_in_and_due_today_at_any_hour(moment):
    with clock_at(moment):
        seed()
        doctor = User.objects.get(email="sarah.okafor@clinic.example")
        client = Client()
        client.force_login(doctor)
        give_second_factor(client, doctor)
        dashboard = client.get(reverse("appointments:schedule"))

    todays = Appointment.objects.filter(
        doctor__user__email="sarah.okafor@clinic.example",
        start__gte=at(moment.date(), "00:00"),
        end__lte=at(moment.date() + datetime.timedelta(days=1), "00:00"),
    )
    statuses = set(todays.values_list("status", flat=True))
    assert {Status.FULFILLED, Status.CHECKED_IN, Status.BOOKED} <= statuses
    assert not todays.filter(status=Status.FULFILLED, end__gt=moment).exists()
    assert todays.filter(status=Status.CHECKED_IN, start__lte=moment).exists()
    for status in ("Fulfilled", "Checked in", "Booked"):
        assert f">{status}</span>" in dashboard.text
    assert "Visits without a record" in dashboard.text
    active = list(Appointment.objects.active())
    assert overlapping_pairs(active, key=lambda a: a.doctor_id) == []
    assert overlapping_pairs(active, key=lambda a: a.patient_id) == []


def test_a_later_days_run_lays_an_empty_today_again_and_only_once():
    with clock_at(at(-3, "10:00")):
        seed()
    sarah = "sarah.okafor@clinic.example"
    evening = at(0, "19:45")
    todays = Appointment.objects.filter(
        doctor__user__email=sarah, start__gte=at(0, "00:00"), start__lt=at(1, "00:00")
    )
    todays.delete()  # an empty today, as on a day the demo doctor does not work

    with clock_at(evening):
        seed()
        before = row_counts()
        output = seed()

    assert {Status.FULFILLED, Status.CHECKED_IN, Status.BOOKED} <= set(
        todays.values_list("status", flat=True)
    )
    assert row_counts() == before and "nothing was created" in output
    active = list(Appointment.objects.active())
    assert overlapping_pairs(active, key=lambda a: a.patient_id) == []


def test_seed_demo_has_sites_visit_types_and_a_bank_holiday(now):
    from appointments.selectors import first_available
    from doctors.models import Closure, Site, VisitType

    seed()

    assert Site.objects.count() >= 3
    assert {"New patient consultation", "Follow-up", "Minor procedure"} <= set(
        VisitType.objects.values_list("name", flat=True)
    )
    holiday = Closure.objects.get(site__isnull=True, reason="Bank holiday")
    assert (
        not Appointment.objects.active()
        .filter(start__lt=holiday.end, end__gt=holiday.start)
        .exists()
    )
    new_patients = VisitType.objects.get(name="New patient consultation")
    slots = first_available(
        visit_type=new_patients,
        start_date=now.date(),
        end_date=now.date() + datetime.timedelta(days=13),
    )
    assert len({slot.site for slot in slots}) == 3


def test_the_printed_demo_patient_manages_a_child_once(now):
    seed()
    seed()

    (link,) = Guardianship.objects.all()
    assert link.guardian.user.email == PATIENTS[0].email
    assert link.dependant.user.first_name == "Leo"
    assert not link.dependant.user.has_usable_password()
