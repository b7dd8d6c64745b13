"""Rate limits: log-in (page, admin, API), sign-up, password reset, token refresh, booking.

The limits are counted by django-ratelimit in the default cache; each test gets counters
of its own (tests/conftest.py). Rates are set small here where a test needs many tries.
"""

import json

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.appointments.mail_support import run_worker
from tests.conftest import login
from tests.patients.factories import PatientFactory

# The clock stands still: a fixed 15-minute window must not roll over in the middle of a test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
TOKEN = reverse("api:auth-token")
REFRESH = reverse("api:auth-token-refresh")
REGISTER = reverse("accounts:register")
API_REGISTER = reverse("api:auth-register")
RESET = reverse("accounts:password_reset")
RESEND_ACTIVATION = reverse("accounts:resend_activation")


def page_login(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def api_login(email, password, **extra):
    return api_client().post(TOKEN, {"email": email, "password": password}, format="json", **extra)


def assert_html_429(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert "Too many attempts" in response.text
    assert '<header class="site-header">' in response.text  # the site's own look


class TestLoginPerAccount:
    def test_eleventh_attempt_after_ten_wrong_passwords_is_refused_even_when_right(
        self, client, patient
    ):
        email = patient.user.email
        for _ in range(10):
            response = page_login(client, email, "wrong-password")
            assert response.status_code == 200
            assert "is not right" in response.text

        response = page_login(client, email, PASSWORD)

        assert_html_429(response)
        assert SESSION_KEY not in client.session

    def test_the_limit_is_the_limiters_not_the_password_check(self, client, patient, monkeypatch):
        # Were the 11th refused by anything but the limiter, this would let it through.
        checked = []
        original = User.check_password
        monkeypatch.setattr(
            User, "check_password", lambda u, raw: checked.append(raw) or original(u, raw)
        )
        for _ in range(10):
            page_login(client, patient.user.email, "wrong-password")

        response = page_login(client, patient.user.email, PASSWORD)

        assert response.status_code == 429
        assert len(checked) == 10  # the right password was never even looked at

    def test_counts_the_account_whatever_the_address_and_case(self, patient):
        email = patient.user.email
        for n in range(10):
            page_login(Client(REMOTE_ADDR=f"10.0.0.{n}"), email.upper(), "wrong")

        response = page_login(Client(REMOTE_ADDR="10.0.1.1"), email, PASSWORD)

        assert response.status_code == 429

    def test_another_account_from_the_same_address_still_logs_in(
        self, client, patient, other_patient
    ):
        for _ in range(10):
            page_login(client, patient.user.email, "wrong")

        response = page_login(client, other_patient.user.email, PASSWORD)

        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(other_patient.user.pk)

    def test_successful_log_ins_do_not_count(self, patient):
        for _ in range(12):
            client = Client()
            assert page_login(client, patient.user.email, PASSWORD).status_code == 302

    def test_unknown_addresses_are_limited_alike(self, client):
        for _ in range(10):
            page_login(client, "nobody@example.org", "wrong")

        assert page_login(client, "nobody@example.org", "wrong").status_code == 429

    def test_page_and_api_share_one_count(self, client, patient):
        for _ in range(5):
            page_login(client, patient.user.email, "wrong")
        for _ in range(5):
            assert_error(api_login(patient.user.email, "wrong"), 401, "no_active_account")

        response = api_login(patient.user.email, PASSWORD)

        body = assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert "access" not in body

    def test_api_eleventh_attempt_is_429_in_the_error_shape(self, patient):
        for _ in range(10):
            api_login(patient.user.email, "wrong")

        response = api_login(patient.user.email, PASSWORD)

        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0

    def test_admin_log_in_is_limited_too(self, client, staff):
        for _ in range(10):
            client.post(ADMIN_LOGIN, {"username": staff.email, "password": "wrong"})

        response = client.post(ADMIN_LOGIN, {"username": staff.email, "password": PASSWORD})

        assert response.status_code == 429
        assert SESSION_KEY not in client.session


class TestLoginFromAKnownDevice:
    """Finding (low): ten wrong passwords locked the real user out too.

    OWASP's device cookies: a browser or app that has logged in to an account before
    holds a signed cookie (the API: a `device` token) naming it, and gets in with the
    right password even while the account is locked for everyone else; wrong passwords
    from it count against that device, not the account.
    """

    def known_device(self, email):
        """A client that logged in to `email` once and logged out again."""
        client = Client()
        assert page_login(client, email, PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
        assert SESSION_KEY not in client.session
        return client

    def lock_account(self, email):
        attacker = Client(REMOTE_ADDR="203.0.113.9")
        for _ in range(10):
            page_login(attacker, email, "wrong")
        return attacker

    def test_the_owner_gets_in_while_an_attacker_is_locked_out(self, patient):
        email = patient.user.email
        owner = self.known_device(email)
        attacker = self.lock_account(email)

        assert_html_429(page_login(attacker, email, PASSWORD))
        assert_html_429(page_login(Client(), email, PASSWORD))  # any new browser too
        response = page_login(owner, email, PASSWORD)

        assert response.status_code == 302
        assert owner.session[SESSION_KEY] == str(patient.user.pk)

    def test_the_cookie_is_http_only_long_lived_and_names_no_one_in_clear(self, patient):
        client = Client()
        page_login(client, patient.user.email, PASSWORD)

        cookie = client.cookies["login_device"]

        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) >= 180 * 24 * 3600
        assert patient.user.email not in cookie.value

    def test_the_cookie_is_secure_in_production(self, settings, patient):
        settings.SESSION_COOKIE_SECURE = True
        client = Client()
        page_login(client, patient.user.email, PASSWORD)

        assert client.cookies["login_device"]["secure"]

    def test_wrong_passwords_from_a_known_device_count_against_it_not_the_account(self, patient):
        email = patient.user.email
        owner = self.known_device(email)
        for _ in range(10):
            assert page_login(owner, email, "wrong").status_code == 200

        # The account is not locked: a browser that never logged in still gets in.
        assert page_login(Client(), email, PASSWORD).status_code == 302
        # The device used its own allowance: from now on it is a stranger, whose
        # failures count against the account like everyone else's.
        for _ in range(10):
            page_login(owner, email, "wrong")
        assert_html_429(page_login(Client(), email, PASSWORD))

    def test_a_device_known_for_another_account_does_not_help(self, patient, other_patient):
        device = self.known_device(other_patient.user.email)
        self.lock_account(patient.user.email)

        assert_html_429(page_login(device, patient.user.email, PASSWORD))

    def test_a_forged_cookie_does_not_help(self, patient):
        email = patient.user.email
        owner = self.known_device(email)
        self.lock_account(email)
        forger = Client()
        value = owner.cookies["login_device"].value
        forger.cookies["login_device"] = value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB")

        assert_html_429(page_login(forger, email, PASSWORD))

    def test_the_api_hands_out_a_device_token_that_lets_the_owner_in(self, patient):
        email = patient.user.email
        device = api_login(email, PASSWORD).json()["device"]
        self.lock_account(email)
        assert_error(api_login(email, PASSWORD), 429, "throttled")

        response = api_client().post(
            TOKEN, {"email": email, "password": PASSWORD, "device": device}, format="json"
        )

        assert response.status_code == 200, response.content
        assert "access" in response.json()

    def test_the_api_honours_the_browsers_cookie_too(self, patient):
        email = patient.user.email
        owner = self.known_device(email)
        self.lock_account(email)
        app = api_client()
        app.cookies["login_device"] = owner.cookies["login_device"].value

        response = app.post(TOKEN, {"email": email, "password": PASSWORD}, format="json")

        assert response.status_code == 200, response.content


class TestLoginPerAddress:
    def test_many_accounts_from_one_address_are_refused(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "5/15m"}
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        for n in range(5):
            assert page_login(attacker, f"user{n}@example.org", "guess").status_code == 200

        assert_html_429(page_login(attacker, "user9@example.org", "guess"))
        assert_error(api_login("user9@example.org", "guess", REMOTE_ADDR="203.0.113.7"), 429)

    def test_another_address_is_not_affected(self, settings, patient):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "5/15m"}
        for n in range(6):
            page_login(Client(REMOTE_ADDR="203.0.113.7"), f"user{n}@example.org", "guess")

        response = page_login(Client(REMOTE_ADDR="198.51.100.2"), patient.user.email, PASSWORD)

        assert response.status_code == 302

    def test_ipv6_clients_share_their_64_bit_prefix(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": "3/15m"}
        for n in range(3):
            page_login(Client(REMOTE_ADDR=f"2001:db8::{n + 1}"), f"u{n}@example.org", "guess")

        response = page_login(Client(REMOTE_ADDR="2001:db8::ffff"), "u9@example.org", "guess")

        assert response.status_code == 429


def registration(email):
    return {
        "email": email,
        "first_name": "Nia",
        "last_name": "Okafor",
        "password1": "plum-orchard-lantern-42",
        "password2": "plum-orchard-lantern-42",
    }


class TestSignUpAndPasswordReset:
    def test_sign_up_page_is_limited_per_address(self, settings, client):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register-ip": "3/h"}
        for n in range(3):
            assert client.post(REGISTER, registration(f"p{n}@example.org")).status_code == 302

        assert_html_429(client.post(REGISTER, registration("p9@example.org")))
        assert User.objects.count() == 3

    def test_page_and_api_sign_up_share_one_count(self, settings, client):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register-ip": "2/h"}
        client.post(REGISTER, registration("p1@example.org"))
        client.post(REGISTER, registration("p2@example.org"))

        response = api_client().post(
            API_REGISTER,
            {
                "email": "p3@example.org",
                "password": "plum-orchard-lantern-42",
                "first_name": "P",
                "last_name": "Q",
            },
            format="json",
        )

        assert_error(response, 429, "throttled")

    def test_password_reset_is_limited_per_account(self, client, patient, mailoutbox):
        for n in range(3):
            reset = Client(REMOTE_ADDR=f"10.0.0.{n}").post(RESET, {"email": patient.user.email})
            assert reset.status_code == 302

        response = client.post(RESET, {"email": patient.user.email.upper()})
        run_worker()

        assert_html_429(response)
        assert len(mailoutbox) == 3

    def test_password_reset_limit_is_the_same_for_unknown_addresses(self, client):
        for _ in range(3):
            client.post(RESET, {"email": "nobody@example.org"})

        assert client.post(RESET, {"email": "nobody@example.org"}).status_code == 429

    def test_resending_the_activation_link_shares_the_reset_count(self, client):
        for _ in range(2):
            client.post(RESET, {"email": "nobody@example.org"})
        client.post(RESEND_ACTIVATION, {"email": "nobody@example.org"})

        assert client.post(RESEND_ACTIVATION, {"email": "Nobody@example.org"}).status_code == 429

    def test_password_reset_is_limited_per_address(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset-ip": "4/h"}
        client = Client(REMOTE_ADDR="203.0.113.9")
        for n in range(4):
            client.post(RESET, {"email": f"n{n}@example.org"})

        assert client.post(RESET, {"email": "n9@example.org"}).status_code == 429

    def test_token_refresh_is_limited_per_address(self, settings, patient):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "token-refresh-ip": "2/15m"}
        refresh = json.loads(api_login(patient.user.email, PASSWORD).content)["refresh"]
        for _ in range(2):
            response = api_client().post(REFRESH, {"refresh": refresh}, format="json")
            refresh = response.json()["refresh"]

        response = api_client().post(REFRESH, {"refresh": refresh}, format="json")

        assert_error(response, 429, "throttled")


class TestBooking:
    @pytest.fixture
    def limit_two(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking-account": "2/h"}

    def test_booking_page_posts_are_limited_per_account(self, limit_two, now, patient, doctor):
        client = login(patient.user)
        url = reverse("appointments:book_confirm", args=[doctor.pk])
        starts = ["2030-01-08T09:00:00+00:00", "2030-01-08T09:30:00+00:00"]
        for start in starts:
            assert client.post(url, {"start": start, "reason": "Check"}).status_code == 302

        response = client.post(url, {"start": "2030-01-08T10:00:00+00:00", "reason": "Check"})

        assert_html_429(response)
        assert patient.appointments.count() == 2
        # Other patients book as usual.
        other = login(PatientFactory().user)
        assert (
            other.post(url, {"start": "2030-01-08T10:00:00+00:00", "reason": "x"}).status_code
            == 302
        )

    def test_reschedule_page_and_api_share_the_booking_count(self, limit_two, now, patient, doctor):
        appointment = AppointmentFactory(
            patient=patient, doctor=doctor, start=now.replace(day=9, hour=9)
        )
        client = login(patient.user)
        api = api_client(patient.user)
        api.post(
            reverse("api:appointment-list"),
            {"doctor": doctor.pk, "start": "2030-01-08T09:00:00Z", "reason": "x"},
            format="json",
        )
        client.post(
            reverse("appointments:reschedule", args=[appointment.pk]),
            {"start": "2030-01-10T10:00:00+00:00"},
        )

        response = api.post(
            reverse("api:appointment-reschedule", args=[appointment.pk]),
            {"start": "2030-01-10T11:00:00Z"},
            format="json",
        )

        assert_error(response, 429, "throttled")

    def test_reading_pages_is_never_limited(self, limit_two, now, patient, doctor):
        client = login(patient.user)
        for _ in range(5):
            assert client.get(reverse("appointments:book", args=[doctor.pk])).status_code == 200

    def test_clinic_staff_booking_for_patients_are_not_limited(self, limit_two, now, staff, doctor):
        api = api_client(staff)
        for hour in (9, 10, 11):
            response = api.post(
                reverse("api:appointment-list"),
                {
                    "doctor": doctor.pk,
                    "patient": PatientFactory().pk,
                    "start": f"2030-01-08T{hour:02d}:00:00Z",
                    "reason": "x",
                },
                format="json",
            )
            assert response.status_code == 201, response.content
