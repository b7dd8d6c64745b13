"""The one authentication backend: Django's ModelBackend behind the log-in rate limits."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.models import UserManager
from healthcare.core import ratelimits


class RateLimitedModelBackend(ModelBackend):
    """Every password check made for a request passes two limits first.

    Per client address, every attempt counts (`login-ip`); per email address, failed
    attempts count (`login-account`), and once they reach the limit even the right
    password is refused until the window ends. The check comes before the password is
    looked at, so a refusal says nothing about the password or whether the account
    exists. This covers the log-in page, the admin's log-in and the API's token
    endpoint alike, since all of them call authenticate() with the request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        email = UserManager.normalize_email(username)
        ratelimits.check(request, "login-account", email)
        ratelimits.hit(request, "login-ip")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            ratelimits.count(request, "login-account", email)
        return user
