"""Who may reach what: every page and action of the doctor's workspace, the API's reads
of one object and the staff admin's lists, for every role.

Each row names a page, API read or action and the outcome for anonymous, the patient,
another patient, the appointment's doctor, another doctor, a colleague (a doctor who also
treats the patient), staff with every right (a superuser: IT), staff in each role the
clinic ships (groups made by a migration): reception, clinic manager, records officer,
and a former doctor (whose last visit with the patient was over 18 months ago: no care
relationship, so their records only by breaking the glass):
  "page"  - 200 and the page (or the object, from the API);
  "login" - redirect to the login page;  "401" - the API asks for a token;
  "admin-login" - redirect to the admin's login page;
  "404"   - not found (nothing hints that the object exists; from the API, `not_found`);
  "403"   - from a page: a record the user may only open by breaking the glass, which the
            page offers (or, in the admin, a list their role may not open);
  "redirect" - sent elsewhere (the record form of a visit that has its record);
  "done"  - the action happened;  "refused" - the object is visible, the action is not
            allowed now, and the user is told so (redirect with a message).
A look writes no data but the access log, and only in the name of whoever looked; a
forbidden request writes no access-log row and changes no data.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import UserSession
from appointments.models import Appointment
from doctors.models import TimeOff
from patients.models import AccessLog, Patient
from records.models import BreakGlassAccess, MedicalRecord, MedicalRecordVersion
from tests.accounts.factories import StaffFactory, staff_in
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login
from tests.doctors.factories import DoctorFactory, TimeOffFactory
from tests.patients.factories import PatientFactory
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "patient",
    "other_patient",
    "doctor",
    "other_doctor",
    "colleague",
    "staff",
    "reception",
    "manager",
    "records_officer",
    "former_doctor",
]
Status = Appointment.Status


@pytest.fixture
def world(now):
    """A patient with a visit today and a recorded visit last week, and their doctor;
    another patient with another doctor; a colleague who sees the patient on Thursday;
    staff: a superuser and one member of each role; a doctor who last saw the patient
    two years ago."""
    patient, other_patient = PatientFactory(), PatientFactory()
    doctor, other_doctor, colleague = DoctorFactory(), DoctorFactory(), DoctorFactory()
    today = AppointmentFactory(patient=patient, doctor=doctor, start=at(0, "09:00"))
    past = AppointmentFactory(
        patient=patient, doctor=doctor, start=at(-7, "09:00"), status=Status.FULFILLED
    )
    record = MedicalRecordFactory(appointment=past)
    AppointmentFactory(patient=other_patient, doctor=other_doctor, start=at(1, "09:00"))
    AppointmentFactory(patient=patient, doctor=colleague, start=at(3, "10:00"))
    time_off = TimeOffFactory(doctor=doctor, start=at(10, "00:00"), end=at(11, "00:00"))
    former = DoctorFactory()
    AppointmentFactory(patient=patient, doctor=former, start=at(-730, "09:00"), status="fulfilled")
    users = {
        "patient": patient.user,
        "other_patient": other_patient.user,
        "doctor": doctor.user,
        "other_doctor": other_doctor.user,
        "colleague": colleague.user,
        "staff": StaffFactory(),
        "reception": staff_in("Reception"),
        "manager": staff_in("Clinic manager"),
        "records_officer": staff_in("Records officer"),
        "former_doctor": former.user,
    }
    return {
        "users": users,
        "patient": patient,
        "today": today,
        "past": past,
        "record": record,
        "time_off": time_off,
    }


def client_for(role, world, client):
    return client if role == "anonymous" else login(world["users"][role])


def outcome(response):
    if response.status_code == 404:
        return "404"
    if response.status_code == 200:
        return "page"
    if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
        return "login"
    if response.status_code == 302 and response.url.startswith(reverse("admin:login")):
        return "admin-login"
    if response.status_code == 302:
        return "redirect"
    if response.status_code == 403:
        return "403"
    return str(response.status_code)


def cases(rows):
    """One test a row and role: (role, url builder, its expected outcome)."""
    return [
        pytest.param(role, url, expected[i], id=f"{name}-{role}")
        for name, url, expected in rows
        for i, role in enumerate(ROLES)
    ]


DESK = ["login", "404", "404", "404", "404", "404", "page", "page", "404", "404", "404"]
REPORTS = ["login", "404", "404", "404", "404", "404", "page", "404", "page", "404", "404"]

# Pages: (name, url builder, expected outcome per role in ROLES order).
PAGES = [
    ("dashboard", lambda w: reverse("appointments:schedule"),
     ["login", "404", "404", "page", "page", "page", "404",
      "404", "404", "404", "page"]),
    ("appointment", lambda w: reverse("appointments:detail", args=[w["today"].pk]),
     ["login", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("appointment-ics", lambda w: reverse("appointments:ics", args=[w["today"].pk]),
     ["login", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("appointment-pdf", lambda w: reverse("appointments:pdf", args=[w["today"].pk]),
     ["login", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("cancel-form", lambda w: reverse("appointments:cancel", args=[w["today"].pk]),
     ["login", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("reschedule-form", lambda w: reverse("appointments:reschedule", args=[w["today"].pk]),
     ["login", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("record", lambda w: reverse("records:detail", args=[w["record"].pk]),
     ["login", "page", "404", "page", "404", "page", "page",
      "404", "404", "page", "403"]),
    ("record-pdf", lambda w: reverse("records:pdf", args=[w["record"].pk]),
     ["login", "page", "404", "page", "404", "page", "page",
      "404", "404", "page", "403"]),
    ("record-write", lambda w: reverse("records:write", args=[w["today"].pk]),
     ["login", "404", "404", "page", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("record-write-recorded", lambda w: reverse("records:write", args=[w["past"].pk]),
     ["login", "404", "404", "redirect", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("record-amend", lambda w: reverse("records:amend", args=[w["record"].pk]),
     ["login", "404", "404", "page", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("my-records", lambda w: reverse("records:mine"),
     ["login", "page", "page", "404", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("who-looked", lambda w: reverse("records:access_log"),
     ["login", "page", "page", "404", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("my-data", lambda w: reverse("records:export"),
     ["login", "page", "page", "404", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("patient-data", lambda w: reverse("patients:export", args=[w["patient"].pk]),
     ["login", "page", "404", "404", "404", "404", "page",
      "404", "404", "page", "404"]),
    ("close-account", lambda w: reverse("accounts:close"),
     ["login", "page", "page", "404", "404", "404", "404",
      "404", "404", "404", "404"]),
    ("patients", lambda w: reverse("patients:list"),
     ["login", "404", "404", "page", "page", "page", "page",
      "page", "404", "page", "page"]),
    ("patient", lambda w: reverse("patients:detail", args=[w["patient"].pk]),
     ["login", "page", "404", "page", "404", "page", "page",
      "page", "404", "page", "page"]),
    ("hours", lambda w: reverse("doctors:hours"),
     ["login", "404", "404", "page", "page", "page", "404",
      "404", "404", "404", "page"]),
    ("time-off", lambda w: reverse("doctors:time_off"),
     ["login", "404", "404", "page", "page", "page", "404",
      "404", "404", "404", "page"]),
    ("my-waitlist", lambda w: reverse("waitlist:mine"),
     ["login", "page", "page", "403", "403", "403", "403",
      "403", "403", "403", "403"]),
    ("waitlist-earlier", lambda w: reverse("waitlist:join_earlier", args=[w["today"].pk]),
     ["login", "page", "404", "403", "403", "403", "403",
      "403", "403", "403", "403"]),
    # The front desk: reception (and IT); the reports: the clinic manager (and IT).
    ("desk-board", lambda w: reverse("desk:board"), DESK),
    ("desk-search", lambda w: reverse("desk:search") + "?q=a", DESK),
    ("desk-walk-in", lambda w: reverse("desk:walk_in"), DESK),
    ("desk-patient", lambda w: reverse("desk:patient", args=[w["patient"].pk]), DESK),
    ("desk-book", lambda w: reverse("desk:book", args=[w["patient"].pk]), DESK),
    ("desk-move", lambda w: reverse("desk:move", args=[w["today"].pk]), DESK),
    ("desk-cancel", lambda w: reverse("desk:cancel", args=[w["today"].pk]), DESK),
    ("reports", lambda w: reverse("desk:reports"), REPORTS),
    ("reports-csv", lambda w: reverse("desk:report_csv", args=["utilisation"]), REPORTS),
]  # fmt: skip


@pytest.mark.parametrize(("role", "url", "expected"), cases(PAGES))
def test_pages(world, client, role, url, expected):
    state = _state(world)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    response = client_for(role, world, client).get(url(world))

    assert outcome(response) == expected
    assert _state(world) == state
    assert_logged_only_by(role, world, before, expected == "page")


# API reads of one object: (name, url builder, expected outcome per role in ROLES order).
API_READS = [
    ("api-appointment", lambda w: reverse("api:appointment-detail", args=[w["today"].pk]),
     ["401", "page", "404", "page", "404", "404", "page",
      "page", "page", "page", "404"]),
    ("api-record", lambda w: reverse("api:record-detail", args=[w["record"].pk]),
     ["401", "page", "404", "page", "404", "page", "page",
      "404", "404", "page", "404"]),
    ("api-patient", lambda w: reverse("api:patient-detail", args=[w["patient"].pk]),
     ["401", "page", "404", "page", "404", "page", "page",
      "page", "404", "page", "page"]),
    ("api-user", lambda w: reverse("api:auth-user", args=[w["users"]["patient"].pk]),
     ["401", "page", "404", "404", "404", "404", "page",
      "404", "404", "404", "404"]),
    ("api-patient-data", lambda w: reverse("api:patient-export", args=[w["patient"].pk]),
     ["401", "page", "404", "404", "404", "404", "page",
      "404", "404", "page", "404"]),
    ("api-patient-data-pdf", lambda w: reverse("api:patient-export-pdf", args=[w["patient"].pk]),
     ["401", "page", "404", "404", "404", "404", "page",
      "404", "404", "page", "404"]),
]  # fmt: skip


@pytest.mark.parametrize(("role", "url", "expected"), cases(API_READS))
def test_api_reads(world, role, url, expected):
    state = _state(world)
    before = set(AccessLog.objects.values_list("pk", flat=True))
    client = api_client(None if role == "anonymous" else world["users"][role])

    response = client.get(url(world))

    if expected == "page":
        assert response.status_code == 200, response.content
    else:
        code = {"401": "not_authenticated", "404": "not_found"}[expected]
        assert_error(response, int(expected), code)
    assert _state(world) == state
    assert_logged_only_by(role, world, before, expected == "page")


def assert_logged_only_by(role, world, before, looked):
    """A look logs (if anything) only its actor; a refused one logs nothing."""
    new_log = AccessLog.objects.exclude(pk__in=before)
    if looked:
        assert set(new_log.values_list("actor", flat=True)) <= {world["users"][role].pk}
    else:
        assert not new_log.exists()


# The staff admin: the lists each role opens ("page"); every other list is "403" for them.
# People who are not staff are sent to the admin's log-in page for every list.
ADMIN_LISTS = {
    "staff": "every list",
    "reception": {
        "patients.patient",
        "appointments.appointment",
        "doctors.doctor",
        "doctors.specialty",
        "doctors.workinghours",
        "doctors.timeoff",
        "doctors.visittype",
        "doctors.site",
        "doctors.closure",
        "waitlist.waitlistentry",
        "waitlist.offer",
        "waitlist.freedtime",
    },
    "manager": {
        "doctors.doctor",
        "doctors.specialty",
        "doctors.workinghours",
        "doctors.timeoff",
        "doctors.visittype",
        "doctors.site",
        "doctors.closure",
        "appointments.appointment",
        "waitlist.waitlistentry",
        "waitlist.offer",
        "waitlist.freedtime",
    },
    "records_officer": {
        "patients.patient",
        "patients.accesslog",
        "appointments.appointment",
        "records.medicalrecord",
        "records.breakglassaccess",
        "records.closedaccount",
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_admin_lists(world, client, role):
    browser = client_for(role, world, client)
    allowed = ADMIN_LISTS.get(role, set())
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if role not in ADMIN_LISTS:
            expected = "admin-login"
        else:
            expected = "page" if allowed == "every list" or label in allowed else "403"

        assert outcome(browser.get(url)) == expected, url


def test_the_roles_are_groups_with_exactly_their_permissions(db):
    """Each role's permissions, as the migration makes them (docs/security/README.md)."""
    granted = {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }

    assert granted == ROLE_PERMISSIONS


