"""Serializer fields the apps' APIs share."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

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


class UnloadedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related object's id, checked for its type and range but not looked up: validated
    data holds `Model(pk=…)`, for a service that loads (and locks) the object itself, so
    the request does not read the row twice. Where the service finds no such row (it
    raises Model.DoesNotExist), the view calls `not_found`: the same 400 that
    PrimaryKeyRelatedField gives; when other fields fail, `add_not_found` looks the id up
    so that the 400 names every field at once, as before. The schema is
    PrimaryKeyRelatedField's."""

    def to_internal_value(self, data):
        model = self.queryset.model
        field = model._meta.pk
        try:
            if isinstance(data, bool):
                raise TypeError
            pk = field.to_python(data)
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        low, high = connections[router.db_for_read(model)].ops.integer_field_range(
            field.get_internal_type()
        )
        if pk is None or (low is not None and pk < low) or (high is not None and pk > high):
            self.fail("does_not_exist", pk_value=data)
        return model(pk=pk)

    def _message(self, pk):
        return self.error_messages["does_not_exist"].format(pk_value=pk)

    def not_found(self, obj):
        """Raise the field's "does not exist" error for `obj`, as the serializer would."""
        raise serializers.ValidationError(
            {self.field_name: [self._message(obj.pk)]}, code="does_not_exist"
        )

    def add_not_found(self, error, data):
        """Add this field's "does not exist" to a serializer's ValidationError about other
        fields, if the id in `data` (valid so far) names no row."""
        if not isinstance(data, Mapping) or not isinstance(error.detail, Mapping):
            return  # not an object at all: the serializer's own error says so
        if self.field_name in error.detail or self.field_name not in data:
            return
        pk = self.to_internal_value(data[self.field_name]).pk
        if not self.queryset.filter(pk=pk).exists():
            error.detail[self.field_name] = [
                ErrorDetail(self._message(data[self.field_name]), code="does_not_exist")
            ]
