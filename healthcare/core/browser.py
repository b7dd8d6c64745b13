"""Django's middleware that serves browsers only, skipped by API requests (see
healthcare.core.http.browser_only); settings.MIDDLEWARE names these in Django's places."""

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import locale
from django.utils import translation
from django_htmx import middleware as htmx

from healthcare.core.http import browser_only, is_api

SessionMiddleware = browser_only(sessions.SessionMiddleware)


class LocaleMiddleware(browser_only(locale.LocaleMiddleware)):
    """Language negotiation for pages; the API answers in LANGUAGE_CODE, whatever a page
    served by this thread before chose."""

    def __call__(self, request):
        if is_api(request):
            translation.activate(settings.LANGUAGE_CODE)
        return super().__call__(request)


AuthenticationMiddleware = browser_only(auth.AuthenticationMiddleware)
MessageMiddleware = browser_only(messages.MessageMiddleware)
HtmxMiddleware = browser_only(htmx.HtmxMiddleware)
