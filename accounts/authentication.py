"""The API's authentication: simplejwt's bearer tokens, with the caller's profile."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.models import User


class _UsersWithProfiles:
    """Where `JWTAuthentication.get_user` looks the caller up: users, profiles joined."""

    DoesNotExist = User.DoesNotExist

    @property
    def objects(self):
        return User.objects.select_related("patient", "doctor")


class ProfileJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer-token authentication, loading the caller's patient or doctor
    profile in the same query as the login.

    The API's views need the profile on almost every request (whose appointments, who
    books, whose records); loaded with the user it costs no query of its own. Every check
    simplejwt makes (active user, token type, expiry) is simplejwt's own.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithProfiles()


class ProfileJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema's bearer scheme (`jwtAuth`), as for simplejwt's own class."""

    target_class = ProfileJWTAuthentication
