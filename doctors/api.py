"""The API's doctor directory and doctor profiles.

Anyone, logged in or not, reads the directory and a doctor's profile. Clinic staff
create doctors (doctors.services.create_doctor) and change any profile. A doctor may
change their own `bio` and nothing else: the rest of the profile is the clinic's to set
(as on the HTML profile page). Working hours and time off are kept through the website
and the admin.

A doctor's free slots and retiring a doctor (DELETE, which cancels their visits) are
appointments.api.doctors.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from accounts.serializers import ProfileWithLoginSerializer, StaffNewLoginSerializer
from doctors.models import Doctor, Site, Specialty, VisitType
from doctors.permissions import can_add_doctors, can_change_doctors, can_see_every_doctor
from doctors.serializers import SiteRefSerializer
from doctors.services import create_doctor, set_slot_length
from healthcare.core.api.representation import represent
from healthcare.core.api.schema import error_responses, invalid
from healthcare.core.validators import validate_single_line

DOCTOR_OWN_FIELDS = {"bio"}


class SpecialtySerializer(serializers.ModelSerializer):
    class Meta:
        model = Specialty
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class DoctorSerializer(serializers.ModelSerializer):
    """A doctor's public profile."""

    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    specialty = SpecialtySerializer(read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = Doctor
        fields = [
            "id",
            "first_name",
            "last_name",
            "specialty",
            "license_number",
            "years_of_experience",
            "bio",
            "accepting_new_patients",
            "slot_minutes",
            "is_active",
        ]
        read_only_fields = fields


# What DoctorSerializer reads, as columns: the directory is read on every visit to the app.
PUBLIC_PROFILE_COLUMNS = (
    "id",
    "user__first_name",
    "user__last_name",
    "specialty_id",
    "specialty__name",
    "specialty__slug",
    "license_number",
    "years_of_experience",
    "bio",
    "accepting_new_patients",
    "slot_minutes",
    "user__is_active",
)


def public_profile_rows(doctors):
    """`doctors` (a queryset) as the rows `public_profiles` turns into DoctorSerializer's
    output: plain values, no model instances."""
    return doctors.values_list(*PUBLIC_PROFILE_COLUMNS)


def public_profiles(rows):
    """DoctorSerializer's output for each of `rows` (from `public_profile_rows`), built
    straight from the values; tests/doctors/test_api.py holds the two equal."""
    return [
        {
            "id": pk,
            "first_name": first_name,
            "last_name": last_name,
            "specialty": {"id": specialty_id, "name": specialty_name, "slug": specialty_slug},
            "license_number": license_number,
            "years_of_experience": years,
            "bio": bio,
            "accepting_new_patients": accepting,
            "slot_minutes": slot_minutes,
            "is_active": is_active,
        }
        for (
            pk,
            first_name,
            last_name,
            specialty_id,
            specialty_name,
            specialty_slug,
            license_number,
            years,
            bio,
            accepting,
            slot_minutes,
            is_active,
        ) in rows
    ]


def specialty_field(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Specialty.objects.all(),
        help_text=gettext_lazy("The specialty's slug, e.g. `cardiology`."),
        **kwargs,
    )


class DoctorCreateSerializer(StaffNewLoginSerializer):
    """Clinic staff creating a doctor: their login and their profile."""

    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        style={"input_type": "password"},
        help_text=gettext_lazy(
            "Optional: without one, the doctor is emailed an invitation to choose their own."
        ),
    )

    specialty = specialty_field()
    license_number = serializers.CharField(
        max_length=50,
        validators=[UniqueValidator(queryset=Doctor.objects.all()), validate_single_line],
    )
    years_of_experience = serializers.IntegerField(min_value=0, max_value=80, default=0)
    bio = serializers.CharField(required=False, allow_blank=True, default="")
    slot_minutes = serializers.IntegerField(min_value=5, max_value=240, default=30)
    accepting_new_patients = serializers.BooleanField(default=True)


class DoctorUpdateSerializer(ProfileWithLoginSerializer):
    """What clinic staff may change about a doctor."""

    specialty = specialty_field()

    class Meta:
        model = Doctor
        fields = [
            "first_name",
            "last_name",
            "phone",
            "specialty",
            "license_number",
            "years_of_experience",
            "bio",
            "accepting_new_patients",
            "slot_minutes",
        ]


class DoctorBioSerializer(serializers.ModelSerializer):
    """What a doctor may change about themself: their own words on the public profile."""

    class Meta:
        model = Doctor
        fields = ["bio"]


class DirectoryQuerySerializer(serializers.Serializer):
    specialty = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("A specialty's slug."),
    )
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("Words of the doctor's name."),
    )


DOCTOR_CREATE_EXAMPLE = {
    "email": "g.house@clinic.example",
    "first_name": "Gregory",
    "last_name": "House",
    "specialty": "diagnostics",
    "license_number": "GMC-1234567",
    "years_of_experience": 20,
    "bio": "",
    "slot_minutes": 30,
    "accepting_new_patients": True,
}


PROFILE_CHANGE_ERRORS = error_responses(
    invalid("slot_minutes", serializers.IntegerField.default_error_messages["invalid"]),
    NotAuthenticated,
    exceptions.PermissionDenied,
    NotFound,
)


class PublicReadMixin:
    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]


