"""Device cookies: the log-in limit tells the account's owner from a guesser.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a browser (or app) that
has completed a log-in to an account holds a signed token naming that account. Ten wrong
passwords from strangers lock the account for strangers only; from a device holding the
token, the right password still gets in, and that device's wrong passwords count against
the device alone (`login-device`), so its owner cannot be locked out by someone else. A
device that used up its own allowance is a stranger again until the window ends.

The token holds, per account (at most MAX_ACCOUNTS, for a shared computer), a keyed
digest of the address and a random nonce that names this device in the rate limiter;
never the address itself. It is signed with SECRET_KEY and expires after
LOGIN_DEVICE_COOKIE_AGE. Browsers keep it in an HttpOnly cookie; the API hands it out as
the `device` field of a token answer, for apps that keep no cookies, and takes it back
in the same field (or the cookie).
"""

import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from healthcare.core.http import browser_only

SALT = "accounts.devices"
MAX_ACCOUNTS = 5
REMEMBER = "_login_device_for"  # request attribute: the address to remember on the way out


def _account(email):
    return salted_hmac(SALT, email, algorithm="sha256").hexdigest()[:32]


def _accounts(token):
    """The {account digest: nonce} a device token holds; empty if absent, forged or expired."""
    if not token:
        return {}
    try:
        accounts = signing.loads(token, salt=SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return {}
    return accounts if isinstance(accounts, dict) else {}


def presented(request, token=None):
    """The device token this request carries: `token` (the API's field) or the cookie."""
    return token or request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME) or None


def recognised(token, email):
    """The nonce naming this device for `email`, if the token says it logged in to it before."""
    nonce = _accounts(token).get(_account(email))
    return nonce if isinstance(nonce, str) else None


def issue(token, email):
    """A new token for a device that has just logged in to `email` (keeping its others)."""
    accounts = {k: v for k, v in _accounts(token).items() if k != _account(email)}
    accounts = dict(list(accounts.items())[-(MAX_ACCOUNTS - 1) :])
    accounts[_account(email)] = secrets.token_urlsafe(16)
    return signing.dumps(accounts, salt=SALT, compress=True)


def remember(request, user):
    """Give this browser the device cookie for `user` with the response (a completed log-in)."""
    setattr(request, REMEMBER, user.email)


@browser_only
class LoginDeviceMiddleware:
    """Sets the device cookie on the response to a request that completed a log-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        email = getattr(request, REMEMBER, None)
        if email:
            response.set_cookie(
                settings.LOGIN_DEVICE_COOKIE_NAME,
                issue(presented(request), email),
                max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
