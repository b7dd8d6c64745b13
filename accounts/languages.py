"""The language a person reads the site and their emails in.

A visitor chooses with the switcher in every page's footer (`set_language`, Django's own
view: it keeps the choice in the language cookie and goes back to the page they were on).
A logged-in person's choice is also kept on their account (`User.language`), so that it
follows them to every browser and the task worker writes their emails in it
(`User.language_code`). The choice at hand wins: switching saves it on the account, and
logging in after choosing on the log-in page keeps that; otherwise the account's language
applies as soon as they log in.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from healthcare.core.http import browser_only, is_api


def chosen_language(request):
    """The language the visitor chose with the switcher (its cookie), if still offered."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return code if code in dict(settings.LANGUAGES) else None


def _keep(user, code):
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])


@require_POST
def set_language(request):
    """Django's switcher view; for a logged-in person the choice is kept on the account."""
    response = django_set_language(request)
    code = request.POST.get("language")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        _keep(request.user, code)
    return response


@receiver(user_logged_in, dispatch_uid="language_at_login")
def keep_language_chosen_before_login(sender, request, user, **kwargs):
    if request is None or is_api(request):
        return
    code = chosen_language(request)
    if code:
        _keep(user, code)


class _UserLanguageMiddleware:
    """Pages for a logged-in person are in their account's language (after
    AuthenticationMiddleware; LocaleMiddleware, outside it, then says which in
    Content-Language). The cookie is set to it too, so the log-out page agrees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        # Only a request with a session can be logged in: no user is loaded for others.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            language = request.user.language_code if request.user.language else None
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        already_set = settings.LANGUAGE_COOKIE_NAME in response.cookies  # by the switcher
        if language and not already_set and chosen_language(request) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


UserLanguageMiddleware = browser_only(_UserLanguageMiddleware)
