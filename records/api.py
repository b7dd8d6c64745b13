"""The API's medical records: list, write, read (with their history) and amend.

Visibility is MedicalRecord.objects.visible_to: a patient their own, a doctor those of the
patients they look after now (a care relationship, or a broken glass: POST
medical-records/break-glass), staff whose role reads clinical content all. Only the
appointment's doctor writes its record (which fulfils the
appointment) and only the record's author amends it, through records.services; to anyone
else the appointment or record is not found (404). Lists show no clinical content: a
record is read one at a time, and every such read by someone other than the patient is
written to the access log. Amending never overwrites: each change adds a version, and the
detail response carries all of them. A patient (or staff for them) downloads all of the
patient's data, as FHIR or PDF (records.export); each download is logged.
"""

from functools import partial

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.response import Response

from appointments.models import Appointment
from doctors.serializers import DoctorRefSerializer
from healthcare.core.api.schema import error_responses, invalid
from healthcare.core.errors import NotAllowed, NotVisible
from healthcare.core.http import client_ip
from patients.models import Patient
from patients.permissions import can_read_clinical_content
from patients.serializers import PatientRefSerializer
from patients.services import log_access_to
from records.export import download
from records.models import BreakGlassAccess, MedicalRecord, MedicalRecordVersion
from records.services import (
    EXPLANATION_MAX_LENGTH,
    LIMITS,
    BreakGlassNotNeeded,
    NothingChanged,
    RecordExists,
    RecordWindowClosed,
    amend_record,
    break_the_glass,
    write_record,
)

MAX_ID = 2**63 - 1


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)


class RecordVersionSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = MedicalRecordVersion
        fields = ["version", "diagnosis", "prescription", "notes", "reason", "author", "created_at"]
        read_only_fields = fields


class MedicalRecordSummarySerializer(serializers.ModelSerializer):
    patient = PatientRefSerializer(read_only=True)
    doctor = DoctorRefSerializer(read_only=True)
    visit_start = serializers.DateTimeField(
        source="appointment.start",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("When the appointment the record belongs to started."),
    )

    class Meta:
        model = MedicalRecord
        fields = [
            "id",
            "patient",
            "doctor",
            "appointment",
            "visit_start",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MedicalRecordSerializer(MedicalRecordSummarySerializer):
    versions = RecordVersionSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("Every state of the record, newest first; never changed."),
    )

    class Meta(MedicalRecordSummarySerializer.Meta):
        fields = [
            *MedicalRecordSummarySerializer.Meta.fields,
            "diagnosis",
            "prescription",
            "notes",
            "versions",
        ]
        read_only_fields = fields


