"""Second factors (accounts/second_factor.py): doctors and clinic staff log in with a code
from an authenticator app or a recovery code; patients may opt in; the admin and the API
are behind it; staff reset a lost one."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from accounts.second_factor import REQUIRED, current_code
from tests.accounts.factories import PASSWORD, clerk
from tests.api_support import api_client, assert_error
from tests.conftest import NOW, clock_at, login

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:two_factor_setup")
RECOVERY_CODES = reverse("accounts:recovery_codes")
TURN_OFF = reverse("accounts:two_factor_disable")
PROFILE = reverse("accounts:profile")
SECURITY = reverse("accounts:security")
SCHEDULE = reverse("appointments:schedule")
TOKEN = reverse("api:auth-token")
USERS = reverse("admin:accounts_user_changelist")
LATER = datetime.timedelta(minutes=1)  # a new authenticator code: the last one is used


def password_only(user, client=None, next_url=None):
    client = client or Client()
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    response = client.post(url, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def authenticator_of(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def enrol(client):
    """Set up an authenticator on the set-up page; returns the device and recovery codes."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SETUP, {"code": current_code(device)})
    assert response.status_code == 200, response.content
    return device, recovery_codes_on(response)


def recovery_codes_on(response):
    return re.findall(r'<li class="recovery-code"><code>([a-z2-7]+)</code></li>', response.text)


def events(kind):
    return list(SecurityEvent.objects.filter(kind=kind))


class TestEnrolment:
    def test_a_doctor_without_an_authenticator_sets_one_up_first(self, doctor):
        with clock_at(NOW):
            client = password_only(doctor.user)

            response = client.get(SCHEDULE)

        assert response.status_code == 302
        assert response["Location"] == f"{SETUP}?next={SCHEDULE.replace('/', '%2F')}"

    def test_the_set_up_page_shows_a_qr_code_and_the_secret_inline(self, doctor):
        with clock_at(NOW):
            client = password_only(doctor.user)
            response = client.get(SETUP)

        device = TOTPDevice.objects.get(user=doctor.user, confirmed=False)
        assert response.status_code == 200
        assert "<svg" in response.text  # drawn here: no image from anywhere else
        assert "<img" not in response.text.split("<main", 1)[1]
        secret = response.context["secret"].replace(" ", "")
        assert secret in device.config_url
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    def test_a_code_from_the_app_confirms_it_and_shows_ten_recovery_codes_once(self, doctor):
        with clock_at(NOW):
            client = password_only(doctor.user)
            device, codes = enrol(client)

            assert len(set(codes)) == 10
            assert client.get(SCHEDULE).status_code == 200  # verified: the log-in is complete

        device.refresh_from_db()
        assert device.confirmed
        assert StaticToken.objects.filter(device__user=doctor.user).count() == 10
        [event] = events(Kind.SECOND_FACTOR_ENROLLED)
        assert event.actor == doctor.user
        assert not any(code in event.detail for code in codes)

    def test_a_wrong_code_confirms_nothing(self, doctor):
        with clock_at(NOW):
            client = password_only(doctor.user)
            client.get(SETUP)
            response = client.post(SETUP, {"code": "000000"})

            assert response.status_code == 200
            assert "That code is not right" in response.text
            assert client.get(SCHEDULE).status_code == 302
        assert not TOTPDevice.objects.filter(confirmed=True).exists()

    def test_a_log_in_owing_its_code_cannot_replace_the_authenticator(self, doctor):
        authenticator_of(doctor.user)
        with clock_at(NOW):
            client = password_only(doctor.user)

            response = client.get(SETUP)

        assert response.status_code == 302
        assert response["Location"].startswith(CODE)
        assert TOTPDevice.objects.filter(user=doctor.user).count() == 1


