"""The API's JSON parser (settings' DEFAULT_PARSER_CLASSES): bounded in size and depth.

DRF's own parser reads the whole body into memory and hands it to `json`, so a 7 MB
body or 50,000 levels of nesting ended as a 500 with a traceback. This one refuses a
body over `API_MAX_BODY_BYTES` before reading it (413 `request_too_large`; a body whose
Content-Length understates it is read one byte past the limit and no further) and JSON
nested deeper than `API_MAX_JSON_DEPTH` before decoding it (400 `parse_error`).
"""

import codecs
import itertools
import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import renderers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.utils import json

# A JSON string (with its escapes): brackets inside one are text, not nesting.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = gettext_lazy("The request body is too large.")


def json_depth(text):
    """How deeply the JSON `text` nests arrays and objects (0 for a bare value).

    Counted on the text, before decoding, so a deep body costs a scan and never a
    recursion; exact for valid JSON (invalid JSON is refused by the decoder anyway).
    """
    brackets = _BRACKETS.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


class JSONParser(BaseParser):
    """JSON bodies, at most API_MAX_BODY_BYTES long and API_MAX_JSON_DEPTH deep.

    Not a subclass of DRF's JSONParser on purpose: DRF reads `request.body` whole before
    calling that one; any other parser gets the stream, to read as much as it decides.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.API_MAX_BODY_BYTES
        request = parser_context.get("request")
        meta = getattr(request, "META", {})
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            declared = 0
        if declared > limit:
            raise RequestTooLarge()
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge()
        encoding = get_encoding(parser_context)
        try:
            text = codecs.decode(body, encoding)
        except UnicodeError as exc:
            raise ParseError(_("JSON parse error - %(detail)s") % {"detail": exc}) from exc
        if json_depth(text) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(
                _("JSON parse error - nested more than %(depth)d levels deep.")
                % {"depth": settings.API_MAX_JSON_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(detail)s") % {"detail": exc}) from exc
