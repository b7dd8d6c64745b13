"""Second factors: a code from an authenticator app (TOTP), or a one-time recovery code.

django-otp does the cryptography and keeps the devices: one `TOTPDevice` (otp_totp, an
RFC 6238 secret shown once as a QR code) and one `StaticDevice` (otp_static) holding the
ten recovery codes, each deleted when used. Both throttle wrong codes themselves
(1, 2, 4, 8 … seconds after successive failures); the `login-code` rate limit counts
failures per account on top, as `login-account` does for passwords.

Who must give one: every role in OTP_REQUIRED_ROLES (doctors and clinic staff by default,
and anyone with admin access) and anyone who set one up. After the password, such a log-in
is *pending*: `SecondFactorMiddleware` lets it reach only the code page (or, without an
authenticator yet, the set-up page) and log-out, so no page and no admin page is open
until the code is given. A session is verified once `django_otp.login` put the device's
id in it; whether it is required is decided at log-in and kept in the session too, so
checking costs no query. A staff reset removes the devices and ends the person's
sessions (accounts.services.reset_second_factor), so no verified session outlives it.
The API's token endpoint asks for the code in its `otp` field (accounts.api).
"""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import devices
from healthcare.core import ratelimits
from healthcare.core.http import browser_only

REQUIRED = "_second_factor_required"  # session key: True, False, or absent (not decided yet)
AUTHENTICATOR = "Authenticator app"
RECOVERY = "Recovery codes"
# What a pending log-in may reach: the pages that finish or abandon it (and the language
# switcher in their footers).
PENDING_VIEWS = {
    "accounts:login_code",
    "accounts:two_factor_setup",
    "accounts:logout",
    "set_language",
}


class CodeRefused(Exception):
    """The code was wrong, or the devices refuse codes for a few seconds after wrong ones."""

    def __init__(self, message, *, throttled=False):
        super().__init__(message)
        self.message = message
        self.throttled = throttled


def role_requires(user):
    """Whether the user's role (or their admin access) makes a second factor compulsory."""
    roles = set(settings.OTP_REQUIRED_ROLES)
    return user.role in roles or (user.is_staff and "admin" in roles)


def authenticator(user):
    """The user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def required_for(user):
    """Whether `user` logs in with a second factor: by role, or because they set one up."""
    return role_requires(user) or authenticator(user) is not None


def is_verified(request):
    return DEVICE_ID_SESSION_KEY in request.session


def is_pending(request):
    """A logged-in session that still owes its second factor."""
    user = request.user
    if not user.is_authenticated:
        return False
    required = request.session.get(REQUIRED)
    if required is None:  # a session from before the rule, or made without a log-in
        required = request.session[REQUIRED] = required_for(user)
    return required and not is_verified(request)


def mark_verified(request, device):
    """This session has given its second factor (with `device`)."""
    otp_login(request, device)
    request.session[REQUIRED] = True


@receiver(user_logged_in, dispatch_uid="second_factor_at_login")
def _decide_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session[REQUIRED] = required = required_for(user)
    if not required:
        devices.remember(request, user)  # the log-in is complete


def _devices_for(user, code):
    """The devices that could accept `code`: six digits are an authenticator's code,
    anything else a recovery code (so a wrong one of either slows down only its kind)."""
    if code.isdigit() and len(code) == 6:
        return TOTPDevice.objects.filter(user=user, confirmed=True)
    return StaticDevice.objects.filter(user=user, confirmed=True)


def verify(request, user, code):
    """The device that accepts `code` (an authenticator's code or a recovery code).

    Raises CodeRefused; RateLimited once `login-code` is used up for this account.
    """
    key = str(user.pk)
    ratelimits.check(request, "login-code", key)
    code = "".join(str(code).split()).lower()
    refused_for_now = False
    with transaction.atomic():
        # select_for_update: two requests with one recovery code cannot both use it.
        for device in _devices_for(user, code).select_for_update():
            allowed, _detail = device.verify_is_allowed()
            if not allowed:
                refused_for_now = True
                continue
            if device.verify_token(code):
                return device
    ratelimits.count(request, "login-code", key)
    if refused_for_now:
        raise CodeRefused(
            _("Too many wrong codes in a row. Wait a few seconds and try again."), throttled=True
        )
    raise CodeRefused(_("That code is not right. Please try again."))


def is_recovery_code(device):
    return isinstance(device, StaticDevice)


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def start_enrolment(user):
    """The authenticator being set up: unconfirmed until a code from it is given."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def qr_code_svg(device):
    """The device's otpauth:// address as an inline SVG QR code (no script, no request)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )


def secret_for_typing(device):
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(device, code):
    """Confirm the authenticator being set up with a code from it; it replaces any other.

    Returns the new recovery codes (shown once); raises CodeRefused.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            raise CodeRefused(
                _("Too many wrong codes in a row. Wait a few seconds and try again."),
                throttled=True,
            )
        if not device.verify_token("".join(str(code).split())):
            raise CodeRefused(_("That code is not right. Please try again."))
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(device.user)
    return device, codes


def new_recovery_codes(user):
    """Ten new recovery codes for `user`, replacing any left; returns them (never stored
    anywhere else, so they are shown once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remove_devices(user):
    """Every second factor of `user` gone (a reset, or a patient turning it off)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def current_code(device, *, at=None):
    """The code the device's authenticator app shows at `at` (default now): for the demo's
    and the tests' scripts, which stand in for the app."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = (at or timezone.now()).timestamp()
    return f"{generator.token():0{device.digits}d}"


def context(request):
    """Template context: `second_factor_pending`, so that the site's menu offers a log-in
    that still owes its code nothing but logging out."""
    return {"second_factor_pending": is_pending(request) if hasattr(request, "user") else False}


@browser_only
class SecondFactorMiddleware:
    """A pending log-in (see the module) reaches the code or set-up page and log-out only.

    Every other page, the admin's included, redirects there with `next` set to where the
    person was going. The API is not concerned: it takes no session, and its tokens are
    issued only after the second factor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace == "api" or match.view_name in PENDING_VIEWS:
            return None
        if not is_pending(request):
            return None
        target = (
            "accounts:login_code" if authenticator(request.user) else "accounts:two_factor_setup"
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
