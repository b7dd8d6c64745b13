"""Serializers that describe a patient or create one, for every API endpoint about patients."""

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from accounts.models import User
from accounts.serializers import (
    NewLoginSerializer,
    ProfileWithLoginSerializer,
    StaffNewLoginSerializer,
)
from healthcare.core.api.fields import PhoneNumberField
from patients.forms import validate_date_of_birth
from patients.models import Guardianship, Patient
from patients.permissions import sees_clinical_content
from patients.services import register_patient


class RegisterSerializer(NewLoginSerializer):
    """Signing up as a patient: a new login and the patient's date of birth."""

    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_date_of_birth]
    )


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
    email = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "user_id", "email", "first_name", "last_name", "date_of_birth", "is_active"]
        read_only_fields = fields


class PatientSerializer(ProfileWithLoginSerializer):
    """A patient's whole profile. The email address and the login are not changed here.

    Staff whose role does not read clinical content get it without the medical details
    (blood type, allergies, history: left out of the answer) and may not change them.
    """

    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    emergency_contact_phone = PhoneNumberField()
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

    def _sees_clinical_content(self):
        request = self.context.get("request")
        return request is None or sees_clinical_content(request.user)

    def to_representation(self, patient):
        data = super().to_representation(patient)
        if not self._sees_clinical_content():
            for name in Patient.CLINICAL_FIELDS:
                data.pop(name, None)
        return data

    def validate(self, attrs):
        if not self._sees_clinical_content() and set(Patient.CLINICAL_FIELDS) & set(attrs):
            raise exceptions.PermissionDenied(_("Your role may not change medical details."))
        return super().validate(attrs)


class PatientCreateSerializer(StaffNewLoginSerializer, RegisterSerializer):
    """Clinic staff creating a patient: the sign-up's fields, with the staff's login rules."""


class DependantSerializer(serializers.ModelSerializer):
    """A family member whose care the caller manages; `id` is their patient id, which
    booking takes as `patient`."""

    id = serializers.IntegerField(source="dependant.pk", read_only=True)
    first_name = serializers.CharField(source="dependant.user.first_name", read_only=True)
    last_name = serializers.CharField(source="dependant.user.last_name", read_only=True)
    date_of_birth = serializers.DateField(
        source="dependant.date_of_birth", read_only=True, allow_null=True
    )

    class Meta:
        model = Guardianship
        fields = ["id", "first_name", "last_name", "date_of_birth", "relationship"]
        read_only_fields = fields
