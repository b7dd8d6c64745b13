"""The API's doctor endpoints that need the scheduling model: free slots, and retiring a
doctor (DELETE doctors/{id}), which cancels their visits still to come.

DELETE deactivates the doctor's login instead of destroying the profile, whose
appointments and records must be kept: the doctor leaves the directory and has no free
slots from then on.
"""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from appointments.selectors import bookable_dates, first_available, free_slots
from appointments.services import retire_user
from doctors.api import DoctorDetailView as DoctorProfileView
from doctors.models import Doctor, Site, Specialty, VisitType
from doctors.serializers import DoctorRefSerializer, SiteRefSerializer, VisitTypeRefSerializer
from healthcare.core.api.representation import represent
from healthcare.core.api.schema import error_responses, invalid
from healthcare.core.prepared import PreparedQuery

MAX_SLOT_RANGE_DAYS = 62
SITE_EXAMPLE = {
    "id": 1,
    "name": "Main site",
    "address": "1 High Street\nLondon",
    "phone": "020 7946 0000",
}


def _type_field(help_text):
    return serializers.PrimaryKeyRelatedField(
        queryset=VisitType.objects.filter(is_active=True),
        required=False,
        help_text=help_text,
    )


def _site_field():
    return serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        help_text=gettext_lazy("Only slots at this site (id); left out, at any site."),
    )


class SlotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=gettext_lazy("First day (clinic time), YYYY-MM-DD."))
    end = serializers.DateField(
        help_text=gettext_lazy("Last day (clinic time, inclusive), at most 62 days on.")
    )
    type = _type_field(gettext_lazy("The visit type (id); left out, the doctor's default type."))
    site = _site_field()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must not be before the start.")]})
        if (attrs["end"] - attrs["start"]) >= timedelta(days=MAX_SLOT_RANGE_DAYS):
            raise serializers.ValidationError(
                {
                    "end": [
                        _("Ask for at most %(days)d days at a time.")
                        % {"days": MAX_SLOT_RANGE_DAYS}
                    ]
                }
            )
        return attrs


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text=gettext_lazy("ISO 8601 with the clinic's UTC offset at that time.")
    )
    end = serializers.DateTimeField()
    type = VisitTypeRefSerializer(source="visit_type", read_only=True)
    site = SiteRefSerializer(read_only=True)


def slots_data(slots):
    """`SlotSerializer(slots, many=True).data` as plain dicts, for the hot path of free
    slots: the same JSON (times as DRF's DateTimeField writes them, in the clinic's zone;
    each visit type and site represented once and shared by its slots)."""
    refs = {}
    tz = timezone.get_current_timezone()

    def time(value):
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def ref(serializer_class, obj):
        key = (serializer_class, obj.pk)
        if key not in refs:
            refs[key] = represent(serializer_class, obj)
        return refs[key]

    return [
        {
            "start": time(slot.start),
            "end": time(slot.end),
            "type": ref(VisitTypeRefSerializer, slot.visit_type),
            "site": ref(SiteRefSerializer, slot.site),
        }
        for slot in slots
    ]


class FirstAvailableSlotSerializer(SlotSerializer):
    doctor = DoctorRefSerializer(read_only=True)


class FirstAvailableQuerySerializer(serializers.Serializer):
    type = serializers.PrimaryKeyRelatedField(
        queryset=VisitType.objects.filter(is_active=True),
        help_text=gettext_lazy("The visit type (id)."),
    )
    specialty = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Specialty.objects.all(),
        required=False,
        help_text=gettext_lazy("Only doctors of this specialty (its slug)."),
    )
    site = _site_field()

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so the dates are added here rather than declared.
        fields["from"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy("First day (clinic time); left out, today."),
        )
        fields["to"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy(
                "Last day (clinic time, inclusive); left out, 13 days after `from`; at most "
                "62 days on."
            ),
        )
        return fields

    def validate(self, attrs):
        first = attrs.get("from") or bookable_dates()[0]
        last = attrs.get("to") or first + timedelta(days=13)
        if last < first:
            raise serializers.ValidationError({"to": [_("The end must not be before the start.")]})
        if (last - first) >= timedelta(days=MAX_SLOT_RANGE_DAYS):
            raise serializers.ValidationError(
                {
                    "to": [
                        _("Ask for at most %(days)d days at a time.")
                        % {"days": MAX_SLOT_RANGE_DAYS}
                    ]
                }
            )
        return {**attrs, "from": first, "to": last}


