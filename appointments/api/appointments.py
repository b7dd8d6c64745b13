"""The API's appointments: list, book, read, change status, reschedule.

Every write goes through appointments.services (book_appointment, change_status,
reschedule_appointment), the same functions the HTML pages call; their domain errors
become the API's error shape (a taken or invalid slot: 409 `slot_unavailable`; an illegal
status change: 409 `invalid_transition`; too late to change: 409 `cutoff_passed`).
An appointment the caller may not see is 404, whatever they try to do with it.
"""

from functools import partial

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.response import Response

from appointments.models import Appointment
from appointments.selectors import visible_patients
from appointments.services import (
    REASON_MAX_LENGTH,
    CutoffPassed,
    InvalidTransition,
    NotAcceptingPatients,
    PatientInactive,
    ReasonRequired,
    SiteNotAvailable,
    SlotUnavailable,
    StartOffGrid,
    VisitTypeNotBookable,
    VisitTypeNotOffered,
    VisitTypeRequired,
    allowed_transitions,
    book_appointment,
    can_reschedule,
    change_status,
    reschedule_appointment,
)
from doctors.models import Doctor, Site, VisitType, VisitTypeOffer
from doctors.serializers import DoctorRefSerializer, SiteRefSerializer, VisitTypeRefSerializer
from healthcare.core.api.fields import UnloadedPrimaryKeyField
from healthcare.core.api.representation import represent
from healthcare.core.api.schema import error_responses, invalid, rate_limited
from healthcare.core.ratelimits import hit
from patients.models import Patient
from patients.permissions import sees_clinical_content
from patients.serializers import PatientRefSerializer


class AppointmentSerializer(serializers.ModelSerializer):
    patient = PatientRefSerializer(read_only=True)
    doctor = DoctorRefSerializer(read_only=True)
    type = VisitTypeRefSerializer(source="visit_type", read_only=True)
    site = SiteRefSerializer(read_only=True)
    length_minutes = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("The visit's length (end − start).")
    )
    buffer_minutes = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy("Minutes the doctor keeps free after the visit."),
    )
    reason = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Why the patient comes; null for staff whose role does not read clinical content."
        ),
    )
    cancellation_reason = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Why it was cancelled; null for staff whose role does not read clinical content."
        ),
    )
    allowed_statuses = serializers.SerializerMethodField(
        help_text=gettext_lazy("The statuses the caller may move this appointment to now.")
    )
    can_reschedule = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether the caller may move this appointment to another time.")
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "doctor",
            "type",
            "site",
            "start",
            "end",
            "length_minutes",
            "buffer_minutes",
            "reason",
            "status",
            "cancellation_reason",
            "cancelled_at",
            "allowed_statuses",
            "can_reschedule",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    def to_representation(self, appointment):
        # What depends on the appointment alone comes from one serializer bound once per
        # process (healthcare.core.api.representation); what depends on the caller is
        # added here, in the declared order.
        data = represent(AppointmentFieldsSerializer, appointment)
        user = self.context["request"].user
        data["allowed_statuses"] = self.get_allowed_statuses(appointment)
        data["can_reschedule"] = self.get_can_reschedule(appointment)
        if not self.context.setdefault("sees_reasons", sees_clinical_content(user)):
            for name in Appointment.CLINICAL_FIELDS:
                data[name] = None
        return {name: data[name] for name in self.Meta.fields}

    # The statuses' enum component is the one the `status` field generates; a second inline
    # enum with the same values would be a second, differently named component.
    @extend_schema_field(
        {"type": "array", "items": {"$ref": "#/components/schemas/StatusEnum"}, "readOnly": True}
    )
    def get_allowed_statuses(self, appointment):
        return allowed_transitions(appointment, self.context["request"].user, now=self._now())

    @extend_schema_field(serializers.BooleanField())
    def get_can_reschedule(self, appointment):
        return can_reschedule(appointment, self.context["request"].user, now=self._now())


class AppointmentFieldsSerializer(AppointmentSerializer):
    """AppointmentSerializer's fields that depend on the appointment alone (not in the schema)."""

    allowed_statuses = None
    can_reschedule = None

    class Meta(AppointmentSerializer.Meta):
        fields = [
            name
            for name in AppointmentSerializer.Meta.fields
            if name not in ("allowed_statuses", "can_reschedule")
        ]
        read_only_fields = fields

    to_representation = serializers.ModelSerializer.to_representation


