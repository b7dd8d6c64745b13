"""Rate limits for log-in (passwords and second-factor codes), sign-up, password reset,
token refresh, booking and rescheduling.

One mechanism for the HTML pages and the API: django-ratelimit's counters in the default
cache (Redis wherever more than one process serves, so every process counts into the
same key). The rates are settings.RATE_LIMITS; each limit here says what it counts by:

- `ip`: the client's address (django-ratelimit's, so RATELIMIT_IP_META_KEY applies);
- `user`: the logged-in account (clinic staff are exempt from the booking limit: the
  reception desk books for many patients);
- `value`: a value the caller passes, e.g. the email address a log-in is for (counted
  whether or not an account has it, so a limit never tells whether one exists).

A request over a limit raises `RateLimited`: the API answers 429 in its error shape and
HTML pages a friendly 429 page, both with Retry-After.

When the cache cannot be reached (Redis down), a limit that guards a secret (log-in,
password reset) fails closed: the request gets 503 with Retry-After, because letting
password guesses through uncounted is worse than a short outage of log-in. The others
(sign-up, token refresh, booking, rescheduling) fail open: the request goes through
uncounted and a warning is logged, because refusing every booking while Redis restarts
hurts patients more than a few minutes of unlimited, authenticated requests, and the
database's constraints still guard every booking.
"""

import logging
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What the cache client raises when Redis is down or does not answer in time.
CACHE_ERRORS = (RedisError, OSError)
UNAVAILABLE_RETRY_AFTER = 30


@dataclass(frozen=True)
class Limit:
    key: str  # "ip", "user" or "value"
    fail_closed: bool
    # Clinic staff book for many patients a day at the reception desk.
    exempt_staff: bool = False


LIMITS = {
    "login-ip": Limit(key="ip", fail_closed=True),
    "login-account": Limit(key="value", fail_closed=True),
    "login-device": Limit(key="value", fail_closed=True),
    "login-code": Limit(key="value", fail_closed=True),
    "password-reset-ip": Limit(key="ip", fail_closed=True),
    "password-reset-account": Limit(key="value", fail_closed=True),
    "register-ip": Limit(key="ip", fail_closed=False),
    "token-refresh-ip": Limit(key="ip", fail_closed=False),
    "booking-account": Limit(key="user", fail_closed=False, exempt_staff=True),
}


class RateLimited(Exception):
    """Too many requests for one limit; `retry_after` is in seconds.

    Deliberately not a PermissionDenied: django.contrib.auth.authenticate() treats that,
    raised by a backend, as a plain failed log-in, and the caller must get a 429.
    """

    status_code = 429

    def __init__(self, limit, retry_after):
        super().__init__(limit)
        self.limit = limit
        self.retry_after = max(1, int(retry_after))


class LimiterUnavailable(Exception):
    """The cache cannot count and this limit fails closed: 503, try again shortly."""

    status_code = 503

    def __init__(self, limit):
        super().__init__(limit)
        self.limit = limit
        self.retry_after = UNAVAILABLE_RETRY_AFTER


def _usage(request, name, value, *, increment):
    limit = LIMITS[name]
    if limit.exempt_staff and getattr(request.user, "is_clinic_staff", False):
        return None
    key = (lambda group, request: value) if limit.key == "value" else limit.key
    try:
        usage = get_usage(
            request,
            group=name,
            key=key,
            rate=settings.RATE_LIMITS[name],
            increment=increment,
        )
    except CACHE_ERRORS:
        usage = {"time_left": -1}  # same as django-ratelimit's "could not count"
    if usage is not None and usage["time_left"] < 0:
        if limit.fail_closed:
            log.error("Rate limiter unavailable; refusing requests limited by %s.", name)
            raise LimiterUnavailable(name)
        log.warning("Rate limiter unavailable; letting requests limited by %s through.", name)
        return None
    return usage


def hit(request, name, value=None):
    """Count this request against limit `name`; raise RateLimited once it is over the limit."""
    usage = _usage(request, name, value, increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(name, usage["time_left"])


def check(request, name, value=None):
    """Raise RateLimited if limit `name` is used up, without counting this request."""
    usage = _usage(request, name, value, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise RateLimited(name, usage["time_left"])


def used_up(request, name, value=None):
    """Whether limit `name` is used up (without counting this request)."""
    try:
        check(request, name, value)
    except RateLimited:
        return True
    return False


def count(request, name, value=None):
    """Count one event (e.g. a failed log-in) against limit `name`, without refusing anything."""
    _usage(request, name, value, increment=True)


def limit_posts(*names):
    """View decorator: every POST counts against each limit in `names` (keys "ip" or "user")."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for name in names:
                    hit(request, name)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests_response(request, exc):
    """429 (or 503 when the limiter is down), as the API's error shape or as a page."""
    if isinstance(exc, RateLimited):
        code = "throttled"
        detail = _("Too many attempts. Please wait %(seconds)d seconds and try again.") % {
            "seconds": exc.retry_after
        }
        template = "429.html"
    else:
        code = "unavailable"
        detail = _("This is briefly unavailable. Please try again in a moment.")
        template = "503.html"
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": code, "detail": detail, "fields": {}}, status=exc.status_code
        )
    else:
        context = {"retry_after": exc.retry_after, "retry_minutes": -(-exc.retry_after // 60)}
        response = render(request, template, context, status=exc.status_code)
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """Turns RateLimited / LimiterUnavailable raised by a view (or a log-in) into a response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited | LimiterUnavailable):
            return too_many_requests_response(request, exception)
        return None
