"""The API's doctor directory, doctor profiles and free slots.

Anyone, logged in or not, reads the directory, a doctor's profile and their free slots.
Clinic staff create doctors (doctors.services.create_doctor), change any profile and
retire a doctor. A doctor may change their own `bio` and nothing else: the rest of the
profile is the clinic's to set (as on the HTML profile page). Working hours and time off
are kept through the website and the admin.

DELETE deactivates the doctor's login instead of destroying the profile, whose
appointments and records must be kept: the doctor leaves the directory and has no free
slots from then on.
"""

from datetime import timedelta

from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from accounts.serializers import new_email, validate_new_password
from appointments.selectors import free_slots
from appointments.services import retire_user
from doctors.models import Doctor, Specialty
from doctors.services import create_doctor
from healthcare.core.api.permissions import IsClinicStaff
from healthcare.core.api.schema import error_responses

MAX_SLOT_RANGE_DAYS = 62
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


def specialty_field(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Specialty.objects.all(),
        help_text=gettext_lazy("The specialty's slug, e.g. `cardiology`."),
        **kwargs,
    )


class DoctorCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        style={"input_type": "password"},
        help_text=gettext_lazy(
            "Optional: without one, the doctor sets their own through password reset."
        ),
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    specialty = specialty_field()
    license_number = serializers.CharField(
        max_length=50, validators=[UniqueValidator(queryset=Doctor.objects.all())]
    )
    years_of_experience = serializers.IntegerField(min_value=0, max_value=80, default=0)
    bio = serializers.CharField(required=False, allow_blank=True, default="")
    slot_minutes = serializers.IntegerField(min_value=5, max_value=240, default=30)
    accepting_new_patients = serializers.BooleanField(default=True)

    def validate_email(self, value):
        return new_email(value)

    def validate(self, attrs):
        if attrs.get("password") is not None:
            validate_new_password(
                attrs["password"],
                email=attrs["email"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
            )
        return attrs


class DoctorUpdateSerializer(serializers.ModelSerializer):
    """What clinic staff may change about a doctor."""

    first_name = serializers.CharField(source="user.first_name", max_length=150)
    last_name = serializers.CharField(source="user.last_name", max_length=150)
    phone = serializers.CharField(
        source="user.phone", max_length=32, required=False, allow_blank=True
    )
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

    def update(self, instance, validated_data):
        account = validated_data.pop("user", {})
        if account:
            for name, value in account.items():
                setattr(instance.user, name, value)
            instance.user.save(update_fields=list(account))
        return super().update(instance, validated_data)


class DoctorBioSerializer(serializers.ModelSerializer):
    """What a doctor may change about themself: their own words on the public profile."""

    class Meta:
        model = Doctor
        fields = ["bio"]


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
        responses={200: DoctorSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="doctors_create",
        summary="Create a doctor with their login (clinic staff)",
        request=DoctorCreateSerializer,
        responses={201: DoctorSerializer, **error_responses(400, 401, 403)},
        examples=[OpenApiExample("A new doctor", value=DOCTOR_CREATE_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        if not IsClinicStaff().has_permission(request, self):
            raise exceptions.PermissionDenied(_("Only clinic staff can create doctors."))
        serializer = DoctorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            doctor = create_doctor(**serializer.validated_data)
        except IntegrityError as exc:  # a concurrent request took the email or the licence
            raise serializers.ValidationError(
                _("This email address or licence number is already in use.")
            ) from exc
        return Response(DoctorSerializer(doctor).data, status=status.HTTP_201_CREATED)


class DoctorDetailView(PublicReadMixin, generics.GenericAPIView):
    """A doctor's public profile; staff change or retire it; a doctor changes their bio."""

    serializer_class = DoctorSerializer

    def get_queryset(self):
        if self.request.user.is_authenticated and self.request.user.is_clinic_staff:
            return Doctor.objects.select_related("user", "specialty")
        return Doctor.objects.directory()

    @extend_schema(
        operation_id="doctors_retrieve",
        summary="A doctor's profile (public)",
        responses={200: DoctorSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def _update(self, request, *, partial):
        doctor = self.get_object()
        user = request.user
        if user.is_clinic_staff:
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
        serializer.save()
        doctor = self.get_queryset().get(pk=doctor.pk)
        return Response(DoctorSerializer(doctor).data)

    @extend_schema(
        operation_id="doctors_update",
        summary="Replace a doctor's profile (staff; the doctor: `bio` only)",
        request=DoctorUpdateSerializer,
        responses={200: DoctorSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        operation_id="doctors_partial_update",
        summary="Change a doctor's profile (staff; the doctor: `bio` only)",
        request=DoctorUpdateSerializer(partial=True),
        responses={200: DoctorSerializer, **error_responses(400, 401, 403, 404)},
        examples=[OpenApiExample("A new biography", value={"bio": "GP."}, request_only=True)],
    )
    def patch(self, request, pk):
        return self._update(request, partial=True)

    @extend_schema(
        operation_id="doctors_destroy",
        summary="Retire a doctor (clinic staff)",
        description=gettext_lazy(
            "Deactivates the doctor's login: they leave the directory and have no free slots. "
            "Their booked visits still to come are cancelled, with the reason, and the "
            "patients emailed. The profile, appointments and records are kept. Repeating it "
            "changes nothing."
        ),
        responses={204: None, **error_responses(401, 403, 404)},
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
        responses={200: SlotSerializer(many=True), **error_responses(400, 401, 404)},
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
