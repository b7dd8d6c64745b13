"""The API's patient profiles: who may list, read, change, create and retire them.

Visibility is Patient.objects.visible_to: staff see everyone, a doctor the patients who
have or had a (non-cancelled) appointment with them, a patient only themself; anything
else is 404. Writes: a patient changes their own profile, staff change anyone's and create
patients; doctors only read. Lists show a summary; the full profile (medical details) is
read one patient at a time, and each such read by someone other than the patient is
written to the access log, as is each change.

DELETE does not destroy anything: a patient's appointments and records must be kept (and
their foreign keys protect them), so "deleting" a patient deactivates their login. They
can no longer log in or use their tokens; staff still see the profile, with is_active
false.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.serializers import new_email
from appointments.services import retire_user
from healthcare.core.api.schema import error_responses
from healthcare.core.http import client_ip
from healthcare.core.ratelimits import hit
from patients.forms import validate_date_of_birth
from patients.models import Patient
from patients.serializers import RegisterSerializer, register
from patients.services import sign_up_patient
from records.models import AccessLog
from records.services import log_access

SIGN_UP_ACCEPTED = _(
    "We have sent a message to this address: open its link to activate the account. If "
    "the address already has an account, the message says so instead."
)


REGISTER_EXAMPLE = {
    "email": "ada@example.org",
    "password": "correct-horse-battery-staple",  # nosec B105 (an example in the API docs)
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0000",
    "date_of_birth": "1985-12-10",
}


class SignUpAcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RegisterView(generics.GenericAPIView):
    """Sign up as a patient. Nobody can register as a doctor or as clinic staff.

    The answer is 202 with the same message whether or not the address already has an
    account; the account is active once the emailed link is followed.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = RegisterSerializer

    @extend_schema(
        operation_id="auth_register",
        summary="Register as a patient",
        request=RegisterSerializer,
        responses={
            202: SignUpAcceptedSerializer,
            **error_responses(
                400,
                429,
                examples={
                    400: [
                        (
                            "invalid",
                            "Some fields are not valid; see `fields`.",
                            {"password": ["This password is too common."]},
                        )
                    ]
                },
            ),
        },
        examples=[
            OpenApiExample("A new patient", value=REGISTER_EXAMPLE, request_only=True),
            OpenApiExample("Accepted", value={"detail": str(SIGN_UP_ACCEPTED)}, response_only=True),
        ],
        auth=[],
    )
    def post(self, request):
        hit(request, "register-ip")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sign_up_patient(**serializer.validated_data, absolute_url=request.build_absolute_uri)
        return Response({"detail": str(SIGN_UP_ACCEPTED)}, status=status.HTTP_202_ACCEPTED)


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


PATIENT_EXAMPLE = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0000",
    "date_of_birth": "1985-12-10",
    "blood_type": "O+",
    "allergies": "Penicillin",
    "medical_history": "",
    "emergency_contact_name": "Mary Somerville",
    "emergency_contact_phone": "+44 20 7946 0001",
}


def visible_patients(user):
    return Patient.objects.visible_to(user).select_related("user")


class PatientListView(generics.ListAPIView):
    """The patients the caller may see (summaries), and, for staff, creating one."""

    serializer_class = PatientSummarySerializer

    def get_queryset(self):
        return visible_patients(self.request.user).order_by(
            "user__last_name", "user__first_name", "pk"
        )

    @extend_schema(
        operation_id="patients_list",
        summary="List the patients the caller may see",
        description=_(
            "Staff: everyone; a doctor: patients with a non-cancelled appointment with them; "
            "a patient: themself. Summaries only: read one patient for the whole profile."
        ),
        responses={200: PatientSummarySerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="patients_create",
        summary="Create a patient (clinic staff)",
        description=_(
            "Creates the login (role patient) and the profile together. Without a password "
            "the patient chooses one through password reset."
        ),
        request=PatientCreateSerializer,
        responses={201: PatientSerializer, **error_responses(400, 401, 403)},
        examples=[
            OpenApiExample(
                "A new patient",
                value={"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        if not request.user.is_clinic_staff:
            raise exceptions.PermissionDenied(_("Only clinic staff can create patients."))
        serializer = PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = register(serializer.validated_data)
        patient = visible_patients(request.user).get(user=user)
        log_access(
            actor=request.user,
            action=AccessLog.Action.CREATE,
            target=AccessLog.Target.PATIENT,
            object_id=patient.pk,
            patient=patient,
            ip=client_ip(request),
        )
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailView(generics.GenericAPIView):
    """One patient's whole profile: read (logged), change, or retire."""

    serializer_class = PatientSerializer

    def get_queryset(self):
        return visible_patients(self.request.user)

    def _log(self, patient, action):
        log_access(
            actor=self.request.user,
            action=action,
            target=AccessLog.Target.PATIENT,
            object_id=patient.pk,
            patient=patient,
            ip=client_ip(self.request),
        )

    @extend_schema(
        operation_id="patients_retrieve",
        summary="A patient's profile",
        description=_("Each read by someone other than the patient is written to the access log."),
        responses={200: PatientSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        patient = self.get_object()
        self._log(patient, AccessLog.Action.VIEW)
        return Response(self.get_serializer(patient).data)

    def _update(self, request, *, partial):
        patient = self.get_object()
        user = request.user
        if not (user.is_clinic_staff or patient.user_id == user.pk):
            raise exceptions.PermissionDenied(
                _("Only the patient and clinic staff can change this profile.")
            )
        serializer = self.get_serializer(patient, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        self._log(patient, AccessLog.Action.UPDATE)
        return Response(self.get_serializer(patient).data)

    @extend_schema(
        operation_id="patients_update",
        summary="Replace a patient's profile (the patient, or staff)",
        description=_("Doctors read profiles but do not change them (403)."),
        responses={200: PatientSerializer, **error_responses(400, 401, 403, 404)},
        examples=[OpenApiExample("A profile", value=PATIENT_EXAMPLE, request_only=True)],
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        operation_id="patients_partial_update",
        summary="Change some of a patient's profile (the patient, or staff)",
        description=_("Doctors read profiles but do not change them (403)."),
        responses={200: PatientSerializer, **error_responses(400, 401, 403, 404)},
        examples=[
            OpenApiExample("New allergies", value={"allergies": "Penicillin"}, request_only=True)
        ],
    )
    def patch(self, request, pk):
        return self._update(request, partial=True)

    @extend_schema(
        operation_id="patients_destroy",
        summary="Retire a patient's login (clinic staff)",
        description=_(
            "Deactivates the login; the profile, appointments and medical records are kept "
            "(they may not be destroyed). Booked visits still to come are cancelled, with "
            "the reason, and both sides emailed. Repeating it changes nothing."
        ),
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, pk):
        patient = self.get_object()
        if retire_user(user=patient.user, actor=request.user):
            self._log(patient, AccessLog.Action.UPDATE)
        return Response(status=status.HTTP_204_NO_CONTENT)
