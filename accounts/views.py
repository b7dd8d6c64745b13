"""Placeholder: being written."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("")


register = home_for_role = profile = _todo
LoginView = auth_views.LoginView
LogoutView = auth_views.LogoutView
PasswordChangeView = auth_views.PasswordChangeView
PasswordResetView = auth_views.PasswordResetView
PasswordResetDoneView = auth_views.PasswordResetDoneView
PasswordResetConfirmView = auth_views.PasswordResetConfirmView
PasswordResetCompleteView = auth_views.PasswordResetCompleteView
