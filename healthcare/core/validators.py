"""Validators every app's models, forms and serializers share."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control characters (CR, LF, NUL, tab, escape, DEL, C1 controls such as NEL) and the
# Unicode line and paragraph separators: anything that breaks a line or steers a terminal.
_NOT_ON_ONE_LINE = {"Cc", "Zl", "Zp"}


def validate_single_line(value):
    """Refuse control characters and line breaks in a single-line field (a name, a phone).

    Such a value would write extra lines into the plain-text emails, calendar files and
    logs it is copied into; a form shows the error on the field, the API names it in
    `fields`. Multi-line fields (a reason for a visit, a record) do not use this.
    """
    if any(unicodedata.category(char) in _NOT_ON_ONE_LINE for char in str(value)):
        raise ValidationError(
            _("Please write this on one line, without control characters."),
            code="control_characters",
        )
