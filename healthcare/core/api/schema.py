"""Schema helpers: the documented error responses of an endpoint, with examples made from
the exceptions themselves, so an example never disagrees with what the API answers."""

from collections import Counter
from functools import partial

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers

from healthcare.core.api.errors import ErrorSerializer, error_response
from healthcare.core.ratelimits import LimiterUnavailable, RateLimited

ERROR_DESCRIPTIONS = {
    400: gettext_lazy("The request is not valid; `fields` says which field and why."),
    401: gettext_lazy("No valid access token: missing, expired or revoked."),
    403: gettext_lazy("The caller's role may not do this."),
    404: gettext_lazy("Not found, or not visible to the caller (the two are not told apart)."),
    409: gettext_lazy("The clinic's rules refuse this now; `code` says which rule."),
    413: gettext_lazy("The request body is larger than the API accepts."),
    429: gettext_lazy("Too many requests; retry after the Retry-After header's seconds."),
    503: gettext_lazy("The rate limiter cannot count right now; retry after Retry-After."),
}


class ErrorExample(OpenApiExample):
    """An example error body: what the API answers for the exception `make()` returns.

    Made anew each time the schema is generated, so it is in the reader's language and
    follows the settings (a cut-off, a limit) rather than what they were at import.
    """

    # Every one made, so that a test can hold each published example to its exception.
    made = []

    def __init__(self, make, name, status_code):
        self.make = make
        super().__init__(name, response_only=True, status_codes=[str(status_code)])
        ErrorExample.made.append(self)

    @property
    def value(self):
        return error_response(self.make()).data

    @value.setter
    def value(self, value):
        # OpenApiExample.__init__ sets it (to "empty"); the value is always made from `make`.
        pass


def error_responses(*errors):
    """`responses` entries for @extend_schema: the Error body under each status that `errors`
    are answered with, with one example for each.

    Each of `errors` is called with no arguments to make the exception: an exception
    class (the example shows its default message), or a function returning one (for
    another message or fields, e.g. `invalid("start")`).
    """
    by_status = {}
    for make in errors:
        response = error_response(make())
        by_status.setdefault(response.status_code, []).append((response.data["code"], make))
    return {
        status_code: OpenApiResponse(
            ErrorSerializer,
            description=ERROR_DESCRIPTIONS[status_code],
            examples=_examples(status_code, made),
        )
        for status_code, made in sorted(by_status.items())
    }


def _examples(status_code, made):
    # The schema keys examples by name: a second one with the same code gets a number.
    seen = Counter()
    examples = []
    for code, make in made:
        seen[code] += 1
        name = code if seen[code] == 1 else f"{code} {seen[code]}"
        examples.append(ErrorExample(make, name, status_code))
    return examples


def invalid(field, message=serializers.Field.default_error_messages["required"], **params):
    """A request whose `field` is invalid, for error_responses(): by default it is missing;
    or a DRF field's error message, with the values of its {placeholders} in `params`."""
    return partial(exceptions.ValidationError, {field: [format_lazy(message, **params)]})


def rate_limited():
    """A used-up rate limit (healthcare.core.ratelimits), for error_responses()."""
    return RateLimited("example", retry_after=42)


def limiter_unavailable():
    """A rate limit that cannot count and fails closed, for error_responses()."""
    return LimiterUnavailable("example")
