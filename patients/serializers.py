"""Serializers that describe a patient or create one, for every API endpoint about patients."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User, UserManager
from accounts.serializers import new_email, validate_new_password
from patients.forms import validate_date_of_birth
from patients.models import Patient
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


class PatientRefSerializer(serializers.ModelSerializer):
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name"]
        read_only_fields = fields


class PatientSummarySerializer(serializers.ModelSerializer):
    """What a list shows: who the patient is, not their medical details."""

    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "user_id", "email", "first_name", "last_name", "date_of_birth", "is_active"]
        read_only_fields = fields


class PatientSerializer(serializers.ModelSerializer):
    """A patient's whole profile. The email address and the login are not changed here."""

    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", max_length=150)
    last_name = serializers.CharField(source="user.last_name", max_length=150)
    phone = serializers.CharField(
        source="user.phone", max_length=32, required=False, allow_blank=True
    )
    is_active = serializers.BooleanField(
        source="user.is_active",
        read_only=True,
        help_text=_("False once clinic staff have retired the patient's login."),
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "user_id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "date_of_birth",
            "blood_type",
            "allergies",
            "medical_history",
            "emergency_contact_name",
            "emergency_contact_phone",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"date_of_birth": {"validators": [validate_date_of_birth]}}

    @transaction.atomic
    def update(self, instance, validated_data):
        account = validated_data.pop("user", {})
        if account:
            for name, value in account.items():
                setattr(instance.user, name, value)
            instance.user.save(update_fields=list(account))
        return super().update(instance, validated_data)


class PatientCreateSerializer(RegisterSerializer):
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        style={"input_type": "password"},
        help_text=_("Optional: without one, the patient sets their own through password reset."),
    )

    def validate_email(self, value):
        # Staff only: unlike self-registration, staff are told that an address is taken.
        return new_email(value)
