"""Django's middleware that serves browsers only, skipped by API requests (see
healthcare.core.http.browser_only); settings.MIDDLEWARE names these in Django's places."""

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from django_htmx import middleware as htmx

from healthcare.core.http import browser_only, is_api

SessionMiddleware = browser_only(sessions.SessionMiddleware)


def language_from_header(header):
    """The supported language an Accept-Language header asks for first; LANGUAGE_CODE if
    it names none (or is absent). Cookies and the URL play no part: the API's choice."""
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LocaleMiddleware(browser_only(locale.LocaleMiddleware)):
    """Language negotiation for pages (the switcher's cookie, then Accept-Language).

    The API takes its language from the Accept-Language header alone, at the cost of
    parsing one header (both steps cached by Django), not Django's whole negotiation; it
    says so with `Vary: Accept-Language` and `Content-Language`. Whatever a page served by
    this thread before chose, an API request without the header is in LANGUAGE_CODE.
    """

    def __call__(self, request):
        if not is_api(request):
            return super().__call__(request)
        language = language_from_header(request.headers.get("Accept-Language"))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


AuthenticationMiddleware = browser_only(auth.AuthenticationMiddleware)
MessageMiddleware = browser_only(messages.MessageMiddleware)
HtmxMiddleware = browser_only(htmx.HtmxMiddleware)
