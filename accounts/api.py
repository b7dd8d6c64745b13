"""The API's accounts endpoints: JWT pairs, log out, who am I (signing up is patients.api).

Tokens are simplejwt's: access tokens live 15 minutes, refresh tokens 7 days and are
rotated on every refresh (the old one is blacklisted). A token carries the user's id,
role, a digest of their password hash and the key of its log-in (`sid`, a UserSession
row the user sees on their sessions page), and nothing else about the person. Logging
out blacklists the refresh token and ends the log-in, so its access tokens stop at once;
so does ending it from the sessions page or the admin. Changing or resetting the
password ends every token issued before.

Doctors, clinic staff and anyone who set up a second factor get tokens only with a code
in `otp` (from their authenticator app, or a recovery code); set-up is on the website.
Every token answer carries a `device` token: sent back with later log-ins it marks the
app as one that logged in before, which the log-in limit lets through while strangers'
wrong passwords lock the account (accounts.devices).
"""

from functools import partial

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.response import Response
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import UntypedToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenViewBase

from accounts import audit, devices, second_factor, sessions
from accounts.models import SecurityEvent, User, UserSession
from accounts.permissions import can_see_logins
from accounts.serializers import UserSerializer
from healthcare.core.api.representation import represent
from healthcare.core.api.schema import error_responses, invalid, limiter_unavailable, rate_limited
from healthcare.core.ratelimits import hit

OTP_REQUIRED = partial(
    exceptions.AuthenticationFailed,
    _(
        "This account logs in with a second factor: send the code from your authenticator app "
        "(or a recovery code) as `otp`. Set one up on the website first if you have none."
    ),
    "otp_required",
)
OTP_INVALID = partial(
    exceptions.AuthenticationFailed, _("That code is not right. Please try again."), "otp_invalid"
)


