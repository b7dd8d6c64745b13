"""The one authentication backend: Django's ModelBackend behind the log-in rate limits."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import devices
from accounts.models import UserManager
from healthcare.core import ratelimits

# Set on the request when the password was right but the account still waits for its
# activation link: only then may the log-in page say so (accounts.forms).
AWAITS_ACTIVATION = "login_awaits_activation"


class RateLimitedModelBackend(ModelBackend):
    """Every password check made for a request passes the limits first.

    Per client address, every attempt counts (`login-ip`). Per email address, failed
    attempts count (`login-account`), and once they reach the limit even the right
    password is refused until the window ends: for strangers. A device that completed a
    log-in to this account before (accounts.devices: the cookie, or the API's `device`
    token) is the owner's: it is let through whatever `login-account` says, and its
    failures count against the device (`login-device`); once it has used up its own
    allowance it is a stranger again. The checks come before the password is looked at,
    so a refusal says nothing about the password or whether the account exists. This
    covers the log-in page, the admin's log-in and the API's token endpoint alike, since
    all of them call authenticate() with the request.
    """

    def authenticate(self, request, username=None, password=None, device=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        email = UserManager.normalize_email(username)
        nonce = devices.recognised(devices.presented(request, device), email)
        if nonce is not None and ratelimits.used_up(request, "login-device", nonce):
            nonce = None
        if nonce is None:
            ratelimits.check(request, "login-account", email)
        ratelimits.hit(request, "login-ip")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and getattr(self, "_right_password_awaiting_activation", False):
            setattr(request, AWAITS_ACTIVATION, True)
        if user is None:
            if nonce is None:
                ratelimits.count(request, "login-account", email)
            else:
                ratelimits.count(request, "login-device", nonce)
        return user

    def user_can_authenticate(self, user):
        # Django asks this only once the password has proved right.
        allowed = super().user_can_authenticate(user)
        if not allowed and getattr(user, "awaits_activation", False):
            self._right_password_awaiting_activation = True
        return allowed