class TestLogIn:
    def test_after_the_password_every_page_asks_for_the_code(self, doctor):
        authenticator_of(doctor.user)
        client = password_only(doctor.user)

        for url in (SCHEDULE, PROFILE, reverse("patients:list"), reverse("accounts:home")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{CODE}?next="), url

    def test_a_session_opened_before_the_rule_owes_the_code_too(self, doctor):
        authenticator_of(doctor.user)
        client = password_only(doctor.user)
        session = client.session
        del session[REQUIRED]  # as a session from before second factors were required
        session.save()

        response = client.get(SCHEDULE)

        assert response["Location"].startswith(CODE)

    def test_meanwhile_the_menu_offers_only_logging_out(self, doctor):
        authenticator_of(doctor.user)

        response = password_only(doctor.user).get(CODE)

        assert response.status_code == 200
        assert f'href="{SCHEDULE}"' not in response.text
        assert f'href="{PROFILE}"' not in response.text
        assert "Log out" in response.text

    def test_the_right_code_completes_the_log_in_and_goes_on(self, doctor):
        device = authenticator_of(doctor.user)
        with clock_at(NOW):
            client = password_only(doctor.user, next_url=SCHEDULE)
            response = client.get(SCHEDULE, follow=True)
            assert response.redirect_chain[-1][0].startswith(CODE)

            response = client.post(f"{CODE}?next={SCHEDULE}", {"code": current_code(device)})

            assert response.status_code == 302
            assert response["Location"] == SCHEDULE
            assert client.get(SCHEDULE).status_code == 200
        assert events(Kind.SECOND_FACTOR_VERIFIED)[0].actor == doctor.user
        assert "login_device" in client.cookies  # the log-in is complete only now

    def test_the_device_cookie_waits_for_the_code(self, doctor):
        authenticator_of(doctor.user)

        client = password_only(doctor.user)

        assert "login_device" not in client.cookies

    def test_a_wrong_code_is_refused_and_logged(self, doctor):
        authenticator_of(doctor.user)
        with clock_at(NOW):
            client = password_only(doctor.user)
            response = client.post(CODE, {"code": "123456"})

            assert response.status_code == 200
            assert "That code is not right" in response.text
            assert client.get(SCHEDULE).status_code == 302
        assert events(Kind.SECOND_FACTOR_FAILED)[0].actor == doctor.user

    def test_a_recovery_code_works_once(self, doctor):
        with clock_at(NOW) as clock:
            _device, codes = enrol(password_only(doctor.user))
            clock.shift(LATER)

            first = password_only(doctor.user)
            assert first.post(CODE, {"code": codes[0].upper()}).status_code == 302
            assert first.get(SCHEDULE).status_code == 200

            clock.shift(LATER)
            second = password_only(doctor.user)
            response = second.post(CODE, {"code": codes[0]})
            assert "That code is not right" in response.text
            assert second.get(SCHEDULE).status_code == 302
        assert StaticToken.objects.filter(device__user=doctor.user).count() == 9

    def test_an_authenticator_code_works_once(self, doctor):
        device = authenticator_of(doctor.user)
        with clock_at(NOW):
            code = current_code(device)
            assert password_only(doctor.user).post(CODE, {"code": code}).status_code == 302

            replay = password_only(doctor.user)
            assert "That code is not right" in replay.post(CODE, {"code": code}).text

    def test_next_may_not_leave_the_site(self, doctor):
        device = authenticator_of(doctor.user)
        with clock_at(NOW):
            client = password_only(doctor.user)
            response = client.post(
                f"{CODE}?next=https://evil.example/", {"code": current_code(device)}
            )

        assert response["Location"] == reverse("accounts:home")

    def test_code_attempts_are_limited_like_passwords(self, settings, doctor):
        # django-otp's own back-off (1, 2, 4 … seconds) off, to reach the limit at once.
        settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
        device = authenticator_of(doctor.user)
        with clock_at(NOW):
            client = password_only(doctor.user)
            for _ in range(10):
                assert "not right" in client.post(CODE, {"code": "000000"}).text

            response = client.post(CODE, {"code": current_code(device)})

        assert response.status_code == 429
        assert client.get(SCHEDULE).status_code == 302

    def test_wrong_codes_in_a_row_make_the_authenticator_wait(self, doctor):
        device = authenticator_of(doctor.user)
        with clock_at(NOW) as clock:
            client = password_only(doctor.user)
            client.post(CODE, {"code": "000000"})
            client.post(CODE, {"code": "000000"})

            response = client.post(CODE, {"code": current_code(device)})
            assert "Wait a few seconds" in response.text

            clock.shift(datetime.timedelta(seconds=3))
            assert client.post(CODE, {"code": current_code(device)}).status_code == 302

    def test_the_roles_that_need_it_are_a_setting(self, settings, doctor, staff):
        settings.OTP_REQUIRED_ROLES = ["admin"]

        assert password_only(doctor.user).get(SCHEDULE).status_code == 200
        assert password_only(staff).get(reverse("admin:index")).status_code == 302


class TestTheAdmin:
    def test_staff_need_the_code_for_every_admin_page(self, staff):
        authenticator_of(staff)
        client = password_only(staff)

        for url in (
            reverse("admin:index"),
            USERS,
            reverse("admin:records_medicalrecord_changelist"),
        ):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{CODE}?next="), url

    def test_the_admins_own_log_in_page_leads_to_the_code_too(self, staff):
        authenticator_of(staff)
        client = Client()
        client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})

        response = client.get(reverse("admin:index"))

        assert response["Location"].startswith(CODE)

    def test_with_the_code_the_admin_opens(self, staff):
        device = authenticator_of(staff)
        with clock_at(NOW):
            client = password_only(staff, next_url=reverse("admin:index"))
            client.post(CODE, {"code": current_code(device)})

            assert client.get(reverse("admin:index")).status_code == 200


