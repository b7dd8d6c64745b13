"""Serializers and field validators about logins, shared by the API's endpoints.

`new_email` and `validate_new_password` check a login that staff create through the API
(a doctor's, a patient's); self-registration never says whether an address is taken.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User, UserManager


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
