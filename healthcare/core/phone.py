"""Phone numbers: validated and written the same way everywhere (Google's libphonenumber).

A number without a country code is read as one of the clinic's region
(`CLINIC_PHONE_REGION`, an ISO 3166 code such as "GB"); a valid number is kept in the
international format ("+44 20 7946 0000"), which every phone and every country reads.
Numbers saved before this check may not be valid: the migration keeps them as they were,
pages show them as they are, and the next save of a form with the field asks for a valid
number (on that field, with an example).
"""

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from healthcare.core.validators import validate_single_line

MAX_LENGTH = 32


def parse_phone_number(value):
    """The number `value` writes, or None when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(str(value), settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalize_phone_number(value):
    """A valid number in the international format; anything else unchanged (stripped)."""
    value = (value or "").strip()
    number = parse_phone_number(value) if value else None
    if number is None:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone_number(value):
    """Refuse what is not a phone number of the clinic's region or with a country code."""
    validate_single_line(value)
    if value and parse_phone_number(value) is None:
        raise ValidationError(
            _(
                "Please enter a valid phone number, e.g. %(example)s, or with a country "
                "code such as +44."
            ),
            code="invalid_phone",
            params={"example": example_phone_number()},
        )


def example_phone_number():
    """A sample number of the clinic's region, as people there write it."""
    number = phonenumbers.example_number(settings.CLINIC_PHONE_REGION)
    if number is None:
        return "+44 20 7946 0000"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class PhoneNumberFormField(forms.CharField):
    """A phone number in a form: a `tel` input, validated and saved in international format."""

    default_validators = [validate_phone_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_phone_number(super().clean(value))


class PhoneNumberField(models.CharField):
    """A stored phone number (see the module's docstring): its forms use PhoneNumberFormField."""

    default_validators = [validate_phone_number]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneNumberFormField, **kwargs})