class TokenObtainSerializer(jwt_serializers.TokenObtainPairSerializer):
    """Email and password (and a second factor's code where one is needed) in, a token
    pair and a device token out; the tokens carry the user's id, role and log-in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp"] = serializers.CharField(required=False, write_only=True)
        self.fields["device"] = serializers.CharField(required=False, write_only=True)

    @classmethod
    def get_token(cls, user):
        return sessions.issue_refresh_token(user)

    def validate(self, attrs):
        request = self.context.get("request")
        self.user = authenticate(
            request=request,
            **{self.username_field: attrs[self.username_field]},
            password=attrs["password"],
            device=attrs.get("device"),
        )
        if not api_settings.USER_AUTHENTICATION_RULE(self.user):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if second_factor.required_for(self.user):
            if not attrs.get("otp"):
                raise OTP_REQUIRED()
            try:
                second_factor.verify(request, self.user, attrs["otp"])
            except second_factor.CodeRefused as refused:
                audit.record(
                    SecurityEvent.Kind.SECOND_FACTOR_FAILED, request=request, actor=self.user
                )
                raise exceptions.AuthenticationFailed(refused.message, "otp_invalid") from None
        refresh = sessions.issue_refresh_token(self.user, request)
        return {
            "refresh": str(refresh),
            "access": str(refresh.access_token),
            "device": devices.issue(
                devices.presented(request, attrs.get("device")), self.user.email
            ),
        }


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
        # Its log-in was ended (or predates logins as rows): so is the token.
        if not UserSession.objects.filter(
            user=user, kind=UserSession.Kind.API, key=refresh.payload.get(sessions.SESSION_CLAIM)
        ).exists():
            raise SESSION_ENDED()
        data = super().validate(attrs)
        sessions.refreshed(self.token_class(data["refresh"]), self.context.get("request"))
        return data


class CredentialsSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text=_("A refresh token."))


class LogInSerializer(CredentialsSerializer):
    otp = serializers.CharField(
        required=False,
        help_text=_(
            "Doctors, clinic staff and anyone who set up a second factor: the 6-digit code "
            "from their authenticator app, or one of their recovery codes (each works once)."
        ),
    )
    device = serializers.CharField(
        required=False,
        help_text=_(
            "The `device` token of an earlier log-in to this account from this app: with "
            "it, the right password is let in even while others' wrong guesses lock the "
            "account. A browser's device cookie works as well."
        ),
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text=_("Access token, valid for 15 minutes."))
    refresh = serializers.CharField(help_text=_("Refresh token, valid for 7 days, used once."))


class LoggedInSerializer(TokenPairSerializer):
    device = serializers.CharField(
        help_text=_("Keep it and send it with the next log-in to this account (see the request).")
    )


PAIR_EXAMPLE = OpenApiExample(
    "A token pair",
    value={"access": "eyJhbGciOiJIUzI1NiIs…", "refresh": "eyJhbGciOiJIUzI1NiIs…"},
    response_only=True,
)
LOGGED_IN_EXAMPLE = OpenApiExample(
    "A token pair and a device token",
    value={
        "access": "eyJhbGciOiJIUzI1NiIs…",
        "refresh": "eyJhbGciOiJIUzI1NiIs…",
        "device": ".eJyrVkrOz8nJSc0r…",
    },
    response_only=True,
)
SESSION_ENDED = partial(
    InvalidToken, _("This log-in was ended. Please log in again."), "session_ended"
)
# What refreshing or revoking a refresh token that was revoked before answers (simplejwt's
# TokenError, which its views raise again as InvalidToken).
REVOKED_TOKEN = partial(InvalidToken, _("Token is blacklisted"))


class TokenView(TokenViewBase):
    def validated_serializer(self, request):
        """The request's serializer, valid; a bad token answers 401 as simplejwt's views do."""
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return serializer


class TokenObtainView(TokenView):
    """Log in: trade an email and password for an access and a refresh token."""

    serializer_class = TokenObtainSerializer

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Obtain a token pair",
        description=_(
            "Log in. Doctors, clinic staff and anyone who set up a second factor also send "
            "`otp`: without it the answer is 401 `otp_required`, with a wrong one 401 "
            "`otp_invalid`. Keep the answer's `device` and send it with later log-ins."
        ),
        request=LogInSerializer,
        responses={
            200: LoggedInSerializer,
            **error_responses(
                invalid("password"),
                partial(
                    exceptions.AuthenticationFailed,
                    TokenObtainSerializer.default_error_messages["no_active_account"],
                    "no_active_account",
                ),
                OTP_REQUIRED,
                OTP_INVALID,
                rate_limited,
                limiter_unavailable,
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
            OpenApiExample(
                "Credentials and a second factor",
                value={  # nosec B105 (an example in the API docs)
                    "email": "dr.ines@example.org",
                    "password": "correct-horse-battery-staple",
                    "otp": "492039",
                },
                request_only=True,
            ),
            LOGGED_IN_EXAMPLE,
        ],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        # authenticate() runs the log-in rate limits (accounts.backends) and Django's
        # user_login_failed signal logs a failure; a success is logged here.
        serializer = self.validated_serializer(request)
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
            **error_responses(invalid("refresh"), REVOKED_TOKEN, SESSION_ENDED, rate_limited),
        },
        examples=[PAIR_EXAMPLE],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        hit(request, "token-refresh-ip")
        return super().post(request, *args, **kwargs)


class LogoutView(TokenView):
    """Log out: the refresh token is blacklisted, so it can no longer be refreshed, and its
    log-in ends, so access tokens made from it stop working at once.

    Holding the refresh token is what proves the right to revoke it, so no access token is
    needed.
    """

    serializer_class = jwt_serializers.TokenBlacklistSerializer

    @extend_schema(
        operation_id="auth_logout",
        summary="Log out (revoke a refresh token)",
        request=RefreshRequestSerializer,
        responses={
            204: None,
            **error_responses(invalid("refresh"), REVOKED_TOKEN),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        self.validated_serializer(request)
        refresh = UntypedToken(request.data["refresh"], verify=False)
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        UserSession.objects.filter(
            user_id=user_id, kind=UserSession.Kind.API, key=refresh.get(sessions.SESSION_CLAIM)
        ).delete()
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
        responses={200: UserSerializer, **error_responses(NotAuthenticated)},
    )
    def get(self, request):
        # The authentication loaded the user with their profiles (ProfileJWTAuthentication).
        return Response(represent(UserSerializer, request.user))


class UserDetailView(generics.GenericAPIView):
    """One account: the caller's own, or anyone's for staff who may look logins up (IT);
    others are not found."""

    serializer_class = UserSerializer

    def get_queryset(self):
        users = users_with_profiles()
        if can_see_logins(self.request.user):
            return users
        return users.filter(pk=self.request.user.pk)

    @extend_schema(
        operation_id="auth_users_retrieve",
        summary="An account (self, or anyone for staff)",
        responses={200: UserSerializer, **error_responses(NotAuthenticated, NotFound)},
    )
    def get(self, request, pk):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(user).data)
