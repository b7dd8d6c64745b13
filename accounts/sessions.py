"""Where a user is logged in: the idle timeout of web sessions, and the UserSession rows
that the user's sessions page lists (browsers and API log-ins).

The idle timeout: a session ends SESSION_COOKIE_AGE seconds after its last request.
Django's sessions expire SESSION_COOKIE_AGE after they were last saved, so moving the
expiry forward means saving. SESSION_SAVE_EVERY_REQUEST would write the session row on
every request; this middleware writes it at most once a minute (TOUCH_EVERY) per session,
so the timeout holds to the minute for a fraction of the writes. The log-in itself
stamps the session, so the first requests after it write nothing.

UserSession rows: a log-in writes one (Django's user_logged_in for browsers; the token
endpoint for the API, whose tokens carry its key as their `sid` claim) with the browser
or app and the address it came from; the same minute-by-minute touch that moves a
session's expiry stamps its row's "last used" and address (an app's: each refresh), so
the row is active exactly while the session is. Logging out deletes the row; ending a session
from the sessions page or the admin is accounts.services.
"""

import time
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import UserSession
from healthcare.core.http import browser_only, client_ip

TOUCHED_AT = "_touched_at"
ROW = "_user_session"  # session key: the pk of this session's UserSession row
TOUCH_EVERY = 60  # seconds
SESSION_CLAIM = "sid"


def _now():
    return int(time.time())


def _where(request):
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return {"ip_address": client_ip(request), "user_agent": agent[:300]}


@receiver(user_logged_in, dispatch_uid="session_idle_timeout_stamp")
def _stamp_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session[TOUCHED_AT] = _now()
    if session.session_key is None:
        session.save()
    # Sessions past their idle timeout (or refresh tokens past their lifetime) have ended
    # by themselves: their rows go, and whatever is left of a browser's session with them.
    stale = UserSession.objects.filter(user=user).exclude(
        pk__in=UserSession.objects.active(timezone.now()).values("pk")
    )
    for key in stale.filter(kind=UserSession.Kind.WEB).values_list("key", flat=True):
        delete_web_session(key)
    stale.delete()
    row = UserSession.objects.create(
        user=user, kind=UserSession.Kind.WEB, key=session.session_key, **_where(request)
    )
    session[ROW] = row.pk


@receiver(user_logged_out, dispatch_uid="user_session_logged_out")
def _forget_at_logout(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.get(ROW) is not None:
        UserSession.objects.filter(pk=session[ROW]).delete()


def delete_web_session(key):
    """The browser session with this key ends (whatever the session engine)."""
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).delete()


def follow_new_key(request):
    """This session got a new key (Django's cycle_key, e.g. after a password change):
    its row follows it."""
    row = request.session.get(ROW)
    if row is not None:
        request.session.save()
        UserSession.objects.filter(pk=row).update(key=request.session.session_key)


def current_row_id(request):
    return request.session.get(ROW)


def issue_refresh_token(user, request=None):
    """A new API log-in of `user`: its refresh token, carrying the user's role and the
    key of the UserSession row that stands for it (its access tokens carry both too)."""
    refresh = RefreshToken.for_user(user)
    refresh["role"] = user.role
    refresh[SESSION_CLAIM] = uuid.uuid4().hex
    UserSession.objects.create(
        user=user,
        kind=UserSession.Kind.API,
        key=refresh[SESSION_CLAIM],
        refresh_jti=refresh["jti"],
        **_where(request),
    )
    return refresh


def refreshed(refresh, request):
    """The API log-in that `refresh` (just rotated) belongs to was used now."""
    UserSession.objects.filter(key=refresh.get(SESSION_CLAIM), kind=UserSession.Kind.API).update(
        refresh_jti=refresh["jti"], last_used_at=timezone.now(), ip_address=client_ip(request)
    )


def describe_device(user_agent):
    """ "Firefox on Windows", "Safari on iPhone", … from a User-Agent; the raw string's
    start when it names no browser we know (an app, a script)."""
    agent = user_agent or ""
    browsers = (
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    )
    browser = next((name for mark, name in browsers if mark in agent), None)
    system = next((name for mark, name in systems if mark in agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or agent[:60] or "?"


@browser_only
class SessionIdleTimeoutMiddleware:
    """Moves a logged-in session's expiry forward while it is in use (see the module),
    and stamps its UserSession row with the same moment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            touched = session.get(TOUCHED_AT)
            now = _now()
            if not isinstance(touched, int) or now - touched >= TOUCH_EVERY:
                session[TOUCHED_AT] = now
                if session.get(ROW) is not None:
                    UserSession.objects.filter(pk=session[ROW]).update(
                        last_used_at=timezone.now(), ip_address=client_ip(request)
                    )
        return response