class RecordWriteSerializer(serializers.Serializer):
    appointment = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    diagnosis = serializers.CharField(max_length=LIMITS["diagnosis"])
    prescription = serializers.CharField(
        max_length=LIMITS["prescription"], required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(
        max_length=LIMITS["notes"], required=False, allow_blank=True, default=""
    )


class RecordAmendSerializer(serializers.Serializer):
    diagnosis = serializers.CharField(max_length=LIMITS["diagnosis"], required=False)
    prescription = serializers.CharField(
        max_length=LIMITS["prescription"], required=False, allow_blank=True
    )
    notes = serializers.CharField(max_length=LIMITS["notes"], required=False, allow_blank=True)
    reason = serializers.CharField(
        max_length=MedicalRecordVersion._meta.get_field("reason").max_length,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Why the record is amended."),
    )


def visible_records(user):
    return MedicalRecord.objects.visible_to(user).select_related(
        "patient__user", "doctor__user", "doctor__specialty", "appointment"
    )


def with_versions(records):
    return records.prefetch_related(
        Prefetch(
            "versions",
            queryset=MedicalRecordVersion.objects.select_related("author").order_by("-version"),
        )
    )


class RecordListView(generics.ListAPIView):
    """The records the caller may see (without clinical content), and writing one."""

    serializer_class = MedicalRecordSummarySerializer

    def get_queryset(self):
        return visible_records(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="medical_records_list",
        summary="List the medical records the caller may see",
        description=gettext_lazy(
            "A patient: their own; a doctor: those of the patients they look after now (a "
            "visit in the last 18 months or the next 30 days; else break the glass); staff "
            "whose role reads clinical content: all. No clinical content: read a record for "
            "that (the read is logged)."
        ),
        responses={
            200: MedicalRecordSummarySerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="medical_records_create",
        summary="Write the record of an appointment (its doctor)",
        description=gettext_lazy(
            "Only the appointment's doctor, once; the appointment becomes fulfilled (a booked "
            "one is checked in on the way, on its day). A visit already fulfilled without a "
            "record gets one until RECORD_WRITING_WINDOW_HOURS after its end. To anyone else "
            "the appointment is not found. Refused by the rules: 409 (`record_exists`, "
            "`invalid_transition`, `record_window_closed`)."
        ),
        request=RecordWriteSerializer,
        responses={
            201: MedicalRecordSerializer,
            **error_responses(
                invalid("diagnosis"),
                NotAuthenticated,
                NotFound,
                RecordExists,
                RecordWindowClosed,
            ),
        },
        examples=[
            OpenApiExample(
                "A record",
                value={
                    "appointment": 1,
                    "diagnosis": "Seasonal allergic rhinitis",
                    "prescription": "Cetirizine 10 mg once daily",
                    "notes": "Review in three months.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = RecordWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        appointment = Appointment.objects.filter(pk=data.pop("appointment")).first()
        if appointment is None:
            raise NotVisible()
        record = write_record(
            appointment=appointment, author=request.user, ip=client_ip(request), **data
        )
        record = with_versions(visible_records(request.user)).get(pk=record.pk)
        return Response(MedicalRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class RecordDetailView(generics.GenericAPIView):
    """One record with its history; its author amends it."""

    serializer_class = MedicalRecordSerializer

    def get_queryset(self):
        return with_versions(visible_records(self.request.user))

    @extend_schema(
        operation_id="medical_records_retrieve",
        summary="A medical record with all its versions",
        description=gettext_lazy(
            "Each read by someone other than the patient is written to the access log."
        ),
        responses={200: MedicalRecordSerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        record = self.get_object()
        log_access_to(record, actor=request.user, ip=client_ip(request))
        return Response(self.get_serializer(record).data)

    @extend_schema(
        operation_id="medical_records_amend",
        summary="Amend a record (its author)",
        description=gettext_lazy(
            "Adds a version; fields left out keep their current value. Only the doctor who "
            "wrote the record amends it; to anyone else it is not found. An amendment that "
            "changes nothing: 400 `nothing_changed`."
        ),
        request=RecordAmendSerializer,
        responses={
            200: MedicalRecordSerializer,
            **error_responses(
                NothingChanged,
                NotAuthenticated,
                NotFound,
            ),
        },
        examples=[
            OpenApiExample(
                "Change the prescription",
                value={"prescription": "Loratadine 10 mg", "reason": "Drowsy on cetirizine."},
                request_only=True,
            )
        ],
    )
    def patch(self, request, pk):
        record = self.get_object()
        serializer = RecordAmendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = amend_record(
            record=record,
            author=request.user,
            diagnosis=data.get("diagnosis", record.diagnosis),
            prescription=data.get("prescription", record.prescription),
            notes=data.get("notes", record.notes),
            reason=data["reason"],
            ip=client_ip(request),
        )
        record = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(record).data)


class BreakGlassRequestSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.ChoiceField(choices=BreakGlassAccess.Reason.choices)
    explanation = serializers.CharField(
        max_length=EXPLANATION_MAX_LENGTH,
        help_text=gettext_lazy(
            "Why the records are needed now, in the doctor's words; the patient reads it."
        ),
    )


class BreakGlassAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = BreakGlassAccess
        fields = ["id", "patient", "reason", "explanation", "created_at", "expires_at"]
        read_only_fields = fields


class BreakGlassView(generics.GenericAPIView):
    """Break the glass: a doctor outside a care relationship opens a patient's records."""

    serializer_class = BreakGlassAccessSerializer

    @extend_schema(
        operation_id="medical_records_break_glass",
        summary="Break the glass: open a patient's records outside a care relationship",
        description=gettext_lazy(
            "A doctor reads a patient's records while they look after the patient: a visit "
            "with them (not cancelled, not a no-show) in the last 18 months or booked in the "
            "next 30 days (CARE_RELATIONSHIP_*); outside it the records are not found. With a "
            "reason, this opens them for BREAK_GLASS_HOURS (4): the access is written to the "
            "access log with the reason, shown to the patient and reviewed by staff. Only a "
            "doctor who may see the patient (a visit with them that was not cancelled); one "
            "who can already read the records: 409 `care_relationship_exists`."
        ),
        request=BreakGlassRequestSerializer,
        responses={
            201: BreakGlassAccessSerializer,
            **error_responses(
                invalid("explanation"),
                NotAuthenticated,
                partial(NotAllowed, gettext_lazy("Only doctors can break the glass.")),
                NotFound,
                BreakGlassNotNeeded,
            ),
        },
        examples=[
            OpenApiExample(
                "An emergency",
                value={
                    "patient": 1,
                    "reason": "emergency",
                    "explanation": "Brought in unconscious; need the allergies.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = BreakGlassRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = Patient.objects.filter(pk=data.pop("patient")).first()
        if patient is None:
            raise NotVisible()
        access = break_the_glass(actor=request.user, patient=patient, ip=client_ip(request), **data)
        return Response(self.get_serializer(access).data, status=status.HTTP_201_CREATED)


def exportable_patients(user):
    """The patients whose whole data `user` may download: their own, or all for staff whose
    role reads clinical content (the copy holds all of it)."""
    patients = Patient.objects.select_related("user")
    if can_read_clinical_content(user):
        return patients
    return patients.filter(user=user)


class PatientExportView(generics.GenericAPIView):
    """A patient's own copy of all their data, as one FHIR R4 Bundle (JSON)."""

    as_pdf = False

    def get_queryset(self):
        return exportable_patients(self.request.user)

    @extend_schema(
        operation_id="patients_export",
        summary="Download all of a patient's data as a FHIR R4 Bundle (the patient or staff)",
        description=gettext_lazy(
            "Profile, appointments, every version of every record and the access log, as a "
            "FHIR R4 Bundle of type `collection`. The patient themself or clinic staff; to "
            "anyone else the patient is not found. Every download is written to the access log."
        ),
        responses={
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, pk):
        patient = self.get_object()
        return download(patient, actor=request.user, ip=client_ip(request), as_pdf=self.as_pdf)


class PatientExportPdfView(PatientExportView):
    """The same copy as a readable PDF."""

    as_pdf = True

    @extend_schema(
        operation_id="patients_export_pdf",
        summary="Download all of a patient's data as a readable PDF (the patient or staff)",
        description=gettext_lazy("The same content as the FHIR export, for people; logged too."),
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, pk):
        return super().get(request, pk)
