"""Shared fixtures: the clinic's clock, people in each role, and a logged-in client."""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor as accounts_second_factor
from healthcare.core import appendonly
from tests.accounts.factories import PASSWORD, StaffFactory
from tests.doctors.factories import DoctorFactory
from tests.patients.factories import PatientFactory

CLINIC_TZ = zoneinfo.ZoneInfo("Europe/London")
# A Monday morning in the clinic, well clear of any DST change.
NOW = datetime.datetime(2030, 1, 7, 8, 0, tzinfo=CLINIC_TZ)
TODAY = NOW.date()


def at(day, hhmm):
    """A time in the clinic: `day` at "HH:MM".

    `day` is a date, or a number of days after the pinned clock's Monday 7 January 2030
    (0 is that day, 1 the Tuesday, -7 the Monday before).
    """
    if isinstance(day, int):
        day = TODAY + datetime.timedelta(days=day)
    return datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm), tzinfo=CLINIC_TZ)


def clock_at(moment):
    """The clock pinned, not ticking, at `moment`: `with clock_at(at(1, "08:00")): ...`."""
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TIME_ZONE = CLINIC_TZ.key
    settings.CLINIC_MIN_NOTICE = datetime.timedelta(hours=2)
    settings.CLINIC_BOOKING_HORIZON = datetime.timedelta(days=60)
    settings.CLINIC_CANCELLATION_CUTOFF = datetime.timedelta(hours=24)
    settings.RECORD_WRITING_WINDOW = datetime.timedelta(hours=72)
    # Links in emails on the test client's own host, so that a test follows them as sent.
    settings.SITE_URL = "http://testserver"
    # Local files whatever the developer's environment says (no test reaches Cloudinary).
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Rate-limit counters of their own for each test (the clock is pinned in many tests,
    # so shared counters would pile up across tests and throttle later ones).
    settings.RATELIMIT_CACHE_PREFIX = f"rl:test:{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def _append_only_rows_leave_before_the_flush(request):
    """A transactional test ends with Django's flush, which on SQLite is a DELETE row by row
    and so meets the append-only triggers (PostgreSQL's TRUNCATE fires none). Here, and
    only here, the triggers are lifted to empty those tables first, then put back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional or connection.vendor != "sqlite":
        yield
        return
    # Set up the database first, so that its flush runs after this teardown.
    request.getfixturevalue("transactional_db")
    yield
    for spec in appendonly.registered():
        appendonly.uninstall(connection, spec)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(spec.table)}")
        appendonly.install(connection, spec)


@pytest.fixture
def now():
    """Pin the clock to Monday 7 January 2030, 08:00 in the clinic; yields the time."""
    with clock_at(NOW):
        yield NOW


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.fixture
def other_patient(db):
    return PatientFactory()


@pytest.fixture
def doctor(db):
    return DoctorFactory()


@pytest.fixture
def other_doctor(db):
    return DoctorFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


def login(user, *, second_factor=True):
    """A client logged in as `user`, with the password and, where `user` needs one, the
    second factor given (an authenticator is set up for them if they have none).
    `second_factor=False` stops after the password."""
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    if second_factor and accounts_second_factor.required_for(user):
        give_second_factor(client, user)
    return client


def give_second_factor(client, user):
    """Mark the client's session as having given its second factor, as the code page does."""
    device = accounts_second_factor.authenticator(user) or TOTPDevice.objects.create(
        user=user, name=accounts_second_factor.AUTHENTICATOR, confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[accounts_second_factor.REQUIRED] = True
    session.save()
    return device


@pytest.fixture
def patient_client(patient):
    return login(patient.user)


@pytest.fixture
def doctor_client(doctor):
    return login(doctor.user)


@pytest.fixture
def staff_client(staff):
    return login(staff)