def _state(world):
    today = Appointment.objects.get(pk=world["today"].pk)
    return (
        today.status,
        MedicalRecord.objects.count(),
        MedicalRecordVersion.objects.count(),
        TimeOff.objects.count(),
        BreakGlassAccess.objects.count(),
        Appointment.objects.count(),
        Patient.objects.count(),
    )


def check_in(world, client):
    return client.post(
        reverse("appointments:status", args=[world["today"].pk]), {"status": Status.CHECKED_IN}
    )


def cancel(world, client):
    return client.post(
        reverse("appointments:cancel", args=[world["today"].pk]), {"reason": "Doctor unwell"}
    )


def write_record(world, client):
    return client.post(
        reverse("records:write", args=[world["today"].pk]), {"diagnosis": "Migraine"}
    )


def amend_record(world, client):
    return client.post(
        reverse("records:amend", args=[world["record"].pk]),
        {"diagnosis": "Amended diagnosis", "prescription": "", "notes": "", "reason": "Typo"},
    )


def remove_time_off(world, client):
    return client.post(reverse("doctors:time_off_remove", args=[world["time_off"].pk]))


def break_glass(world, client):
    return client.post(
        reverse("records:break_glass", args=[world["patient"].pk]),
        {"reason": "emergency", "explanation": "Seen in A&E, unconscious."},
    )


