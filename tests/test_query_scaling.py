"""Every page and endpoint runs a fixed number of queries, whatever the data behind it.

One test visits every GET page of the site (each role's own), every page of the staff
admin (every model's list, and a change page of each) and every API endpoint, counting
the queries of each; then it adds more of everything (doctors, patients, appointments on
both sides of today, medical records and their versions, time off, access-log rows,
waitlist entries and offers) and visits them all again. Each must cost exactly what it
cost before (a count that grows with the data is an N+1 query) and exactly its budget
below. test_query_budgets checks the main pages and the free-slot search against data
shaped for each.
"""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment
from appointments.services import issue_calendar_feed
from doctors.models import VisitType
from records.services import amend_record
from tests.accounts.factories import StaffFactory
from tests.api_support import api_client
from tests.appointments.factories import AppointmentFactory
from tests.conftest import TODAY, at, login
from tests.doctors.factories import DoctorFactory, TimeOffFactory
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory
from tests.waitlist.factories import EntryFactory
from waitlist.models import FreedTime, Offer

pytestmark = pytest.mark.django_db

Status = Appointment.Status


class World:
    """A patient and their doctor with a visit today, one tomorrow and a recorded one last
    week; staff; a calendar feed. `grow()` adds more of everything around them."""

    def __init__(self):
        self.patient = PatientFactory()
        # Named so that the directory search below ("a") always finds them.
        self.doctor = DoctorFactory(user__first_name="Ada")
        self.staff = StaffFactory()
        self.today = AppointmentFactory(
            patient=self.patient, doctor=self.doctor, start=at(0, "10:00")
        )
        self.tomorrow = AppointmentFactory(
            patient=self.patient, doctor=self.doctor, start=at(1, "09:00")
        )
        past = AppointmentFactory(
            patient=self.patient, doctor=self.doctor, start=at(-7, "09:00"), status=Status.FULFILLED
        )
        self.record = MedicalRecordFactory(appointment=past)
        self.time_off = TimeOffFactory(
            doctor=self.doctor, start=at(20, "00:00"), end=at(21, "00:00")
        )
        self.feed = issue_calendar_feed(self.patient.user)
        self.entry = EntryFactory(patient=self.patient, doctor=self.doctor)
        self.offer = self.offer_to(self.entry, at(2, "10:00"))
        self.rounds = 0

    def offer_to(self, entry, start):
        """An offer of `start` with the entry's doctor, open for half an hour; its time freed."""
        doctor = entry.doctor or self.doctor
        end = start + datetime.timedelta(minutes=30)
        FreedTime.objects.create(doctor=doctor, start=start, end=end)
        return Offer.objects.create(
            entry=entry,
            doctor=doctor,
            start=start,
            end=end,
            freed_at=at(0, "08:00"),
            expires_at=at(0, "08:30"),
        )

    def grow(self, n):
        """n more of everything: other doctors and patients, and a longer history and a
        fuller diary for the patient and the doctor on both sides of today."""
        self.rounds += 1
        offset = 7 * self.rounds  # a week of its own each round, clear of the fixed visits
        for i in range(n):
            other_doctor, other_patient = DoctorFactory(), PatientFactory()
            hhmm = f"{9 + i % 8:02d}:{30 * (i // 8 % 2):02d}"
            for patient, doctor in ((self.patient, other_doctor), (other_patient, self.doctor)):
                AppointmentFactory(patient=patient, doctor=doctor, start=at(offset + 2, hhmm))
                past = AppointmentFactory(
                    patient=patient,
                    doctor=doctor,
                    start=at(-offset - 7, hhmm),
                    status=Status.FULFILLED,
                )
                record = MedicalRecordFactory(appointment=past)
                amend_record(
                    record=record,
                    author=doctor.user,
                    diagnosis=f"Amended {i}",
                    reason="Corrected the diagnosis",
                )
            TimeOffFactory(
                doctor=self.doctor,
                start=at(30 + offset + i, "00:00"),
                end=at(30 + offset + i, "08:00"),
            )
            # Waitlist entries with offers: the patient's (for other doctors) and others'.
            start = at(offset + 3, hhmm)
            self.offer_to(EntryFactory(patient=self.patient, doctor=other_doctor), start)
            self.offer_to(EntryFactory(patient=other_patient, doctor=self.doctor), start)
            # A closed account, in the retention list staff review.
            PatientFactory(closed_at=at(-offset, "09:00"), user__is_active=False)
        # Every view of the record writes an access-log row: the log grows too.
        viewer = login(self.doctor.user)
        for _ in range(n):
            viewer.get(reverse("records:detail", args=[self.record.pk]))


