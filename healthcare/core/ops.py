"""Running the app in production: request logs with an id, /healthz, failing fast.

- `RequestLogMiddleware` (outermost): takes the caller's `X-Request-ID` (or makes one),
  sends it back on the response and writes one JSON line per request to the
  `healthcare.request` logger: method, path, status, duration in ms, user id, request id.
- `DatabaseUnavailableMiddleware`: while PostgreSQL is down or restarting, a request that
  needs it gets a quick 503 (JSON under /api/, a plain page elsewhere) with Retry-After,
  instead of a 500. It catches the error from a view (`process_exception`) and, through
  Django's `got_request_exception` signal, from any other layer (a middleware, or an API
  view whose own exception handler already answered 500).
- `healthz`: 200 when the database and the cache both answer, else 503 with which one
  failed. The timeouts that make it (and every request) fail fast are in settings:
  `connect_timeout` for PostgreSQL, socket timeouts for Redis.
- `ceiling`: the cheapest Django JSON view (no database, no cache), which the load
  benchmark measures on the same server so that its figures are ratios.
"""

import json
import logging
import re
import sys
import time
import uuid

from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from healthcare.core.http import loaded_user

request_log = logging.getLogger("healthcare.request")
log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is short and plain (it ends up in every log line).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_HTML = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    "<title>Service unavailable</title></head><body><main><h1>Service unavailable</h1>"
    "<p>The clinic's system is briefly unavailable. Please try again in a moment.</p>"
    "</main></body></html>"
)


def _user_id(request):
    """The user's id if the request already loaded the user; never queries for it."""
    return getattr(loaded_user(request), "pk", None)


def _loggable_path(request):
    """The path, with secrets carried in it (feed, activation, reset tokens) blanked out.

    Whoever reads the logs must not be able to subscribe to a patient's calendar or
    take over an account.
    """
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in ("token", "uidb64"):
            value = match.kwargs.get(name)
            if value:
                path = path.replace(str(value), "[redacted]")
    return path


class RequestLogMiddleware:
    """X-Request-ID in and out, and one JSON log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        if getattr(request, "_database_unavailable", False) and response.status_code == 500:
            response = database_unavailable_response(request)
        response[REQUEST_ID_HEADER] = request.id
        if request_log.isEnabledFor(logging.INFO):
            request_log.info(
                json.dumps(
                    {
                        "request_id": request.id,
                        "method": request.method,
                        "path": _loggable_path(request),
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": _user_id(request),
                    },
                    separators=(",", ":"),
                )
            )
        return response


def database_unavailable_response(request):
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {
                "code": "service_unavailable",
                "detail": _("The service is briefly unavailable. Please try again."),
                "fields": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(UNAVAILABLE_HTML, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 quickly, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            log.warning(
                "Database unavailable on %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable_response(request)
        return None


@receiver(got_request_exception)
def _mark_database_unavailable(sender, request=None, **kwargs):
    """Errors outside a view (a middleware, an API view's own handler) reach this signal."""
    if request is not None and isinstance(sys.exception(), DATABASE_ERRORS):
        request._database_unavailable = True


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


@never_cache
def healthz(request):
    """200 {"status": "ok", ...} when the database and the cache answer; else 503."""
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure is reported, none escapes as a 500
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
        else:
            checks[name] = {"ok": True}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def ceiling(request):
    """The cheapest Django JSON view: the benchmark's reference for what the server can do."""
    return JsonResponse({"ok": True})
