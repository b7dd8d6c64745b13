"""The API's patient profiles: who may list, read, change, create and retire them.

Here, with appointments, because who may see a patient depends on their visits:
visibility is appointments.selectors.visible_patients (staff see everyone, a doctor the
patients who have or had a non-cancelled appointment with them, a patient only
themself; anything else is 404), and retiring a patient cancels their visits to come.
Writes: a patient changes their own profile, staff change anyone's and create patients;
doctors only read. Lists show a summary; the full profile (medical details) is read one
patient at a time, and each such read by someone other than the patient is written to
the access log, as is each change.

DELETE does not destroy anything: a patient's appointments and records must be kept (and
their foreign keys protect them), so "deleting" a patient deactivates their login. They
can no longer log in or use their tokens; staff still see the profile, with is_active
false. A patient closes their own account (`POST auth/me/close`, with their password).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.response import Response

from accounts import audit
from accounts.models import SecurityEvent
from appointments.selectors import visible_patients
from appointments.services import WrongPassword, close_account, retire_user
from healthcare.core.api.schema import error_responses, invalid
from healthcare.core.errors import NotAllowed
from healthcare.core.http import client_ip
from patients.models import AccessLog
from patients.permissions import can_add_patients, can_change_patient
from patients.serializers import (
    PatientCreateSerializer,
    PatientSerializer,
    PatientSummarySerializer,
    register,
)
from patients.services import log_access_to

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

PROFILE_CHANGE_ERRORS = error_responses(
    invalid("first_name", serializers.CharField.default_error_messages["blank"]),
    NotAuthenticated,
    exceptions.PermissionDenied,
    NotFound,
)


def patients_for(user):
    return visible_patients(user).select_related("user")


class PatientListView(generics.ListAPIView):
    """The patients the caller may see (summaries), and, for staff, creating one."""

    serializer_class = PatientSummarySerializer

    def get_queryset(self):
        return patients_for(self.request.user).order_by("user__last_name", "user__first_name", "pk")

    @extend_schema(
        operation_id="patients_list",
        summary="List the patients the caller may see",
        description=_(
            "Staff: everyone; a doctor: patients with a non-cancelled appointment with them; "
            "a patient: themself. Summaries only: read one patient for the whole profile."
        ),
        responses={
            200: PatientSummarySerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
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
        responses={
            201: PatientSerializer,
            **error_responses(invalid("email"), NotAuthenticated, exceptions.PermissionDenied),
        },
        examples=[
            OpenApiExample(
                "A new patient",
                value={"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        if not can_add_patients(request.user):
            raise exceptions.PermissionDenied(_("Only clinic staff can create patients."))
        serializer = PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = register(serializer.validated_data)
        patient = patients_for(request.user).get(user=user)
        log_access_to(
            patient, actor=request.user, action=AccessLog.Action.CREATE, ip=client_ip(request)
        )
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailView(generics.GenericAPIView):
    """One patient's whole profile: read (logged), change, or retire."""

    serializer_class = PatientSerializer

    def get_queryset(self):
        return patients_for(self.request.user)

    def _log(self, patient, action):
        log_access_to(patient, actor=self.request.user, action=action, ip=client_ip(self.request))

    @extend_schema(
        operation_id="patients_retrieve",
        summary="A patient's profile",
        description=_("Each read by someone other than the patient is written to the access log."),
        responses={200: PatientSerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        patient = self.get_object()
        self._log(patient, AccessLog.Action.VIEW)
        return Response(self.get_serializer(patient).data)

    def _update(self, request, *, partial):
        patient = self.get_object()
        user = request.user
        if not can_change_patient(user, patient):
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
        responses={200: PatientSerializer, **PROFILE_CHANGE_ERRORS},
        examples=[OpenApiExample("A profile", value=PATIENT_EXAMPLE, request_only=True)],
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        operation_id="patients_partial_update",
        summary="Change some of a patient's profile (the patient, or staff)",
        description=_("Doctors read profiles but do not change them (403)."),
        responses={200: PatientSerializer, **PROFILE_CHANGE_ERRORS},
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
        responses={
            204: None,
            **error_responses(NotAuthenticated, exceptions.PermissionDenied, NotFound),
        },
    )
    def delete(self, request, pk):
        patient = self.get_object()
        if retire_user(user=patient.user, actor=request.user):
            self._log(patient, AccessLog.Action.UPDATE)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CloseAccountSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, trim_whitespace=False, max_length=4096
    )


class ClosedSerializer(serializers.Serializer):
    cancelled_visits = serializers.IntegerField(
        help_text=_("How many visits still to come were cancelled.")
    )


class CloseAccountView(generics.GenericAPIView):
    """A patient closes their own account (appointments.services.close_account)."""

    serializer_class = CloseAccountSerializer

    @extend_schema(
        operation_id="auth_me_close",
        summary="Close my account (patients)",
        description=_(
            "Confirmed with the password. Visits still to come are cancelled (both sides "
            "emailed); the account can no longer log in, and every token and session ends at "
            "once. Medical records are kept for the retention period, then purged. A wrong "
            "password: 400 `wrong_password`. Not a patient: 403."
        ),
        request=CloseAccountSerializer,
        responses={
            200: ClosedSerializer,
            **error_responses(WrongPassword, NotAuthenticated, NotAllowed),
        },
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = close_account(user=request.user, password=serializer.validated_data["password"])
        audit.record(SecurityEvent.Kind.ACCOUNT_CLOSED, request=request, actor=request.user)
        return Response({"cancelled_visits": cancelled})
