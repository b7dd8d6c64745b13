"""The base of every domain error the services raise, the "not visible" error, and the
one rule every service applies to a free-text reason.

Views turn a DomainError into a form error or message (HTML) or a JSON error with
its `code` (API); nothing else needs to know which rule was broken.

NotVisible is not a DomainError: it is Django's Http404, so an HTML view, the admin and
the API (as `not_found`) all answer 404 by themselves, and an object a user may not see
is never told apart from one that does not exist.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class DomainError(Exception):
    code = "invalid"
    default_message = gettext_lazy("The request could not be completed.")

    def __init__(self, message=None, *, code=None, fields=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        # Per-field messages ({"diagnosis": "..."}), for forms and the API's `fields`.
        self.fields = fields or {}
        super().__init__(self.message)

    def __str__(self):
        return self.message


class NotAllowed(DomainError):
    """The actor may see the object but their role may not do this (API: 403)."""

    code = "permission_denied"
    default_message = gettext_lazy("You may not do this.")


class NotVisible(Http404):
    """The actor may not see this object, so for them it does not exist: a 404 everywhere."""


class ReasonTooLong(DomainError):
    """A reason longer than the field that keeps it: refused, never cut (API: 400 with
    `fields.reason`; a form shows it on its reason field)."""

    code = "invalid"

    def __init__(self, limit):
        message = _("Please keep the reason to %(limit)d characters or fewer.") % {"limit": limit}
        super().__init__(message, fields={"reason": message})


def clean_reason(reason, *, limit):
    """`reason` without surrounding whitespace; ReasonTooLong if it is longer than `limit`.

    A reason is read whole by someone (the patient told why a visit is cancelled, the
    reviewer of an amendment), so one that does not fit is refused, never shortened.
    """
    reason = (reason or "").strip()
    if len(reason) > limit:
        raise ReasonTooLong(limit)
    return reason
