"""Serializers that describe a patient or create one, for every API endpoint about patients."""

from django.db import IntegrityError
from rest_framework import serializers

from accounts.models import User, UserManager
from accounts.serializers import validate_new_password
from patients.forms import validate_date_of_birth
from patients.services import register_patient


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_date_of_birth]
    )

    def validate_email(self, value):
        # Whether the address already has an account is never said: see sign_up_patient.
        return UserManager.normalize_email(value)

    def validate(self, attrs):
        if attrs.get("password") is not None:
            validate_new_password(
                attrs["password"],
                email=attrs["email"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
            )
        return attrs


def register(data):
    """register_patient for staff-only endpoints; a lost race for the address is a field error."""
    try:
        return register_patient(**data)
    except IntegrityError as exc:
        raise serializers.ValidationError(
            {"email": [User._meta.get_field("email").error_messages["unique"]]}, code="unique"
        ) from exc
