"""The API's accounts endpoints: JWT pairs, log out, who am I (signing up is patients.api).

Tokens are simplejwt's: access tokens live 15 minutes, refresh tokens 7 days and are
rotated on every refresh (the old one is blacklisted). A token carries the user's id,
role and a digest of their password hash, and nothing else about the person. Logging out
blacklists the refresh token (an access token already issued stays valid until it
expires); changing or resetting the password ends every token issued before.
"""

from functools import partial

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

from accounts import audit
from accounts.models import SecurityEvent, User
from accounts.permissions import can_see_logins
from accounts.serializers import UserSerializer
from healthcare.core.api.schema import error_responses, invalid, limiter_unavailable, rate_limited
from healthcare.core.ratelimits import hit


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
        request=CredentialsSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(
                invalid("password"),
                partial(
                    exceptions.AuthenticationFailed,
                    TokenObtainSerializer.default_error_messages["no_active_account"],
                    "no_active_account",
                ),
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
            PAIR_EXAMPLE,
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
            **error_responses(invalid("refresh"), REVOKED_TOKEN, rate_limited),
        },
        examples=[PAIR_EXAMPLE],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        hit(request, "token-refresh-ip")
        return super().post(request, *args, **kwargs)


class LogoutView(TokenView):
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
            **error_responses(invalid("refresh"), REVOKED_TOKEN),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        self.validated_serializer(request)
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
        responses={200: UserSerializer, **error_responses(NotAuthenticated)},
    )
    def get(self, request):
        user = users_with_profiles().get(pk=request.user.pk)
        return Response(self.get_serializer(user).data)


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
