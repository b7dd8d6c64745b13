"""The API's waitlist, for patients' mobile clients: their entries (list, join, change,
leave), the offers made to them, and claiming one.

Every write goes through waitlist.services, the same functions the HTML pages call.
An entry or offer that is not the caller's is 404. A claim that comes too late is 409
(`offer_expired`, `offer_claimed`, or `slot_unavailable` when someone else was faster).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.response import Response

from appointments.api.appointments import AppointmentSerializer, visible_appointments
from appointments.models import Appointment
from appointments.services import VisitTypeNotOffered, VisitTypeRequired
from doctors.models import Doctor, Site, Specialty, VisitType
from doctors.serializers import DoctorRefSerializer, SiteRefSerializer, VisitTypeRefSerializer
from healthcare.core.api.schema import error_responses, invalid, rate_limited
from healthcare.core.errors import NotAllowed
from healthcare.core.ratelimits import hit
from waitlist import selectors, services
from waitlist.models import Offer, WaitlistEntry


def weekday():
    return serializers.IntegerField(min_value=0, max_value=6)


class EntrySerializer(serializers.ModelSerializer):
    doctor = DoctorRefSerializer(read_only=True, allow_null=True)
    specialty = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    type = VisitTypeRefSerializer(
        source="visit_type",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The visit type waited for; null: each doctor's usual one."),
    )
    site = SiteRefSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("null: any site.")
    )
    weekdays = serializers.ListField(
        child=weekday(), read_only=True, help_text=gettext_lazy("0 is Monday; empty: any day.")
    )
    expired = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether its window is over (it then gets no offers).")
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "doctor",
            "specialty",
            "type",
            "site",
            "appointment",
            "earliest",
            "latest",
            "weekdays",
            "time_of_day",
            "status",
            "expired",
            "created_at",
        ]
        read_only_fields = fields

    def get_expired(self, entry) -> bool:
        return entry.is_expired()


class JoinSerializer(serializers.Serializer):
    doctor = serializers.PrimaryKeyRelatedField(
        queryset=Doctor.objects.directory(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The doctor to wait for; or give `specialty`."),
    )
    specialty = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Specialty.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Any doctor of this specialty (its slug); or give `doctor`."),
    )
    type = serializers.PrimaryKeyRelatedField(
        queryset=VisitType.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The visit type to wait for (see /api/visit-types/). With a `doctor`, one they "
            "offer; may be left out when they offer one (otherwise 400 `type_required`). "
            "With a `specialty`, left out: each doctor's usual type."
        ),
    )
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The site to wait for (see /api/sites/); left out: any. With a `doctor`, one "
            "they work at."
        ),
    )
    appointment = serializers.PrimaryKeyRelatedField(
        queryset=Appointment.objects.none(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "One of the caller's booked appointments: wait for an earlier time with its "
            "doctor, of its type at its site (claiming then moves it). Without `doctor`, "
            "`specialty`, `type`, `site` or dates."
        ),
    )
    earliest = serializers.DateField(required=False)
    latest = serializers.DateField(required=False)
    weekdays = serializers.ListField(child=weekday(), required=False, default=list, max_length=7)
    time_of_day = serializers.ChoiceField(
        choices=WaitlistEntry.TimeOfDay.choices, required=False, default="any"
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["appointment"].queryset = visible_appointments(request.user).filter(
                patient__user_id=request.user.pk
            )
        return fields

    def validate(self, attrs):
        if attrs.get("appointment") is None:
            if not attrs.get("doctor") and not attrs.get("specialty"):
                raise serializers.ValidationError({"doctor": [_("Give a doctor or a specialty.")]})
            for name in ("earliest", "latest"):
                if attrs.get(name) is None:
                    raise serializers.ValidationError({name: [_("This field is required.")]})
        return attrs


class EntryUpdateSerializer(serializers.Serializer):
    earliest = serializers.DateField(required=False)
    latest = serializers.DateField(required=False)
    weekdays = serializers.ListField(child=weekday(), required=False, max_length=7)
    time_of_day = serializers.ChoiceField(choices=WaitlistEntry.TimeOfDay.choices, required=False)


class OfferSerializer(serializers.ModelSerializer):
    doctor = DoctorRefSerializer(read_only=True)
    type = VisitTypeRefSerializer(
        source="visit_type",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("What claiming books (null on offers from before visit types)."),
    )
    site = SiteRefSerializer(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField(
        help_text=gettext_lazy("sent (claimable until `expires_at`), claimed, expired or taken.")
    )
    moves_appointment = serializers.SerializerMethodField(
        help_text=gettext_lazy("The appointment that claiming moves to this time, if any.")
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "entry",
            "doctor",
            "type",
            "site",
            "start",
            "end",
            "status",
            "created_at",
            "expires_at",
            "moves_appointment",
        ]
        read_only_fields = fields

    def get_status(self, offer) -> str:
        return offer.state()

    def get_moves_appointment(self, offer) -> int | None:
        return offer.entry.appointment_id


class BodyFirst:
    """Read (and so check: size, depth, JSON) a write's body before anything else, so an
    over-large or malformed body is 413/400 whether or not the entry or offer exists."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH"):
            request.data  # noqa: B018 (parsed for its checks)