def pages(world):
    """(name, who, url, expected status): every GET page of the site."""
    w = world
    tomorrow = w.tomorrow.start.date().isoformat()
    return [
        ("home", "anonymous", "/", 200),
        ("login", "anonymous", reverse("accounts:login"), 200),
        ("register", "anonymous", reverse("accounts:register"), 200),
        ("password reset", "anonymous", reverse("accounts:password_reset"), 200),
        ("directory", "anonymous", reverse("doctors:directory"), 200),
        ("directory search", "anonymous", reverse("doctors:directory") + "?q=a", 200),
        (
            "first available",
            "anonymous",
            reverse("appointments:first_available") + f"?type={VisitType.objects.default().pk}",
            200,
        ),
        ("doctor page", "anonymous", reverse("doctors:detail", args=[w.doctor.pk]), 200),
        ("calendar feed", "anonymous", reverse("accounts:calendar_feed", args=[w.feed.token]), 200),
        ("health", "anonymous", "/healthz", 200),
        ("patient home", "patient", reverse("accounts:home"), 302),
        ("patient profile", "patient", reverse("accounts:profile"), 200),
        ("password change", "patient", reverse("accounts:password_change"), 200),
        ("security (patient)", "patient", reverse("accounts:security"), 200),
        ("my appointments", "patient", reverse("appointments:mine"), 200),
        (
            "appointment (patient)",
            "patient",
            reverse("appointments:detail", args=[w.tomorrow.pk]),
            200,
        ),
        ("appointment .ics", "patient", reverse("appointments:ics", args=[w.tomorrow.pk]), 200),
        ("cancel form", "patient", reverse("appointments:cancel", args=[w.tomorrow.pk]), 200),
        (
            "reschedule picker",
            "patient",
            reverse("appointments:reschedule", args=[w.tomorrow.pk]),
            200,
        ),
        ("slot picker", "patient", reverse("appointments:book", args=[w.doctor.pk]), 200),
        (
            "slot picker, one day (htmx)",
            "patient",
            reverse("appointments:book", args=[w.doctor.pk]) + f"?day={tomorrow}",
            200,
        ),
        (
            "booking confirmation",
            "patient",
            reverse("appointments:book_confirm", args=[w.doctor.pk])
            + f"?start={at(1, '15:00').isoformat()}",
            200,
        ),
        ("my records", "patient", reverse("records:mine"), 200),
        ("record (patient)", "patient", reverse("records:detail", args=[w.record.pk]), 200),
        ("who saw my records", "patient", reverse("records:access_log"), 200),
        ("download my data", "patient", reverse("records:export"), 200),
        ("download my data (pdf)", "patient", reverse("records:export") + "?format=pdf", 200),
        ("my waitlist", "patient", reverse("waitlist:mine"), 200),
        ("join the waitlist", "patient", reverse("waitlist:join") + f"?doctor={w.doctor.pk}", 200),
        ("an earlier time", "patient", reverse("waitlist:join_earlier", args=[w.tomorrow.pk]), 200),
        ("change a waitlist entry", "patient", reverse("waitlist:edit", args=[w.entry.pk]), 200),
        ("claim an offer", "patient", reverse("waitlist:claim", args=[w.offer.signed_token]), 200),
        ("doctor home", "doctor", reverse("accounts:home"), 302),
        ("doctor profile", "doctor", reverse("accounts:profile"), 200),
        ("security (doctor)", "doctor", reverse("accounts:security"), 200),
        ("doctor's day", "doctor", reverse("appointments:schedule"), 200),
        ("appointment (doctor)", "doctor", reverse("appointments:detail", args=[w.today.pk]), 200),
        ("write a record", "doctor", reverse("records:write", args=[w.today.pk]), 200),
        ("record (doctor)", "doctor", reverse("records:detail", args=[w.record.pk]), 200),
        ("amend a record", "doctor", reverse("records:amend", args=[w.record.pk]), 200),
        ("my patients", "doctor", reverse("patients:list"), 200),
        ("my patients, search", "doctor", reverse("patients:list") + "?q=a", 200),
        ("a patient", "doctor", reverse("patients:detail", args=[w.patient.pk]), 200),
        ("working hours", "doctor", reverse("doctors:hours"), 200),
        ("time off", "doctor", reverse("doctors:time_off"), 200),
        ("staff: a patient", "staff", reverse("patients:detail", args=[w.patient.pk]), 200),
        ("staff: an appointment", "staff", reverse("appointments:detail", args=[w.today.pk]), 200),
        ("desk board", "staff", reverse("desk:board"), 200),
        ("desk search", "staff", reverse("desk:search") + "?q=a", 200),
        ("desk patient", "staff", reverse("desk:patient", args=[w.patient.pk]), 200),
        (
            "desk book",
            "staff",
            reverse("desk:book", args=[w.patient.pk]) + f"?doctor={w.doctor.pk}&day={tomorrow}",
            200,
        ),
        ("desk move", "staff", reverse("desk:move", args=[w.tomorrow.pk]), 200),
        ("desk cancel", "staff", reverse("desk:cancel", args=[w.tomorrow.pk]), 200),
        ("desk walk-in", "staff", reverse("desk:walk_in"), 200),
        ("reports", "staff", reverse("desk:reports"), 200),
        ("reports csv", "staff", reverse("desk:report_csv", args=["utilisation"]), 200),
    ]