def desk_check_in(world, client):
    return client.post(reverse("desk:check_in", args=[world["today"].pk]))


def desk_cancel(world, client):
    return client.post(reverse("desk:cancel", args=[world["today"].pk]), {"reason": "Ill"})


def desk_book(world, client):
    doctor = world["today"].doctor
    url = reverse("desk:book", args=[world["patient"].pk]) + f"?doctor={doctor.pk}&day="
    start = at(1, "10:00")
    return client.post(url + start.date().isoformat(), {"start": start.isoformat()})


def desk_walk_in(world, client):
    return client.post(reverse("desk:walk_in"), {"first_name": "W", "last_name": "I", "phone": "1"})


DESK_ACTION = ["login", "404", "404", "404", "404", "404", "done", "done", "404", "404", "404"]

# Actions: (name, request, expected outcome per role, how "done" shows in the data).
ACTIONS = [
    ("check-in", check_in, ["login", "refused", "404", "done", "404", "404", "done",
                            "done", "refused", "refused", "404"],
     lambda s: s[0] == Status.CHECKED_IN),
    ("cancel", cancel, ["login", "refused", "404", "done", "404", "404", "done",
                        "done", "refused", "refused", "404"],
     lambda s: s[0] == Status.CANCELLED),
    ("write-record", write_record, ["login", "404", "404", "done", "404", "404", "404",
                                    "404", "404", "404", "404"],
     lambda s: s[0] == Status.FULFILLED and s[1] == 2),
    ("amend-record", amend_record, ["login", "404", "404", "done", "404", "404", "404",
                                    "404", "404", "404", "404"],
     lambda s: s[2] == 1),  # the factory wrote no version; the amendment adds one
    ("remove-time-off", remove_time_off, ["login", "404", "404", "done", "404", "404", "404",
                                          "404", "404", "404", "404"],
     lambda s: s[3] == 0),
    # Breaking the glass: only a doctor who may see the patient and cannot read their
    # records now (the others are told they need not; to everyone else it does not exist).
    ("break-glass", break_glass, ["login", "404", "404", "refused", "404", "refused", "404",
                                  "404", "404", "404", "done"],
     lambda s: s[4] == 1),
    ("desk-check-in", desk_check_in, DESK_ACTION, lambda s: s[0] == Status.CHECKED_IN),
    ("desk-cancel", desk_cancel, DESK_ACTION, lambda s: s[0] == Status.CANCELLED),
    ("desk-book", desk_book, DESK_ACTION, lambda s: s[5] == 6),
    ("desk-walk-in", desk_walk_in, DESK_ACTION, lambda s: s[6] == 3),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "action", "expected", "done"),
    [
        pytest.param(role, action, expected[i], done, id=f"{name}-{role}")
        for name, action, expected, done in ACTIONS
        for i, role in enumerate(ROLES)
    ],
)
def test_actions(world, client, role, action, expected, done):
    before = _state(world)
    log_before = AccessLog.objects.count()

    response = action(world, client_for(role, world, client))

    after = _state(world)
    if expected == "done":
        assert response.status_code == 302
        assert done(after)
        return
    if expected == "refused":
        assert outcome(response) == "redirect"
    else:
        assert outcome(response) == expected
    assert after == before
    assert AccessLog.objects.count() == log_before


