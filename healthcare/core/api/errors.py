"""The API's one error shape (`Error` in the schema) and the exception handler that
answers every exception raised in an API view with it (settings' EXCEPTION_HANDLER).

The shape and the status of each kind of error are described in healthcare.core.api.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from healthcare.core.api.parsers import RequestTooLarge
from healthcare.core.errors import DomainError, NotAllowed
from healthcare.core.ratelimits import LimiterUnavailable, RateLimited

# Domain error codes answered with something other than 409 Conflict.
DOMAIN_ERROR_STATUS = {
    NotAllowed.code: status.HTTP_403_FORBIDDEN,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "invalid_record": status.HTTP_400_BAD_REQUEST,
    "reason_required": status.HTTP_400_BAD_REQUEST,
    "nothing_changed": status.HTTP_400_BAD_REQUEST,
}
# Domain errors about one request field that the service does not name itself.
DOMAIN_ERROR_FIELD = {"reason_required": "reason"}


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


def error_response(exc):
    """The answer to an exception the API expects (a domain error, a rate limit, a 404, any
    DRF exception), or None for any other exception: a bug.

    The exception handler answers with it, and the schema's error examples are made with
    it (healthcare.core.api.schema), so an example is always what the API answers.
    """
    if isinstance(exc, DomainError):
        return _domain_error_response(exc)
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(
            wait=exc.retry_after, detail=_("Too many attempts. Please wait and try again.")
        )
    elif isinstance(exc, LimiterUnavailable):
        return Response(
            error_body("unavailable", _("This is briefly unavailable. Please try again shortly.")),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):  # something read the body before the parser
        exc = RequestTooLarge()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(_api_exception_body(exc), status=exc.status_code, headers=headers)


def exception_handler(exc, context):
    """Answer every exception raised in an API view with the one error shape."""
    response = error_response(exc)
    if response is not None:
        set_rollback()
        return response

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