def _patient_of(user):
    patient = user.patient_profile
    if patient is None:
        raise NotAllowed(_("Only patients have a waitlist in the API."))
    return patient


class EntryListView(BodyFirst, generics.ListAPIView):
    serializer_class = EntrySerializer

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user).filter(
            patient__user_id=self.request.user.pk
        )

    @extend_schema(
        operation_id="waitlist_list",
        summary="List the caller's waitlist entries",
        description=gettext_lazy("Newest first, waiting, fulfilled and left alike."),
        responses={
            200: EntrySerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="waitlist_create",
        summary="Join the waitlist",
        description=gettext_lazy(
            "Wait for a `doctor` or any doctor of a `specialty`, for a visit `type` at a "
            "`site` (or any), between `earliest` and "
            "`latest` (clinic dates, inside the booking horizon), optionally only on some "
            "`weekdays` and at a `time_of_day`; or give `appointment` to be offered earlier "
            "times with its doctor. When time frees up the clinic emails an offer (and lists "
            "it under /api/waitlist/offers/), a few patients at a time in the order they joined."
        ),
        request=JoinSerializer,
        responses={
            201: EntrySerializer,
            **error_responses(
                invalid("doctor"),
                NotAuthenticated,
                NotAllowed,
                services.AlreadyWaiting,
                services.EntryClosed,
                VisitTypeRequired,
                VisitTypeNotOffered,
            ),
        },
        examples=[
            OpenApiExample(
                "Wait for a doctor, mornings",
                value={
                    "doctor": 1,
                    "earliest": "2030-01-07",
                    "latest": "2030-02-01",
                    "weekdays": [0, 2],
                    "time_of_day": "morning",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = JoinSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        patient = _patient_of(request.user)
        data = serializer.validated_data
        if data.get("appointment") is not None:
            entry = services.wait_for_earlier(
                appointment=data["appointment"],
                actor=request.user,
                weekdays=data["weekdays"],
                time_of_day=data["time_of_day"],
            )
        else:
            entry = services.join_waitlist(
                patient=patient,
                actor=request.user,
                doctor=data.get("doctor"),
                specialty=None if data.get("doctor") else data.get("specialty"),
                visit_type=data.get("type"),
                site=data.get("site"),
                earliest=data["earliest"],
                latest=data["latest"],
                weekdays=data["weekdays"],
                time_of_day=data["time_of_day"],
            )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class EntryDetailView(BodyFirst, generics.GenericAPIView):
    serializer_class = EntrySerializer

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user).filter(
            patient__user_id=self.request.user.pk
        )

    @extend_schema(
        operation_id="waitlist_retrieve",
        summary="A waitlist entry",
        responses={200: EntrySerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        operation_id="waitlist_update",
        summary="Change a waitlist entry's window or preferences",
        description=gettext_lazy(
            "Whom it waits for stays; its place in line (when it joined) too. 409 "
            "`entry_closed` once it was fulfilled or left."
        ),
        request=EntryUpdateSerializer,
        responses={
            200: EntrySerializer,
            **error_responses(invalid("latest"), NotAuthenticated, NotFound, services.EntryClosed),
        },
    )
    def patch(self, request, pk):
        entry = self.get_object()
        serializer = EntryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.update_entry(entry=entry, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(entry).data)

    @extend_schema(
        operation_id="waitlist_destroy",
        summary="Leave the waitlist",
        description=gettext_lazy(
            "The entry is kept as left; offers already sent stop working. 409 `entry_closed` "
            "if it was fulfilled or left already."
        ),
        responses={
            204: None,
            **error_responses(NotAuthenticated, NotFound, services.EntryClosed),
        },
    )
    def delete(self, request, pk):
        services.leave_waitlist(entry=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OfferListView(generics.ListAPIView):
    serializer_class = OfferSerializer

    def get_queryset(self):
        return selectors.offers_visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="waitlist_offers_list",
        summary="List the offers made to the caller",
        description=gettext_lazy(
            "Newest first. An offer with status `sent` can be claimed until `expires_at`."
        ),
        responses={
            200: OfferSerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OfferClaimView(BodyFirst, generics.GenericAPIView):
    serializer_class = OfferSerializer

    def get_queryset(self):
        return selectors.offers_visible_to(self.request.user)

    @extend_schema(
        operation_id="waitlist_offers_claim",
        summary="Claim an offer: book its time (or move the entry's appointment there)",
        description=gettext_lazy(
            "Books through the same rules as any booking. 409 `offer_expired` after "
            "`expires_at`, `offer_claimed` the second time, `slot_unavailable` when someone "
            "else took the time first; nothing is booked then."
        ),
        request=None,
        responses={
            201: AppointmentSerializer,
            **error_responses(
                NotAuthenticated,
                NotFound,
                services.OfferExpired,
                services.OfferUsed,
                services.OfferTaken,
                rate_limited,
            ),
        },
    )
    def post(self, request, pk):
        hit(request, "booking-account")
        offer = self.get_object()
        appointment = services.claim_offer(offer=offer, actor=request.user, now=timezone.now())
        appointment = visible_appointments(request.user).get(pk=appointment.pk)
        return Response(
            AppointmentSerializer(appointment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
