"""The base of every domain error the services raise, and the "not visible" error.

Views turn a DomainError into a form error or message (HTML) or a JSON error with
its `code` (API); nothing else needs to know which rule was broken.

NotVisible is not a DomainError: it is Django's Http404, so an HTML view, the admin and
the API (as `not_found`) all answer 404 by themselves, and an object a user may not see
is never told apart from one that does not exist.
"""

from django.http import Http404


class DomainError(Exception):
    code = "invalid"
    default_message = "The request could not be completed."

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
    default_message = "You may not do this."


class NotVisible(Http404):
    """The actor may not see this object, so for them it does not exist: a 404 everywhere."""
