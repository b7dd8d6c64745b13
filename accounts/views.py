"""Activating a login, logging in and out, the start page and passwords.

Signing up as a patient is patients.views; the profile page, which gathers every app's
part of a person, is healthcare.views.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts import audit
from accounts.forms import EmailAuthenticationForm, PasswordResetForm
from accounts.models import SecurityEvent, UserManager
from accounts.services import activate_account
from healthcare.core.ratelimits import hit


def activate(request, uidb64, token):
    """The emailed link: activates the account, then the person logs in as usual.

    It does not log anyone in itself: mail scanners open links too.
    """
    user = activate_account(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "accounts/activation_invalid.html", status=400)
    audit.record(SecurityEvent.Kind.ACCOUNT_ACTIVATED, request=request, actor=user)
    messages.success(request, _("Your account is active. Please log in."))
    return redirect("accounts:login")


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as in Django) and say so on the next page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


@login_required
def home_for_role(request):
    """Where a user starts after logging in: the page their role works from."""
    user = request.user
    if user.is_clinic_staff:
        return redirect("admin:index")
    if user.is_doctor:
        return redirect("appointments:schedule")
    return redirect("appointments:mine")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; this session stays logged in, the others end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(SecurityEvent.Kind.PASSWORD_CHANGED, request=self.request, actor=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link; the worker emails it (registration/password_reset_*.txt)."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        # Per address and per account: the same answer whether or not the address is known.
        hit(request, "password-reset-ip")
        email = UserManager.normalize_email(request.POST.get("email", ""))
        if email:
            hit(request, "password-reset-account", email)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(SecurityEvent.Kind.PASSWORD_RESET, request=self.request, actor=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
