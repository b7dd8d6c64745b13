"""Serializers and field validators about logins, shared by the API's endpoints.

A new login (signing up, or staff creating a doctor or a patient) is `NewLoginSerializer`
or, made by staff, `StaffNewLoginSerializer`; a profile whose login's name and phone
change with it is `ProfileWithLoginSerializer`. Self-registration never says whether an
address is taken; staff are told.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User, UserManager
from healthcare.core.api.fields import PhoneNumberField
from healthcare.core.validators import validate_single_line


class UserSerializer(serializers.ModelSerializer):
    """A login as the API shows it, with the id of its patient or doctor profile."""

    patient_id = serializers.IntegerField(
        source="patient.pk",
        read_only=True,
        allow_null=True,
        help_text=_("The caller's patient profile, or null if they are not a patient."),
    )
    doctor_id = serializers.IntegerField(
        source="doctor.pk",
        read_only=True,
        allow_null=True,
        help_text=_("The caller's doctor profile, or null if they are not a doctor."),
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "role",
            "patient_id",
            "doctor_id",
        ]
        read_only_fields = fields


def new_email(value):
    """A normalised email address nobody uses yet (case-insensitively).

    For staff-only endpoints (creating a doctor): clinic staff may know who is registered.
    Self-registration never says (see sign_up_patient).
    """
    email = UserManager.normalize_email(value)
    if User.objects.filter(email__iexact=email).exists():
        raise serializers.ValidationError(
            User._meta.get_field("email").error_messages["unique"], code="unique"
        )
    return email


def validate_new_password(password, *, email, first_name, last_name):
    """Django's password validators, against the would-be user (no password like one's name)."""
    would_be_user = User(email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=would_be_user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from exc


class NewLoginSerializer(serializers.Serializer):
    """The login of a new account. Its password must pass Django's validators against the
    would-be user (nothing like their name or address)."""

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150, validators=[validate_single_line])
    last_name = serializers.CharField(max_length=150, validators=[validate_single_line])
    phone = PhoneNumberField(default="")

    def validate_email(self, value):
        # Whether the address already has an account is not said here: see
        # StaffNewLoginSerializer, and patients.services.sign_up_patient.
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


class StaffNewLoginSerializer(NewLoginSerializer):
    """A login clinic staff create: they are told that an address is taken, and may leave the
    password out."""

    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        style={"input_type": "password"},
        help_text=_("Optional: without one, the person sets their own through password reset."),
    )

    def validate_email(self, value):
        return new_email(value)


class ProfileWithLoginSerializer(serializers.ModelSerializer):
    """A profile (a patient's, a doctor's) with its login's name and phone: changing them
    saves the login and the profile together."""

    first_name = serializers.CharField(
        source="user.first_name", max_length=150, validators=[validate_single_line]
    )
    last_name = serializers.CharField(
        source="user.last_name", max_length=150, validators=[validate_single_line]
    )
    phone = PhoneNumberField(source="user.phone")

    @transaction.atomic
    def update(self, instance, validated_data):
        account = validated_data.pop("user", {})
        if account:
            for name, value in account.items():
                setattr(instance.user, name, value)
            instance.user.save(update_fields=list(account))
        return super().update(instance, validated_data)
