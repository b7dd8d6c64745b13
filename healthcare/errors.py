"""The base of every domain error the services raise.

Views turn a DomainError into a form error or message (HTML) or a JSON error with
its `code` (API); nothing else needs to know which rule was broken.
"""


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


class PermissionDenied(DomainError):
    """The actor may not do this to this object (answered as 404 by the views)."""

    code = "not_found"
    default_message = "Not found."
