"""What every API endpoint shares: pagination, the one error shape, permissions, the root.

Every error answered under /api/ has the same JSON body, documented as `Error` in the
schema:

    {"code": "slot_unavailable", "detail": "That time is no longer available…", "fields": {}}

`code` is machine-readable, `detail` is a sentence for people and `fields` maps a request
field to its messages (validation errors only; `{}` otherwise). HTTP statuses:

- 400 the request is malformed or a field is invalid (`invalid`, `parse_error`), and the
  domain errors that are about the input itself: `invalid`, `invalid_record`,
  `reason_required`, `nothing_changed`, or any domain error that names fields;
- 401 no, an expired or a revoked token (`not_authenticated`, `token_not_valid`, …);
- 403 the caller's role may not do this at all (`permission_denied`);
- 404 the object does not exist *or the caller may not see it* (`not_found`): a
  forbidden object is never distinguished from a missing one, so the services'
  `healthcare.errors.PermissionDenied` is answered as 404 too;
- 405 `method_not_allowed`, 406 `not_acceptable`, 415 `unsupported_media_type`;
- 409 every other domain error: the request is well formed but the clinic's rules refuse
  it in the current state (`slot_unavailable`, `invalid_transition`, `cutoff_passed`,
  `not_accepting_patients`, `record_exists`, `time_off_conflict`, …);
- 429 `throttled`: a rate limit (healthcare/ratelimits.py) is used up; Retry-After says
  how many seconds to wait;
- 503 `unavailable`: the rate limiter cannot count (Redis down) on a log-in or password
  endpoint, which then refuses rather than let guesses through (Retry-After too);
- 500 `server_error` (logged like any unhandled Django error; never an HTML page).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView, set_rollback

from healthcare.errors import DomainError, NotAllowed, PermissionDenied
from healthcare.ratelimits import LimiterUnavailable, RateLimited

# Domain error codes answered with something other than 409 Conflict.
DOMAIN_ERROR_STATUS = {
    PermissionDenied.code: status.HTTP_404_NOT_FOUND,
    NotAllowed.code: status.HTTP_403_FORBIDDEN,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "invalid_record": status.HTTP_400_BAD_REQUEST,
    "reason_required": status.HTTP_400_BAD_REQUEST,
    "nothing_changed": status.HTTP_400_BAD_REQUEST,
}
# Domain errors about one request field that the service does not name itself.
DOMAIN_ERROR_FIELD = {"reason_required": "reason"}


class Pagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (up to 100); answers count/next/previous/results."""

    page_size_query_param = "page_size"
    max_page_size = 100


class ErrorSerializer(serializers.Serializer):
    """The body of every error response of the API."""

    code = serializers.CharField(help_text=gettext_lazy("Machine-readable error code."))
    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, for people."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy(
            "Messages per request field (dotted paths for nested ones); empty unless the "
            "request had invalid fields."
        ),
    )

    class Meta:
        ref_name = "Error"


def error_body(code, detail, fields=None):
    return {"code": str(code), "detail": str(detail), "fields": fields or {}}