ROLE_PERMISSIONS = {
    "Reception": {
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "appointments.view_appointment",
        "appointments.add_appointment",
        "appointments.change_appointment",
        "doctors.view_doctor",
        "doctors.view_specialty",
        "doctors.view_workinghours",
        "doctors.view_timeoff",
        "doctors.view_visittype",
        "doctors.view_visittypeoffer",
        "doctors.view_site",
        "doctors.view_closure",
        "waitlist.view_waitlistentry",
        "waitlist.add_waitlistentry",
        "waitlist.change_waitlistentry",
        "waitlist.view_offer",
        "waitlist.view_freedtime",
    },
    "Clinic manager": {
        "doctors.view_doctor",
        "doctors.add_doctor",
        "doctors.change_doctor",
        "doctors.view_specialty",
        "doctors.add_specialty",
        "doctors.change_specialty",
        "doctors.delete_specialty",
        "doctors.view_workinghours",
        "doctors.add_workinghours",
        "doctors.change_workinghours",
        "doctors.delete_workinghours",
        "doctors.view_timeoff",
        "doctors.add_timeoff",
        "doctors.delete_timeoff",
        *(
            f"doctors.{action}_{model}"
            for model in ("visittype", "visittypeoffer", "site", "closure")
            for action in ("view", "add", "change", "delete")
        ),
        "appointments.view_appointment",
        "waitlist.view_waitlistentry",
        "waitlist.view_offer",
        "waitlist.view_freedtime",
        "desk.view_reports",
    },
    "Records officer": {
        "patients.view_patient",
        "patients.view_clinical_content",
        "patients.view_accesslog",
        "appointments.view_appointment",
        "records.view_medicalrecord",
        "records.view_medicalrecordversion",
        "records.view_breakglassaccess",
        "records.change_breakglassaccess",
        "records.view_closedaccount",
    },
}


