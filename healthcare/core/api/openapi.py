"""The schema generator (settings' DEFAULT_SCHEMA_CLASS): drf-spectacular's, plus the errors
every endpoint that takes a body may answer.

Its own module, loaded only when the schema is made: drf-spectacular's generator imports
DRF's generic views, which load this package's pagination and exception handler.
"""

import functools

from drf_spectacular import openapi
from rest_framework.exceptions import ParseError

from healthcare.core.api.parsers import RequestTooLarge
from healthcare.core.api.schema import error_responses


@functools.cache
def body_errors():
    """What any JSON body may be answered with: 413 too large, 400 malformed or too deep."""
    return error_responses(RequestTooLarge, ParseError)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's generator; an operation that takes a body also documents 413 and
    the 400 `parse_error` (healthcare.core.api.parsers), whatever its @extend_schema says.

    Done where the responses are rendered, because @extend_schema's `responses` replace
    get_response_serializers() entirely.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not self._get_request_body():
            return responses
        for status_code, response in body_errors().items():
            code = str(status_code)
            rendered = self._get_response_for_code(response, code, direction=direction)
            if code not in responses:
                responses[code] = rendered
            else:  # e.g. 400 for invalid fields: one more example, parse_error
                examples = responses[code]["content"]["application/json"].setdefault("examples", {})
                examples.update(rendered["content"]["application/json"]["examples"])
        return responses
