"""Permission classes shared by the API's endpoints."""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission


class IsClinicStaff(BasePermission):
    message = gettext_lazy("Only clinic staff can do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_clinic_staff)