class VisiblePatientField(serializers.PrimaryKeyRelatedField):
    """A patient the caller may see; any other id is refused like one that does not exist."""

    def get_queryset(self):
        return visible_patients(self.context["request"].user)


class BookingSerializer(serializers.Serializer):
    # Looked up (and locked) once, by the booking service.
    doctor = UnloadedPrimaryKeyField(queryset=Doctor.objects.all())
    start = serializers.DateTimeField(
        help_text=gettext_lazy(
            "One of the doctor's free slots for the type (see /api/doctors/{id}/slots); a "
            "time without an offset is taken as the clinic's. The end follows from the "
            "type's length with this doctor."
        )
    )
    type = serializers.PrimaryKeyRelatedField(
        queryset=VisitType.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The visit type (see `type` in /api/slots/). May be left out when the doctor "
            "offers one type; otherwise 400 `type_required`."
        ),
    )
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The site; left out, the site the doctor works at at that time."),
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    patient = VisiblePatientField(
        queryset=Patient.objects.all(),
        required=False,
        help_text=gettext_lazy(
            "Who the visit is for: clinic staff give any patient; a patient leaves it out "
            "(themself) or gives one of their family members (GET /api/dependants/). "
            "Any other id is refused as one that does not exist."
        ),
    )

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            self.fields["doctor"].add_not_found(error, data)
            raise


class StatusChangeSerializer(serializers.Serializer):
    """The body of PATCH …/status. Complete although the method is PATCH: `status` is required.

    (The schema generator makes every PATCH body partial; this one never is.)
    """

    @property
    def partial(self):
        return False

    @partial.setter
    def partial(self, value):
        pass

    status = serializers.ChoiceField(choices=Appointment.Status.choices)
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Why: required when the doctor or the clinic cancels."),
    )


class RescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text=gettext_lazy(
            "Another free slot of the same doctor for the appointment's visit type (kept)."
        )
    )


class AppointmentFilterSerializer(serializers.Serializer):
    ORDERINGS = [("-start", "Latest first"), ("start", "Earliest first")]

    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-start")

    def get_fields(self):
        fields = super().get_fields()
        # `from` and `to` are Python keywords, so they are added here rather than declared.
        fields["from"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy("Appointments starting on or after this day (clinic time)."),
        )
        fields["to"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy("Appointments starting on or before this day (clinic time)."),
        )
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("The end must not be before the start.")]})
        return attrs

    def filter(self, appointments):
        data = self.validated_data
        conditions = Q()
        if data.get("status"):
            conditions &= Q(status=data["status"])
        if data.get("from"):
            conditions &= Q(start__date__gte=data["from"])
        if data.get("to"):
            conditions &= Q(start__date__lte=data["to"])
        return appointments.filter(conditions).order_by(data["ordering"], "pk")


def visible_appointments(user):
    return Appointment.objects.visible_to(user).select_related(
        "patient__user", "doctor__user", "doctor__specialty", "visit_type", "site"
    )


def _not_bookable_example():
    return VisitTypeNotBookable(VisitType(name="Minor procedure", online_booking="staff"))


def _off_grid_example():
    return StartOffGrid(VisitTypeOffer(visit_type=VisitType(name="Follow-up", length_minutes=15)))