# doctors.api's profile view (GET, PUT, PATCH) with DELETE: retiring cancels the doctor's
# visits to come, which the doctors app (below appointments) cannot do, so the API maps
# doctors/{id} to this subclass. Its docstring is the endpoint's description in the schema.
class DoctorDetailView(DoctorProfileView):
    """A doctor's public profile; staff change or retire it; a doctor changes their bio."""

    @extend_schema(
        operation_id="doctors_destroy",
        summary="Retire a doctor (clinic staff)",
        description=gettext_lazy(
            "Deactivates the doctor's login: they leave the directory and have no free slots. "
            "Their booked visits still to come are cancelled, with the reason, and the "
            "patients emailed. The profile, appointments and records are kept. Repeating it "
            "changes nothing."
        ),
        responses={
            204: None,
            **error_responses(NotAuthenticated, exceptions.PermissionDenied, NotFound),
        },
    )
    def delete(self, request, pk):
        doctor = self.get_object()
        retire_user(user=doctor.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Every free-slot search runs it: compiled once per process (healthcare.core.prepared).
DIRECTORY_DOCTOR = PreparedQuery(
    Doctor, lambda pk: Doctor.objects.directory().filter(pk=pk).order_by(), pk=-730_100_004
)


class DoctorSlotsView(generics.GenericAPIView):
    """A doctor's free slots between two days: what can be booked right now."""

    permission_classes = [AllowAny]
    serializer_class = SlotSerializer
    pagination_class = None

    @extend_schema(
        operation_id="doctors_slots",
        summary="A doctor's free slots (public)",
        description=gettext_lazy(
            "Starts on the visit type's spacing grid in the doctor's hours at a site, where "
            "the visit and its buffer overlap no booked visit, time off or closure; after "
            "the minimum notice, up to the booking horizon. Days are the clinic's (one time "
            "zone for every site); times carry its UTC offset. A type the doctor does not "
            "offer has no slots."
        ),
        parameters=[SlotQuerySerializer],
        responses={
            200: SlotSerializer(many=True),
            **error_responses(invalid("end"), NotAuthenticated, NotFound),
        },
        examples=[
            OpenApiExample(
                "Two slots",
                value=[
                    {
                        "start": "2030-01-08T09:00:00Z",
                        "end": "2030-01-08T09:30:00Z",
                        "type": {"id": 1, "name": "Consultation"},
                        "site": SITE_EXAMPLE,
                    },
                    {
                        "start": "2030-07-09T09:00:00+01:00",
                        "end": "2030-07-09T09:30:00+01:00",
                        "type": {"id": 1, "name": "Consultation"},
                        "site": SITE_EXAMPLE,
                    },
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, pk):
        # An id beyond the column's range names nobody (the database would refuse it).
        doctor = DIRECTORY_DOCTOR.get(pk=pk) if pk < 2**63 else None
        if doctor is None:
            raise Http404
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        slots = free_slots(
            doctor, data["start"], data["end"], visit_type=data.get("type"), site=data.get("site")
        )
        return Response(slots_data(slots))


class FirstAvailableView(generics.GenericAPIView):
    """Who can see me soonest: free slots of a visit type across doctors, earliest first."""

    permission_classes = [AllowAny]
    serializer_class = FirstAvailableSlotSerializer

    @extend_schema(
        operation_id="slots_first_available",
        summary="First available slots across doctors (public)",
        description=gettext_lazy(
            "Free slots of the visit type with every doctor who offers it (by specialty and "
            "site if given), from `from` to `to`, earliest first, paginated. Each slot names "
            "its doctor, type and site; book it with POST /api/appointments/."
        ),
        parameters=[FirstAvailableQuerySerializer],
        responses={
            200: FirstAvailableSlotSerializer(many=True),
            **error_responses(invalid("type"), NotAuthenticated, NotFound),
        },
    )
    def get(self, request):
        query = FirstAvailableQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        slots = first_available(
            visit_type=data["type"],
            specialty=data.get("specialty"),
            site=data.get("site"),
            start_date=data["from"],
            end_date=data["to"],
        )
        page = self.paginate_queryset(slots)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
