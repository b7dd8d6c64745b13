"""The API's doctor endpoints that need the scheduling model: free slots, and retiring a
doctor (DELETE doctors/{id}), which cancels their visits still to come.

DELETE deactivates the doctor's login instead of destroying the profile, whose
appointments and records must be kept: the doctor leaves the directory and has no free
slots from then on.
"""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from appointments.selectors import free_slots
from appointments.services import retire_user
from doctors.api import DoctorDetailView as DoctorProfileView
from doctors.models import Doctor
from healthcare.core.api.schema import error_responses, invalid

MAX_SLOT_RANGE_DAYS = 62


class SlotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=gettext_lazy("First day (clinic time), YYYY-MM-DD."))
    end = serializers.DateField(
        help_text=gettext_lazy("Last day (clinic time, inclusive), at most 62 days on.")
    )

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


class DoctorSlotsView(generics.GenericAPIView):
    """A doctor's free slots between two days: what can be booked right now."""

    permission_classes = [AllowAny]
    serializer_class = SlotSerializer
    pagination_class = None

    @extend_schema(
        operation_id="doctors_slots",
        summary="A doctor's free slots (public)",
        description=gettext_lazy(
            "Free = working hours − time off − booked appointments − the minimum notice, up "
            "to the booking horizon. Days are the clinic's; times carry its UTC offset."
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
                    {"start": "2030-01-08T09:00:00Z", "end": "2030-01-08T09:30:00Z"},
                    {"start": "2030-07-09T09:00:00+01:00", "end": "2030-07-09T09:30:00+01:00"},
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request, pk):
        doctor = get_object_or_404(Doctor.objects.directory(), pk=pk)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = free_slots(doctor, query.validated_data["start"], query.validated_data["end"])
        return Response(SlotSerializer(slots, many=True).data)
