"""The API's own views: the root that links to everything, and the JSON 404."""

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootSerializer(serializers.Serializer):
    register = serializers.URLField()
    token = serializers.URLField()
    token_refresh = serializers.URLField()
    logout = serializers.URLField()
    me = serializers.URLField()
    patients = serializers.URLField()
    doctors = serializers.URLField()
    appointments = serializers.URLField()
    medical_records = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiRootView(APIView):
    """Where everything is: links to the collections, the token endpoints and the docs."""

    authentication_classes = []
    permission_classes = [AllowAny]

    LINKS = {
        "register": "api:auth-register",
        "token": "api:auth-token",  # nosec B105 (a URL name, not a secret)
        "token_refresh": "api:auth-token-refresh",  # nosec B105 (a URL name, not a secret)
        "logout": "api:auth-logout",
        "me": "api:auth-me",
        "patients": "api:patient-list",
        "doctors": "api:doctor-list",
        "appointments": "api:appointment-list",
        "medical_records": "api:record-list",
        "waitlist": "api:waitlist-list",
        "schema": "api:schema",
        "docs": "api:docs",
    }

    def get(self, request):
        return Response({key: reverse(name, request=request) for key, name in self.LINKS.items()})


class ApiRootSchema(OpenApiViewExtension):
    """Documents ApiRootView.

    Not with @extend_schema on the view, which would load drf-spectacular's AutoSchema
    (and with it rest_framework.generics) as soon as this module is imported: this
    package also holds DRF's pagination setting and exception handler, which DRF imports
    while generics is still loading. Extensions are applied only when the schema is
    generated, so every module of the package stays safe to import at any time.
    """

    target_class = ApiRootView

    def view_replacement(self):
        class DocumentedApiRootView(self.target_class):
            @extend_schema(
                operation_id="api_root",
                summary="Links to every part of the API",
                responses={200: ApiRootSerializer},
                auth=[],
                tags=["api"],
            )
            def get(self, request):
                return super().get(request)

        return DocumentedApiRootView


class NotFoundView(APIView):
    """Any other address under /api/: a JSON 404 whatever the method, never an HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    schema = None

    def not_found(self, request, *args, **kwargs):
        path = request.path
        other = path[:-1] if path.endswith("/") else f"{path}/"
        try:
            resolved = resolve(other)
        except Resolver404:
            resolved = None
        if resolved is not None and getattr(resolved.func, "view_class", None) is not type(self):
            raise exceptions.NotFound(
                _("No API endpoint at this address. Did you mean %(path)s?") % {"path": other}
            )
        raise exceptions.NotFound(_("No API endpoint at this address."))

    get = post = put = patch = delete = head = options = trace = not_found