class TestPatients:
    def test_a_patient_logs_in_with_the_password_alone(self, patient):
        assert password_only(patient.user).get(PROFILE).status_code == 200

    def test_a_patient_may_opt_in_and_is_then_asked_for_the_code(self, patient):
        with clock_at(NOW) as clock:
            client = login(patient.user)
            device, _codes = enrol(client)
            clock.shift(LATER)

            again = password_only(patient.user)
            assert again.get(PROFILE)["Location"].startswith(CODE)
            again.post(CODE, {"code": current_code(device)})
            assert again.get(PROFILE).status_code == 200

    def test_opting_in_logs_out_the_other_browsers(self, patient):
        with clock_at(NOW):
            elsewhere = login(patient.user)
            assert elsewhere.get(PROFILE).status_code == 200

            enrol(login(patient.user))

            assert elsewhere.get(PROFILE).status_code == 302

    def test_a_patient_may_turn_it_off_again(self, patient):
        with clock_at(NOW):
            client = login(patient.user)
            enrol(client)

            response = client.post(TURN_OFF)

        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=patient.user).exists()
        assert password_only(patient.user).get(PROFILE).status_code == 200
        assert events(Kind.SECOND_FACTOR_REMOVED)[0].actor == patient.user

    def test_a_doctor_may_not_turn_it_off(self, doctor):
        client = login(doctor.user)

        client.post(TURN_OFF)

        assert TOTPDevice.objects.filter(user=doctor.user, confirmed=True).exists()

    def test_new_recovery_codes_replace_the_old_ones(self, patient):
        with clock_at(NOW):
            client = login(patient.user)
            _device, old = enrol(client)

            response = client.post(RECOVERY_CODES)

        new = recovery_codes_on(response)
        assert len(new) == 10 and not set(new) & set(old)
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
        assert events(Kind.RECOVERY_CODES_MADE)[0].actor == patient.user

    def test_the_security_page_says_whether_it_is_on(self, patient, doctor):
        assert "Set up two-step verification" in login(patient.user).get(SECURITY).text
        assert "Two-step verification is on" in login(doctor.user).get(SECURITY).text
        assert SECURITY in login(patient.user).get(PROFILE).text


class TestApi:
    def obtain(self, user, **extra):
        return api_client().post(
            TOKEN, {"email": user.email, "password": PASSWORD, **extra}, format="json"
        )

    def test_a_doctor_gets_no_token_without_the_code(self, doctor):
        authenticator_of(doctor.user)

        body = assert_error(self.obtain(doctor.user), 401, "otp_required")

        assert "access" not in body

    def test_a_doctor_gets_no_token_with_a_wrong_code(self, doctor):
        authenticator_of(doctor.user)

        assert_error(self.obtain(doctor.user, otp="000000"), 401, "otp_invalid")
        assert events(Kind.SECOND_FACTOR_FAILED)

    def test_a_doctor_gets_tokens_with_the_code_or_a_recovery_code(self, doctor):
        with clock_at(NOW):
            device, codes = enrol(password_only(doctor.user))
        with clock_at(NOW + LATER):
            assert self.obtain(doctor.user, otp=current_code(device)).status_code == 200
        assert self.obtain(doctor.user, otp=codes[3]).status_code == 200
        assert_error(self.obtain(doctor.user, otp=codes[3]), 401, "otp_invalid")

    def test_staff_without_an_authenticator_are_told_to_set_one_up(self, staff):
        body = assert_error(self.obtain(staff, otp="123456"), 401, "otp_invalid")

        assert "access" not in body
        assert_error(self.obtain(staff), 401, "otp_required")

    def test_patients_need_no_code(self, patient):
        assert self.obtain(patient.user).status_code == 200

    def test_a_patient_who_opted_in_needs_the_code_here_too(self, patient):
        authenticator_of(patient.user)

        assert_error(self.obtain(patient.user), 401, "otp_required")


class TestStaffReset:
    def reset(self, client, user):
        return client.post(
            USERS, {"action": "reset_second_factor", "_selected_action": [user.pk]}, follow=True
        )

    def test_staff_reset_a_lost_authenticator_and_it_is_logged(self, staff, doctor):
        browser = login(doctor.user)
        assert browser.get(SCHEDULE).status_code == 200

        response = self.reset(login(staff), doctor.user)

        assert "Reset the second factor of 1 user" in response.text
        assert not TOTPDevice.objects.filter(user=doctor.user).exists()
        assert browser.get(SCHEDULE).status_code == 302  # logged out
        # The next log-in sets up a new authenticator.
        assert password_only(doctor.user).get(SCHEDULE)["Location"].startswith(SETUP)
        [event] = events(Kind.SECOND_FACTOR_RESET)
        assert event.actor == staff
        assert event.target == str(doctor.user)

    def test_staff_who_may_not_change_users_cannot(self, doctor):
        login(doctor.user)

        self.reset(login(clerk("view_user")), doctor.user)

        assert TOTPDevice.objects.filter(user=doctor.user).exists()
        assert not events(Kind.SECOND_FACTOR_RESET)