def admin_pages():
    """Every model's list in the admin, and the change page of its first object."""
    out = [("admin index", "staff", reverse("admin:index"), 200)]
    for model in admin.site._registry:
        meta = model._meta
        name = f"admin {meta.app_label}.{meta.model_name}"
        out.append(
            (name, "staff", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), 200)
        )
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            out.append((f"{name} change", "staff", url, 200))
    return out


def endpoints(world):
    """(name, who, url, expected status): every GET endpoint of the API."""
    w = world
    start, end = TODAY.isoformat(), (TODAY + datetime.timedelta(days=13)).isoformat()
    return [
        ("api root", "anonymous", "/api/", 200),
        ("api doctors", "anonymous", "/api/doctors/", 200),
        ("api doctor", "anonymous", f"/api/doctors/{w.doctor.pk}", 200),
        (
            "api slots",
            "anonymous",
            f"/api/doctors/{w.doctor.pk}/slots?start={start}&end={end}",
            200,
        ),
        (
            "api first available",
            "anonymous",
            f"/api/slots/?type={VisitType.objects.default().pk}&from={start}&to={end}",
            200,
        ),
        ("api visit types", "anonymous", "/api/visit-types/", 200),
        ("api sites", "anonymous", "/api/sites/", 200),
        ("api me (patient)", "patient", "/api/auth/me", 200),
        ("api my appointments", "patient", "/api/appointments/", 200),
        (
            "api my past appointments",
            "patient",
            "/api/appointments/?ordering=start&status=fulfilled",
            200,
        ),
        ("api appointment (patient)", "patient", f"/api/appointments/{w.tomorrow.pk}", 200),
        ("api my records", "patient", "/api/medical-records/", 200),
        ("api record (patient)", "patient", f"/api/medical-records/{w.record.pk}", 200),
        ("api my data", "patient", f"/api/patients/{w.patient.pk}/export", 200),
        ("api me as a patient", "patient", f"/api/patients/{w.patient.pk}", 200),
        ("api my waitlist", "patient", "/api/waitlist/", 200),
        ("api a waitlist entry", "patient", f"/api/waitlist/{w.entry.pk}", 200),
        ("api my offers", "patient", "/api/waitlist/offers/", 200),
        ("api me (doctor)", "doctor", "/api/auth/me", 200),
        ("api doctor's appointments", "doctor", "/api/appointments/", 200),
        ("api doctor's patients", "doctor", "/api/patients/", 200),
        ("api a patient (doctor)", "doctor", f"/api/patients/{w.patient.pk}", 200),
        ("api doctor's records", "doctor", "/api/medical-records/", 200),
        ("api record (doctor)", "doctor", f"/api/medical-records/{w.record.pk}", 200),
        ("api all appointments (staff)", "staff", "/api/appointments/", 200),
        ("api all patients (staff)", "staff", "/api/patients/", 200),
        ("api a login (staff)", "staff", f"/api/auth/users/{w.patient.user.pk}", 200),
    ]