class DoctorListView(PublicReadMixin, generics.ListAPIView):
    """The public directory of doctors, and, for staff, creating a doctor."""

    serializer_class = DoctorSerializer

    def get_queryset(self):
        query = DirectoryQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return Doctor.objects.directory(
            search=query.validated_data.get("search", ""),
            specialty=query.validated_data.get("specialty") or None,
        )

    @extend_schema(
        operation_id="doctors_list",
        summary="The doctor directory (public)",
        parameters=[DirectoryQuerySerializer],
        responses={
            200: DoctorSerializer(many=True),
            **error_responses(
                invalid(
                    "search",
                    serializers.CharField.default_error_messages["max_length"],
                    max_length=DirectoryQuerySerializer().fields["search"].max_length,
                ),
                NotAuthenticated,
                NotFound,
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(public_profile_rows(self.get_queryset()))
        return self.get_paginated_response(public_profiles(page))

    @extend_schema(
        operation_id="doctors_create",
        summary="Create a doctor with their login (clinic staff)",
        request=DoctorCreateSerializer,
        responses={
            201: DoctorSerializer,
            **error_responses(
                invalid("license_number"),
                NotAuthenticated,
                exceptions.PermissionDenied,
            ),
        },
        examples=[OpenApiExample("A new doctor", value=DOCTOR_CREATE_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        if not can_add_doctors(request.user):
            raise exceptions.PermissionDenied(_("Only clinic staff can create doctors."))
        serializer = DoctorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            doctor = create_doctor(**serializer.validated_data, actor=request.user, request=request)
        except IntegrityError as exc:  # a concurrent request took the email or the licence
            raise serializers.ValidationError(
                _("This email address or licence number is already in use.")
            ) from exc
        return Response(DoctorSerializer(doctor).data, status=status.HTTP_201_CREATED)


class DoctorDetailView(PublicReadMixin, generics.GenericAPIView):
    """A doctor's public profile; staff change it; a doctor changes their bio.

    DELETE (retiring the doctor) is added by appointments.api.doctors.DoctorDetailView.
    """

    serializer_class = DoctorSerializer

    def get_queryset(self):
        user = self.request.user
        if user.is_authenticated and can_see_every_doctor(user):
            return Doctor.objects.select_related("user", "specialty")
        if user.is_authenticated and user.doctor_profile is not None:
            # A doctor without working hours yet is not public, but keeps their own profile.
            own = Doctor.objects.filter(user=user).select_related("user", "specialty")
            return Doctor.objects.directory() | own
        return Doctor.objects.directory()

    @extend_schema(
        operation_id="doctors_retrieve",
        summary="A doctor's profile (public)",
        responses={200: DoctorSerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        return Response(represent(DoctorSerializer, self.get_object()))

    def _update(self, request, *, partial):
        doctor = self.get_object()
        user = request.user
        if can_change_doctors(user):
            serializer_class = DoctorUpdateSerializer
        elif doctor.user_id == user.pk:
            serializer_class = DoctorBioSerializer
            extra = set(request.data) - DOCTOR_OWN_FIELDS if isinstance(request.data, dict) else ()
            if extra:
                raise exceptions.PermissionDenied(
                    _("You can change your biography; the clinic sets the rest: %(fields)s.")
                    % {"fields": ", ".join(sorted(extra))}
                )
        else:
            raise exceptions.PermissionDenied(_("Only clinic staff can change this profile."))
        serializer = serializer_class(doctor, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()
            if "slot_minutes" in serializer.validated_data:
                # The length of the doctor's consultations (their default visit type).
                set_slot_length(doctor=doctor, minutes=serializer.validated_data["slot_minutes"])
        doctor = self.get_queryset().get(pk=doctor.pk)
        return Response(DoctorSerializer(doctor).data)

    @extend_schema(
        operation_id="doctors_update",
        summary="Replace a doctor's profile (staff; the doctor: `bio` only)",
        request=DoctorUpdateSerializer,
        responses={200: DoctorSerializer, **PROFILE_CHANGE_ERRORS},
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        operation_id="doctors_partial_update",
        summary="Change a doctor's profile (staff; the doctor: `bio` only)",
        request=DoctorUpdateSerializer(partial=True),
        responses={200: DoctorSerializer, **PROFILE_CHANGE_ERRORS},
        examples=[OpenApiExample("A new biography", value={"bio": "GP."}, request_only=True)],
    )
    def patch(self, request, pk):
        return self._update(request, partial=True)


class VisitTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitType
        fields = [
            "id",
            "name",
            "description",
            "length_minutes",
            "spacing_minutes",
            "buffer_minutes",
            "bookable_from",
            "bookable_until",
            "online_booking",
        ]
        read_only_fields = fields


class VisitTypeListView(generics.ListAPIView):
    """The kinds of visit the clinic offers (active ones), for `type=` in slot searches
    and bookings. A doctor may have their own length for a type."""

    permission_classes = [AllowAny]
    serializer_class = VisitTypeSerializer
    queryset = VisitType.objects.filter(is_active=True).order_by("name")

    @extend_schema(
        operation_id="visit_types_list",
        summary="Visit types (public)",
        responses={
            200: VisitTypeSerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SiteListView(generics.ListAPIView):
    """The clinic's sites, for `site=` in slot searches and bookings. Every site is in
    the clinic's one time zone."""

    permission_classes = [AllowAny]
    serializer_class = SiteRefSerializer
    queryset = Site.objects.order_by("name")

    @extend_schema(
        operation_id="sites_list",
        summary="Sites (public)",
        responses={
            200: SiteRefSerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
