"""The API's sign-up for patients (POST auth/register) and a patient's family members
(GET dependants/).

Patients' profiles (list, read, change, create, retire) are appointments.api.patients:
who may see a patient depends on their visits.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from healthcare.core.api.schema import error_responses, invalid, rate_limited
from healthcare.core.ratelimits import hit
from patients.models import Guardianship
from patients.serializers import DependantSerializer, RegisterSerializer
from patients.services import sign_up_patient

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
            **error_responses(invalid("email"), rate_limited),
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
        sign_up_patient(**serializer.validated_data)
        return Response({"detail": str(SIGN_UP_ACCEPTED)}, status=status.HTTP_202_ACCEPTED)


class DependantListView(generics.ListAPIView):
    """The family members whose care the caller manages (added on the site's "My family"
    page). Book for one by giving their `id` as `patient` in POST appointments/; their
    appointments and records are in the caller's lists. Empty for anyone else."""

    serializer_class = DependantSerializer

    def get_queryset(self):
        return (
            Guardianship.objects.active()
            .filter(guardian__user=self.request.user)
            .select_related("dependant__user")
            .order_by("dependant__user__first_name", "pk")
        )

    @extend_schema(
        operation_id="dependants_list",
        summary="List the caller's family members (dependants)",
        responses={
            200: DependantSerializer(many=True),
            **error_responses(NotAuthenticated, NotFound),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