class AppointmentListView(generics.ListAPIView):
    """The caller's appointments (a patient's own, a doctor's schedule, all for staff)."""

    serializer_class = AppointmentSerializer

    def get_queryset(self):
        query = AppointmentFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.filter(visible_appointments(self.request.user))

    @extend_schema(
        operation_id="appointments_list",
        summary="List the caller's appointments",
        description=gettext_lazy(
            "A patient sees their own, a doctor their schedule, staff everything. Filter by "
            "`status` and by the day the appointment starts (`from`, `to`; clinic time, "
            "inclusive)."
        ),
        parameters=[AppointmentFilterSerializer],
        responses={
            200: AppointmentSerializer(many=True),
            **error_responses(
                invalid(
                    "status",
                    serializers.ChoiceField.default_error_messages["invalid_choice"],
                    input="late",
                ),
                NotAuthenticated,
                NotFound,
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="appointments_create",
        summary="Book an appointment",
        description=gettext_lazy(
            "A patient books for themself or, with `patient`, for one of their family "
            "members (under the same rules, as that patient); clinic staff give `patient`. "
            "The slot must be one "
            "of the doctor's free slots for the visit type right now: otherwise, or when "
            "someone else was faster, 409 `slot_unavailable`. `type` may be left out when the "
            "doctor offers one type (clients from before visit types)."
        ),
        request=BookingSerializer,
        responses={
            201: AppointmentSerializer,
            **error_responses(
                invalid("start"),
                VisitTypeRequired,
                VisitTypeNotOffered,
                _not_bookable_example,
                _off_grid_example,
                SiteNotAvailable,
                NotAuthenticated,
                NotFound,
                SlotUnavailable,
                NotAcceptingPatients,
                PatientInactive,
                rate_limited,
            ),
        },
        examples=[
            OpenApiExample(
                "Book a slot",
                value={
                    "doctor": 1,
                    "type": 2,
                    "start": "2030-01-08T09:00:00Z",
                    "reason": "Sore throat",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        hit(request, "booking-account")
        serializer = BookingSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = data.get("patient") or request.user.patient_profile
        if patient is None:
            raise serializers.ValidationError(
                {"patient": [_("Say which patient the appointment is for.")]}
            )
        try:
            appointment = book_appointment(
                patient=patient,
                doctor=data["doctor"],
                start=data["start"],
                reason=data["reason"],
                booked_by=request.user,
                visit_type=data.get("type"),
                site=data.get("site"),
            )
        except Doctor.DoesNotExist:
            serializer.fields["doctor"].not_found(data["doctor"])
        # The service returns it with the patient, the doctor and their names loaded.
        return Response(
            AppointmentSerializer(appointment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AppointmentObjectMixin:
    serializer_class = AppointmentSerializer

    def get_queryset(self):
        return visible_appointments(self.request.user)

    def respond(self, appointment):
        appointment = self.get_queryset().get(pk=appointment.pk)
        return Response(self.get_serializer(appointment).data)


class AppointmentDetailView(AppointmentObjectMixin, generics.GenericAPIView):
    @extend_schema(
        operation_id="appointments_retrieve",
        summary="An appointment",
        responses={200: AppointmentSerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


class AppointmentStatusView(AppointmentObjectMixin, generics.GenericAPIView):
    @extend_schema(
        operation_id="appointments_status",
        summary="Change an appointment's status",
        description=gettext_lazy(
            "booked → checked-in → fulfilled; booked → cancelled; booked or checked-in → "
            "noshow (after the start). Who may do which: see `allowed_statuses`. A doctor or "
            "the clinic cancelling gives a `reason`. Refused: 409 `invalid_transition` or "
            "`cutoff_passed`."
        ),
        request=StatusChangeSerializer,
        responses={
            200: AppointmentSerializer,
            **error_responses(
                invalid("status"),
                ReasonRequired,
                NotAuthenticated,
                NotFound,
                partial(
                    InvalidTransition.between,
                    Appointment.Status.FULFILLED,
                    Appointment.Status.CANCELLED,
                ),
                CutoffPassed,
            ),
        },
        examples=[
            OpenApiExample(
                "Cancel",
                value={"status": "cancelled", "reason": "I feel better."},
                request_only=True,
            )
        ],
    )
    def patch(self, request, pk):
        appointment = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = change_status(
            appointment=appointment,
            to=serializer.validated_data["status"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return self.respond(appointment)


class AppointmentRescheduleView(AppointmentObjectMixin, generics.GenericAPIView):
    @extend_schema(
        operation_id="appointments_reschedule",
        summary="Move an appointment to another free slot",
        description=gettext_lazy(
            "Atomic: the new slot is taken and the old one freed together; if the new slot is "
            "gone (409 `slot_unavailable`) the appointment keeps its time."
        ),
        request=RescheduleSerializer,
        responses={
            200: AppointmentSerializer,
            **error_responses(
                invalid("start"),
                _off_grid_example,
                NotAuthenticated,
                NotFound,
                SlotUnavailable,
                CutoffPassed,
                rate_limited,
            ),
        },
        examples=[
            OpenApiExample("Move", value={"start": "2030-01-09T14:00:00Z"}, request_only=True)
        ],
    )
    def post(self, request, pk):
        hit(request, "booking-account")
        appointment = self.get_object()
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = reschedule_appointment(
            appointment=appointment, start=serializer.validated_data["start"], actor=request.user
        )
        return self.respond(appointment)