def _flatten(detail, prefix=""):
    """DRF's nested error detail as {"field": [messages]}, nested fields as dotted paths."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                flat.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat.setdefault(prefix, []).append(str(detail))
    return flat


def _api_exception_body(exc):
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail)
        general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, []) + fields.pop("", [])
        message = " ".join(general) or _("Some fields are not valid; see `fields`.")
        return error_body("invalid", message, fields)
    code = exc.default_code
    if isinstance(detail, dict):
        # simplejwt answers {"detail": …, "code": …, "messages": […]} for a bad token.
        code = detail.get("code", code)
        detail = detail.get("detail", exc.default_detail)
    elif isinstance(detail, list):
        detail = " ".join(str(item) for item in detail)
    else:
        code = getattr(detail, "code", None) or code
    return error_body(code, detail)


def _domain_error_response(exc):
    if isinstance(exc, PermissionDenied):
        # Whatever the service's reason, the caller learns only that there is nothing here.
        return Response(error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)
    status_code = DOMAIN_ERROR_STATUS.get(exc.code, status.HTTP_409_CONFLICT)
    fields = {
        name: [str(m) for m in messages] if isinstance(messages, list | tuple) else [str(messages)]
        for name, messages in exc.fields.items()
    }
    if not fields and exc.code in DOMAIN_ERROR_FIELD:
        fields = {DOMAIN_ERROR_FIELD[exc.code]: [exc.message]}
    if fields:
        status_code = status.HTTP_400_BAD_REQUEST
    return Response(error_body(exc.code, exc.message, fields), status=status_code)


def exception_handler(exc, context):
    """Answer every exception raised in an API view with the one error shape."""
    if isinstance(exc, DomainError):
        set_rollback()
        return _domain_error_response(exc)
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(
            wait=exc.retry_after, detail=_("Too many attempts. Please wait and try again.")
        )
    elif isinstance(exc, LimiterUnavailable):
        set_rollback()
        return Response(
            error_body("unavailable", _("This is briefly unavailable. Please try again shortly.")),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        set_rollback()
        return Response(_api_exception_body(exc), status=exc.status_code, headers=headers)

    # A bug. Tell Django's usual listeners (the test client re-raises it) and log it as
    # Django would, but still answer JSON: no HTML page under /api/.
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    got_request_exception.send(sender=None, request=django_request)
    response = Response(
        error_body("server_error", _("Something went wrong on our side. Please try again.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
    log_response(
        "Internal Server Error: %s",
        getattr(django_request, "path", ""),
        response=response,
        request=django_request,
        exception=exc,
    )
    set_rollback()
    return response


ERROR_DESCRIPTIONS = {
    400: gettext_lazy("The request is not valid; `fields` says which field and why."),
    401: gettext_lazy("No valid access token: missing, expired or revoked."),
    403: gettext_lazy("The caller's role may not do this."),
    404: gettext_lazy("Not found, or not visible to the caller (the two are not told apart)."),
    409: gettext_lazy("The clinic's rules refuse this now; `code` says which rule."),
    429: gettext_lazy("Too many requests; retry after the Retry-After header's seconds."),
    503: gettext_lazy("The rate limiter cannot count right now; retry after Retry-After."),
}
ERROR_EXAMPLES = {
    400: (
        "invalid",
        "Some fields are not valid; see `fields`.",
        {"start": ["This field is required."]},
    ),
    401: ("not_authenticated", "Authentication credentials were not provided.", {}),
    403: ("permission_denied", "You do not have permission to perform this action.", {}),
    404: ("not_found", "Not found.", {}),
    409: ("invalid_transition", "This appointment cannot be changed that way now.", {}),
    429: (
        "throttled",
        "Too many attempts. Please wait and try again. Expected available in 42 seconds.",
        {},
    ),
    503: ("unavailable", "This is briefly unavailable. Please try again shortly.", {}),
}


def error_responses(*statuses, examples=None):
    """`responses` entries for @extend_schema: the Error body for each status, with examples.

    `examples` maps a status to (code, detail, fields) triples replacing the generic one.
    """
    examples = examples or {}
    responses = {}
    for status_code in statuses:
        triples = examples.get(status_code) or [ERROR_EXAMPLES[status_code]]
        responses[status_code] = OpenApiResponse(
            ErrorSerializer,
            description=ERROR_DESCRIPTIONS[status_code],
            examples=[
                OpenApiExample(
                    code,
                    value=error_body(code, detail, fields),
                    response_only=True,
                    status_codes=[str(status_code)],
                )
                for code, detail, fields in triples
            ],
        )
    return responses


class IsClinicStaff(BasePermission):
    message = gettext_lazy("Only clinic staff can do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_clinic_staff)


class ApiRootSerializer(serializers.Serializer):
    register = serializers.URLField()
    token = serializers.URLField()
    token_refresh = serializers.URLField()
    logout = serializers.URLField()
    me = serializers.URLField()
    patients = serializers.URLField()
    doctors = serializers.URLField()
    appointments = serializers.URLField()
    medical_records = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiRootView(APIView):
    """Where everything is: links to the collections, the token endpoints and the docs."""

    authentication_classes = []
    permission_classes = [AllowAny]

    LINKS = {
        "register": "api:auth-register",
        "token": "api:auth-token",  # nosec B105 (a URL name, not a secret)
        "token_refresh": "api:auth-token-refresh",  # nosec B105 (a URL name, not a secret)
        "logout": "api:auth-logout",
        "me": "api:auth-me",
        "patients": "api:patient-list",
        "doctors": "api:doctor-list",
        "appointments": "api:appointment-list",
        "medical_records": "api:record-list",
        "schema": "api:schema",
        "docs": "api:docs",
    }

    def get(self, request):
        return Response({key: reverse(name, request=request) for key, name in self.LINKS.items()})


class ApiRootSchema(OpenApiViewExtension):
    """Documents ApiRootView.

    Not with @extend_schema on the view: this module is DRF's pagination setting, so it is
    imported while rest_framework.generics is still loading, and @extend_schema would load
    drf-spectacular's AutoSchema (which needs generics) right then. Extensions are applied
    only when the schema is generated.
    """

    target_class = ApiRootView

    def view_replacement(self):
        class DocumentedApiRootView(self.target_class):
            @extend_schema(
                operation_id="api_root",
                summary="Links to every part of the API",
                responses={200: ApiRootSerializer},
                auth=[],
                tags=["api"],
            )
            def get(self, request):
                return super().get(request)

        return DocumentedApiRootView


class NotFoundView(APIView):
    """Any other address under /api/: a JSON 404 whatever the method, never an HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    schema = None

    def not_found(self, request, *args, **kwargs):
        path = request.path
        other = path[:-1] if path.endswith("/") else f"{path}/"
        try:
            resolved = resolve(other)
        except Resolver404:
            resolved = None
        if resolved is not None and getattr(resolved.func, "view_class", None) is not type(self):
            raise exceptions.NotFound(
                _("No API endpoint at this address. Did you mean %(path)s?") % {"path": other}
            )
        raise exceptions.NotFound(_("No API endpoint at this address."))

    get = post = put = patch = delete = head = options = trace = not_found