def test_breaking_the_glass_opens_a_patients_records_for_four_hours(world, now, settings):
    settings.BREAK_GLASS_HOURS = 4
    former = world["users"]["former_doctor"]
    record_page = reverse("records:detail", args=[world["record"].pk])
    record_api = reverse("api:record-detail", args=[world["record"].pk])

    def outcomes():
        return outcome(login(former).get(record_page)), api_client(former).get(record_api)

    before_page, before_api = outcomes()
    assert break_glass(world, login(former)).status_code == 302
    during_page, during_api = outcomes()
    with clock_at(now + timedelta(hours=4, minutes=-1)):
        last_minute_page, last_minute_api = outcomes()
    with clock_at(now + timedelta(hours=4, minutes=1)):
        after_page, after_api = outcomes()

    assert before_page == "403"
    assert_error(before_api, 404, "not_found")
    assert (during_page, during_api.status_code) == ("page", 200)
    assert (last_minute_page, last_minute_api.status_code) == ("page", 200)
    assert after_page == "403"
    assert_error(after_api, 404, "not_found")
    # The break itself, then the reads while it lasted: each in the patient's log.
    log = list(
        AccessLog.objects.filter(actor=former).order_by("pk").values_list("action", "target")
    )
    assert log == [("break_glass", "patient")] + [("view", "record")] * 4


# -- log-in and security: the second factor and the sessions page -----------------------

SECOND_FACTOR_PAGES = (reverse("accounts:login_code"), reverse("accounts:two_factor_setup"))


def password_only(role, world):
    """A browser that gave `role`'s password but not (yet) their second factor."""
    return login(world["users"][role], second_factor=False)


@pytest.mark.parametrize("role", ["doctor", "staff"])
def test_a_log_in_owing_its_second_factor_reaches_no_page(world, role):
    browser = password_only(role, world)
    urls = [url(world) for _name, url, _expected in PAGES]
    urls += [reverse("accounts:profile"), reverse("accounts:security"), reverse("admin:index")]
    urls += [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]

    for url in urls:
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(SECOND_FACTOR_PAGES), (url, response.url)


# The security page (two-step verification, sessions), per role in ROLES order.
SECURITY_PAGES = [
    ("security", lambda w: reverse("accounts:security"),
     ["login", "page", "page", "page", "page", "page", "page",
      "page", "page", "page", "page"]),
]  # fmt: skip


@pytest.mark.parametrize(("role", "url", "expected"), cases(SECURITY_PAGES))
def test_security_pages(world, client, role, url, expected):
    assert outcome(client_for(role, world, client).get(url(world))) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    list(
        zip(
            ROLES,
            ["login", "done", "404", "404", "404", "404", "404", "404", "404", "404", "404"],
            strict=True,
        )
    ),
    ids=ROLES,
)
def test_ending_the_patients_other_session(world, client, role, expected):
    """Only the patient ends a session of theirs here; staff do it in the admin."""
    theirs = login(world["users"]["patient"])
    row = UserSession.objects.get(key=theirs.session.session_key)
    me = client_for(role, world, client)

    response = me.post(reverse("accounts:session_end", args=[row.pk]))

    ended = not UserSession.objects.filter(pk=row.pk).exists()
    if expected == "done":
        assert response.status_code == 302 and ended
    else:
        assert outcome(response) == expected and not ended
