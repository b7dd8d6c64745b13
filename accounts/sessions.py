"""The idle timeout: a session ends SESSION_COOKIE_AGE seconds after its last request.

Django's sessions expire SESSION_COOKIE_AGE after they were last saved, so moving the
expiry forward means saving. SESSION_SAVE_EVERY_REQUEST would write the session row on
every request; this middleware writes it at most once a minute (TOUCH_EVERY) per session,
so the timeout holds to the minute for a fraction of the writes. The log-in itself
stamps the session, so the first requests after it write nothing.
"""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

TOUCHED_AT = "_touched_at"
TOUCH_EVERY = 60  # seconds


def _now():
    return int(time.time())


@receiver(user_logged_in, dispatch_uid="session_idle_timeout_stamp")
def _stamp_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        session[TOUCHED_AT] = _now()


class SessionIdleTimeoutMiddleware:
    """Moves a logged-in session's expiry forward while it is in use (see the module)."""

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
        return response
