"""Schema helpers: the documented error responses of an endpoint, with examples."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from healthcare.core.api.errors import ErrorSerializer, error_body

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
