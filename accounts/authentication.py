"""The API's authentication: simplejwt's bearer tokens, with the caller's profile."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User, UserSession
from accounts.sessions import SESSION_CLAIM
from healthcare.core.prepared import PreparedQuery


def _token_user(user_id, key):
    """The login with this id, its profiles joined, and whether its API log-in with this
    key (a token's `sid`: a UserSession row) still stands, in one query."""
    live = UserSession.objects.filter(user_id=OuterRef("pk"), kind=UserSession.Kind.API, key=key)
    return (
        User.objects.select_related("patient", "doctor")
        .annotate(log_in_live=Exists(live))
        .filter(**{api_settings.USER_ID_FIELD: user_id})
        .order_by()
    )


# Every API request runs it: compiled to SQL once per process (healthcare.core.prepared).
TOKEN_USER = PreparedQuery(User, _token_user, user_id=-918_273_645, key="-prepared-session-key-")


class ProfileJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer-token authentication, loading the caller's patient or doctor
    profile in the same query as the login.

    The API's views need the profile on almost every request (whose appointments, who
    books, whose records); loaded with the user it costs no query of its own. simplejwt
    checks the token itself (signature, type, expiry); `get_user` is its seam for
    finding the token's user.
    """

    def get_user(self, validated_token):
        """The token's user, profiles joined, after the checks simplejwt's own makes.

        The same checks, in the same order and with the same codes, as simplejwt 5.5's
        JWTAuthentication.get_user: a user id claim, an existing user, an active one
        (CHECK_USER_IS_ACTIVE), and a password unchanged since the token was issued
        (CHECK_REVOKE_TOKEN). tests/accounts/test_authentication.py holds each of them.
        Then ours: the log-in the token belongs to (its `sid`, a UserSession row) has not
        been ended by logging out, from the sessions page or by staff.
        """
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc

        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        # A token without a log-in key (`sid`) matches no log-in: "" is nobody's key.
        user = TOKEN_USER.get(user_id=user_id, key=validated_token.get(SESSION_CLAIM) or "")
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")

        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")

        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )

        if not user.log_in_live:
            raise AuthenticationFailed(
                _("This log-in was ended. Please log in again."), code="session_ended"
            )

        return user


class ProfileJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema's bearer scheme (`jwtAuth`), as for simplejwt's own class."""

    target_class = ProfileJWTAuthentication
