"""The API's accounts endpoints: sign up, JWT pairs, log out, who am I.

Tokens are simplejwt's: access tokens live 15 minutes, refresh tokens 7 days and are
rotated on every refresh (the old one is blacklisted). A token carries the user's id,
role and a digest of their password hash, and nothing else about the person. Logging out
blacklists the refresh token (an access token already issued stays valid until it
expires); changing or resetting the password ends every token issued before.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import UntypedToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenViewBase

from accounts import audit
from accounts.forms import validate_date_of_birth
from accounts.models import SecurityEvent, User, UserManager
from accounts.services import register_patient, sign_up_patient
from healthcare.core.api.schema import error_responses
from healthcare.core.ratelimits import hit

SIGN_UP_ACCEPTED = _(
    "We have sent a message to this address: open its link to activate the account. If "
    "the address already has an account, the message says so instead."
)


class UserSerializer(serializers.ModelSerializer):
    """A login as the API shows it, with the id of its patient or doctor profile."""

    patient_id = serializers.IntegerField(
        source="patient.pk",
        read_only=True,
        allow_null=True,
        help_text=_("The caller's patient profile, or null if they are not a patient."),
    )
    doctor_id = serializers.IntegerField(
        source="doctor.pk",
        read_only=True,
        allow_null=True,
        help_text=_("The caller's doctor profile, or null if they are not a doctor."),
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "role",
            "patient_id",
            "doctor_id",
        ]
        read_only_fields = fields


def new_email(value):
    """A normalised email address nobody uses yet (case-insensitively).

    For staff-only endpoints (creating a doctor): clinic staff may know who is registered.
    Self-registration never says (see sign_up_patient).
    """
    email = UserManager.normalize_email(value)
    if User.objects.filter(email__iexact=email).exists():
        raise serializers.ValidationError(
            User._meta.get_field("email").error_messages["unique"], code="unique"
        )
    return email


def validate_new_password(password, *, email, first_name, last_name):
    """Django's password validators, against the would-be user (no password like one's name)."""
    would_be_user = User(email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=would_be_user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from exc


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_date_of_birth]
    )

    def validate_email(self, value):
        # Whether the address already has an account is never said: see sign_up_patient.
        return UserManager.normalize_email(value)

    def validate(self, attrs):
        if attrs.get("password") is not None:
            validate_new_password(
                attrs["password"],
                email=attrs["email"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
            )
        return attrs


def register(data):
    """register_patient for staff-only endpoints; a lost race for the address is a field error."""
    try:
        return register_patient(**data)
    except IntegrityError as exc:
        raise serializers.ValidationError(
            {"email": [User._meta.get_field("email").error_messages["unique"]]}, code="unique"
        ) from exc


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


class TokenObtainSerializer(jwt_serializers.TokenObtainPairSerializer):
    """Email and password in, a token pair out; the tokens carry the user's id and role."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["role"] = user.role
        return token


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(pk=refresh.payload.get(api_settings.USER_ID_CLAIM)).first()
        if user is None:  # the account was deleted since
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        # Access tokens made from it would be refused (CHECK_REVOKE_TOKEN): say so now.
        if refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password
        ):
            raise exceptions.AuthenticationFailed(
                _("The password was changed; please log in again."), "password_changed"
            )
        return super().validate(attrs)


class CredentialsSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text=_("A refresh token."))


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text=_("Access token, valid for 15 minutes."))
    refresh = serializers.CharField(help_text=_("Refresh token, valid for 7 days, used once."))


PAIR_EXAMPLE = OpenApiExample(
    "A token pair",
    value={"access": "eyJhbGciOiJIUzI1NiIs…", "refresh": "eyJhbGciOiJIUzI1NiIs…"},
    response_only=True,
)
BAD_TOKEN = ("token_not_valid", "Token is blacklisted", {})


class TokenObtainView(TokenViewBase):
    """Log in: trade an email and password for an access and a refresh token."""

    serializer_class = TokenObtainSerializer

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Obtain a token pair",
        request=CredentialsSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(
                400,
                401,
                429,
                503,
                examples={
                    401: [
                        (
                            "no_active_account",
                            "No active account found with the given credentials",
                            {},
                        )
                    ]
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Credentials",
                value={  # nosec B105 (an example in the API docs)
                    "email": "ada@example.org",
                    "password": "correct-horse-battery-staple",
                },
                request_only=True,
            ),
            PAIR_EXAMPLE,
        ],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        # authenticate() runs the log-in rate limits (accounts.backends) and Django's
        # user_login_failed signal logs a failure; a success is logged here.
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        audit.record(SecurityEvent.Kind.TOKEN_ISSUED, request=request, actor=serializer.user)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class TokenRefreshView(TokenViewBase):
    """Trade a refresh token for a new pair; the old refresh token stops working."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        operation_id="auth_token_refresh",
        summary="Refresh a token pair",
        request=RefreshRequestSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(400, 401, 429, examples={401: [BAD_TOKEN]}),
        },
        examples=[PAIR_EXAMPLE],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        hit(request, "token-refresh-ip")
        return super().post(request, *args, **kwargs)


class LogoutView(TokenViewBase):
    """Log out: the refresh token is blacklisted, so it can no longer be refreshed.

    Holding the refresh token is what proves the right to revoke it, so no access token is
    needed. Access tokens already issued keep working until they expire (15 minutes).
    """

    serializer_class = jwt_serializers.TokenBlacklistSerializer

    @extend_schema(
        operation_id="auth_logout",
        summary="Log out (revoke a refresh token)",
        request=RefreshRequestSerializer,
        responses={
            204: None,
            **error_responses(400, 401, examples={401: [BAD_TOKEN]}),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user_id = UntypedToken(request.data["refresh"], verify=False).get(
            api_settings.USER_ID_CLAIM
        )
        audit.record(
            SecurityEvent.Kind.TOKEN_REVOKED,
            request=request,
            actor=User.objects.filter(pk=user_id).first(),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def users_with_profiles():
    return User.objects.select_related("patient", "doctor")


class MeView(generics.GenericAPIView):
    """The caller's own account and the id of their patient or doctor profile."""

    serializer_class = UserSerializer

    @extend_schema(
        operation_id="auth_me",
        summary="The caller's account",
        responses={200: UserSerializer, **error_responses(401)},
    )
    def get(self, request):
        user = users_with_profiles().get(pk=request.user.pk)
        return Response(self.get_serializer(user).data)


class UserDetailView(generics.GenericAPIView):
    """One account: the caller's own, or anyone's for clinic staff; others are not found."""

    serializer_class = UserSerializer

    def get_queryset(self):
        users = users_with_profiles()
        if self.request.user.is_clinic_staff:
            return users
        return users.filter(pk=self.request.user.pk)

    @extend_schema(
        operation_id="auth_users_retrieve",
        summary="An account (self, or anyone for staff)",
        responses={200: UserSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(user).data)
