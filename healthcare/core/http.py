"""Helpers for the HTTP edge that every app shares, and the middleware that keeps private
answers out of caches."""

from django.conf import settings
from django.utils.functional import empty

NO_STORE = "no-store, private"


def client_ip(request):
    """The address the request came from (REMOTE_ADDR), for the security and access logs.

    None without a request (a service called from a command or a test) or an address.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def absolute_url(path=""):
    """`path` on the site's public address (`SITE_URL`): the one source of every link that
    leaves the site (emails, calendar files and feeds, activation and invitation links).

    Never the request's host: a link must not depend on the Host header a client sent, and
    a link in an email sent by the worker must match one the request's page showed.
    """
    return f"{settings.SITE_URL}{path}"


def loaded_user(request):
    """The request's user if something has already loaded it, else None; never queries.

    (Django loads `request.user` lazily, on first use.)
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = user.__dict__.get("_wrapped", user)
    return None if wrapped is empty else wrapped


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer to a logged-in person and on every
    API answer, so that neither a browser (its back button after log-out, its disk cache)
    nor a shared cache keeps a page or an answer with personal or medical data.

    Static files, the API's schema and its docs keep their own caching, and so do pages
    answered to anonymous visitors. Outermost in MIDDLEWARE, so that it sees each final
    response, whichever layer made it. It never queries: a user nothing loaded counts as
    logged in when the request carries a session cookie.
    """

    PUBLIC_API_VIEWS = {"api:schema", "api:docs"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        if self._private(request):
            response["Cache-Control"] = NO_STORE
        return response

    def _private(self, request):
        path = request.path_info
        if path.startswith(self.static_prefix):
            return False
        if path.startswith("/api/"):
            match = getattr(request, "resolver_match", None)
            return match is None or match.view_name not in self.PUBLIC_API_VIEWS
        if "user" not in request.__dict__:
            return False  # answered before the session was read (a redirect to HTTPS)
        user = loaded_user(request)
        if user is None:
            return settings.SESSION_COOKIE_NAME in request.COOKIES
        return user.is_authenticated


API_PREFIX = "/api/"


def is_api(request):
    """Whether the request is for the JSON API (under /api/)."""
    return request.path_info.startswith(API_PREFIX)


def browser_only(middleware):
    """The middleware class, made to let API requests straight through.

    The API takes no session, no cookies and no CSRF token, shows no messages and takes
    its language from the Accept-Language header alone (healthcare.core.browser): what
    serves browsers (sessions, the log-in from the session, CSRF, Django's language
    negotiation, messages, htmx) is skipped under /api/,
    whose authentication is DRF's. A subclass, so Django's checks still find the
    middleware they look for. Headers every answer carries (security, Cache-Control,
    request id) come from middleware that stays on the API's path.
    """

    class BrowserOnly(middleware):
        def __call__(self, request):
            if is_api(request):
                return self.get_response(request)
            return super().__call__(request)

    if hasattr(middleware, "process_view"):

        def process_view(self, request, view_func, view_args, view_kwargs):
            if is_api(request):
                return None
            return middleware.process_view(self, request, view_func, view_args, view_kwargs)

        BrowserOnly.process_view = process_view
    BrowserOnly.__name__ = BrowserOnly.__qualname__ = middleware.__name__
    BrowserOnly.__doc__ = middleware.__doc__
    return BrowserOnly