# Queries per visit (a logged-in page starts with 2: the session and the user). Changing a
# page's queries means changing its number here, knowingly.
BUDGETS = {
    "home": 10,  # the forms' choices, the usual visit type, then first available's batch
    "login": 0,
    "register": 0,
    "password reset": 0,
    "directory": 7,
    "directory search": 7,
    "first available": 9,
    "doctor page": 5,
    "calendar feed": 2,
    "health": 1,
    "patient home": 2,
    "patient profile": 5,
    "password change": 2,
    "security (patient)": 4,
    "my appointments": 6,
    "appointment (patient)": 4,
    "appointment .ics": 4,
    "cancel form": 4,
    "reschedule picker": 8,
    "slot picker": 8,
    "slot picker, one day (htmx)": 8,
    # +1: whom the patient may book for; the slot checked in one query (find_free_slot).
    "booking confirmation": 7,
    "my records": 5,
    "record (patient)": 4,
    "who saw my records": 5,
    "download my data": 8,
    "download my data (pdf)": 8,
    "my waitlist": 5,
    "join the waitlist": 6,  # + the doctor's visit types and sites to choose from
    "an earlier time": 4,
    "change a waitlist entry": 4,
    "claim an offer": 4,
    "doctor home": 2,
    "doctor profile": 5,
    "security (doctor)": 5,
    "doctor's day": 7,
    "appointment (doctor)": 9,
    "write a record": 4,
    "record (doctor)": 6,
    "amend a record": 5,
    "my patients": 5,
    "my patients, search": 5,
    "a patient": 9,
    "working hours": 5,
    "time off": 4,
    "staff: a patient": 7,
    "staff: an appointment": 4,
    "desk board": 4,  # the sites of its filter
    "desk search": 3,
    "desk patient": 5,
    "desk book": 10,
    "desk move": 13,
    "desk cancel": 3,
    "desk walk-in": 2,
    # The cancellations' median is PERCENTILE_CONT inside their query on PostgreSQL, a
    # window-function query of its own elsewhere, only when there are any (here none);
    # the rest reads the summary tables (desk/reports.py).
    "reports": 13,
    "reports csv": 13,
    "admin index": 3,
    "admin auth.group": 5,
    "admin auth.group change": 5,
    "admin accounts.user": 6,
    "admin accounts.user change": 8,
    "admin accounts.securityevent": 7,
    "admin accounts.securityevent change": 4,
    "admin patients.patient": 5,
    # +1: the patient's family links.
    "admin patients.patient change": 5,
    "admin patients.accesslog": 7,
    "admin patients.accesslog change": 6,
    "admin doctors.specialty": 5,
    "admin doctors.specialty change": 3,
    "admin doctors.doctor": 6,
    "admin doctors.doctor change": 15,
    "admin doctors.workinghours": 8,
    "admin doctors.workinghours change": 6,
    "admin doctors.timeoff": 9,
    "admin doctors.visittype": 5,
    "admin doctors.visittype change": 3,
    "admin doctors.site": 5,
    "admin doctors.site change": 5,
    "admin doctors.closure": 8,
    "admin doctors.timeoff change": 5,
    "admin appointments.appointment": 12,
    "admin appointments.appointment change": 4,
    "admin records.medicalrecord": 9,
    "admin records.closedaccount": 5,
    "admin records.closedaccount change": 3,
    "admin records.medicalrecord change": 9,
    "admin records.breakglassaccess": 7,
    "admin waitlist.waitlistentry": 10,  # + the visit type and site filters' choices
    "admin waitlist.waitlistentry change": 8,
    "admin waitlist.offer": 8,
    "admin waitlist.offer change": 10,
    "admin waitlist.freedtime": 9,
    "admin waitlist.freedtime change": 5,
    "admin django_tasks_database.dbtaskresult": 7,
    "api root": 0,
    "api doctors": 2,
    "api doctor": 1,
    "api slots": 5,
    "api first available": 5,
    "api visit types": 2,
    "api sites": 2,
    "api me (patient)": 1,
    "api my appointments": 3,
    "api my past appointments": 3,
    "api appointment (patient)": 2,
    "api my records": 3,
    "api record (patient)": 3,
    "api my data": 7,
    "api me as a patient": 2,
    "api my waitlist": 3,
    "api a waitlist entry": 2,
    "api my offers": 3,
    "api me (doctor)": 1,
    "api doctor's appointments": 3,
    "api doctor's patients": 3,
    "api a patient (doctor)": 3,
    "api doctor's records": 3,
    "api record (doctor)": 4,
    "api all appointments (staff)": 3,
    "api all patients (staff)": 3,
    "api a login (staff)": 2,
}


def visit(world, cases):
    users = {"patient": world.patient.user, "doctor": world.doctor.user, "staff": world.staff}
    browsers = {"anonymous": Client(), **{role: login(user) for role, user in users.items()}}
    apis = {"anonymous": api_client(), **{role: api_client(user) for role, user in users.items()}}
    counts, statuses = {}, {}
    for name, who, url, _expected in cases:
        client = apis[who] if url.startswith("/api/") else browsers[who]
        headers = {"HX-Request": "true"} if "(htmx)" in name else {}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=headers)
        counts[name] = len(queries)
        statuses[name] = response.status_code
    return counts, statuses


def test_every_page_and_endpoint_costs_the_same_with_more_data(now):
    world = World()
    world.grow(2)
    cases = pages(world) + admin_pages() + endpoints(world)
    assert len({name for name, *_ in cases}) == len(cases)

    visit(world, cases)  # first visits fill per-process caches (e.g. content types)
    small, statuses = visit(world, cases)
    world.grow(10)
    large, statuses_large = visit(world, cases)

    expected = {name: status for name, _who, _url, status in cases}
    assert statuses == expected
    assert statuses_large == expected
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert grew == {}, "queries that grow with the data (before, after)"
    assert small == BUDGETS
