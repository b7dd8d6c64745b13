"""Serializer fields the apps' APIs share."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from healthcare.core.phone import MAX_LENGTH, normalize_phone_number, validate_phone_number


class PhoneNumberField(serializers.CharField):
    """A phone number: validated as the forms do (healthcare.core.phone), answered as stored,
    and saved in the international format."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault(
            "help_text", _("A phone number; without a country code, one of the clinic's region.")
        )
        kwargs["validators"] = [*kwargs.get("validators", ()), validate_phone_number]
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return normalize_phone_number(super().to_internal_value(data))
