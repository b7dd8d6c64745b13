"""Activating a login, logging in (with a second factor where needed) and out, the start
page, passwords, and the security page: two-step verification and where one is logged in.

Signing up as a patient is patients.views; the profile page, which gathers every app's
part of a person, is healthcare.views.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import audit, devices, second_factor, services, sessions
from accounts.forms import CodeForm, EmailAuthenticationForm, PasswordResetForm
from accounts.models import SecurityEvent, UserManager, UserSession
from accounts.services import activate_account
from healthcare.core.ratelimits import hit

Kind = SecurityEvent.Kind


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


@require_http_methods(["GET", "POST"])
def claim(request, uidb64, token):
    """The invitation a patient registered at the front desk was emailed: they choose a
    password for the login that already holds their visits, then log in as usual.

    Opening the link changes nothing (mail scanners open links too); the password does.
    """
    user = services.claimable_user(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "accounts/claim.html", {"validlink": False}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.claim_account(user=user, password=form.cleaned_data["new_password1"])
        messages.success(request, _("Your online account is ready. Please log in."))
        return redirect("accounts:login")
    return render(request, "accounts/claim.html", {"validlink": True, "form": form})


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
        # Django's session hash already shuts the other sessions out; end them for good,
        # so the security page does not list them, and the API's log-ins with them.
        sessions.follow_new_key(self.request)
        services.end_sessions(
            user=form.user,
            actor=form.user,
            request=self.request,
            keep=sessions.current_row_id(self.request),
        )
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
        services.end_sessions(user=form.user, actor=form.user, request=self.request)
        audit.record(SecurityEvent.Kind.PASSWORD_RESET, request=self.request, actor=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# -- the second factor ----------------------------------------------------------------


def _next_url(request):
    """Where to go once the log-in is complete: `next` if it stays on this site."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("accounts:home")


def _with_next(name, next_url):
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@login_required
def login_code(request):
    """After the password: the code from the authenticator app, or a recovery code."""
    user, next_url = request.user, _next_url(request)
    if not second_factor.is_pending(request):
        return redirect(next_url)
    if second_factor.authenticator(user) is None:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.verify(request, user, form.cleaned_data["code"])
        except second_factor.CodeRefused as refused:
            form.add_error("code", refused.message)
            audit.record(Kind.SECOND_FACTOR_FAILED, request=request, actor=user)
        else:
            second_factor.mark_verified(request, device)
            devices.remember(request, user)
            used_recovery_code = second_factor.is_recovery_code(device)
            audit.record(
                Kind.SECOND_FACTOR_VERIFIED,
                request=request,
                actor=user,
                detail="recovery code" if used_recovery_code else "authenticator app",
            )
            if used_recovery_code:
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)d is left. If your phone is lost, "
                        "set up a new authenticator app on your security page.",
                        "You used a recovery code: %(count)d are left. If your phone is lost, "
                        "set up a new authenticator app on your security page.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
    return render(request, "accounts/login_code.html", {"form": form, "next": next_url})


@login_required
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code, confirm with a code, keep the
    recovery codes. Replaces the one set up before, if any (only from a verified session)."""
    user, next_url = request.user, _next_url(request)
    pending = second_factor.is_pending(request)
    if pending and second_factor.authenticator(user) is not None:
        return redirect(_with_next("accounts:login_code", next_url))
    device = second_factor.start_enrolment(user)
    form = CodeForm(request.POST or None, for_setup=True)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.confirm_enrolment(device, form.cleaned_data["code"])
        except second_factor.CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            second_factor.mark_verified(request, device)
            if pending:
                devices.remember(request, user)
            audit.record(Kind.SECOND_FACTOR_ENROLLED, request=request, actor=user)
            # Sessions opened with the password alone must not outlive the new rule.
            services.end_sessions(
                user=user, actor=user, request=request, keep=sessions.current_row_id(request)
            )
            return _show_recovery_codes(request, codes, next_url)
    context = {
        "form": form,
        "next": next_url,
        "pending": pending,
        "replacing": second_factor.authenticator(user) is not None,
        "qr_code": mark_safe(second_factor.qr_code_svg(device)),  # nosec B308 B703 (segno's SVG)
        "secret": second_factor.secret_for_typing(device),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _show_recovery_codes(request, codes, next_url):
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store, private"  # shown once, kept nowhere
    return response


@login_required
@require_POST
def recovery_codes(request):
    """Ten new recovery codes; the old ones stop working."""
    if second_factor.authenticator(request.user) is None:
        return redirect("accounts:security")
    codes = second_factor.new_recovery_codes(request.user)
    audit.record(Kind.RECOVERY_CODES_MADE, request=request, actor=request.user)
    return _show_recovery_codes(request, codes, reverse("accounts:security"))


@login_required
@require_POST
def two_factor_disable(request):
    """Turn two-step verification off: for those whose role does not require it."""
    user = request.user
    if second_factor.role_requires(user):
        messages.error(request, _("Your role requires two-step verification: it stays on."))
        return redirect("accounts:security")
    second_factor.remove_devices(user)
    request.session[second_factor.REQUIRED] = False
    audit.record(Kind.SECOND_FACTOR_REMOVED, request=request, actor=user)
    messages.success(request, _("Two-step verification is off."))
    return redirect("accounts:security")


# -- the security page: two-step verification and sessions ----------------------------


@login_required
def security(request):
    """Two-step verification, and every browser and app logged in to this account."""
    user = request.user
    current = sessions.current_row_id(request)
    rows = UserSession.objects.active(timezone.now()).filter(user=user)
    listed = [
        {
            "row": row,
            "device": sessions.describe_device(row.user_agent),
            "current": row.pk == current,
        }
        for row in rows
    ]
    authenticator = second_factor.authenticator(user)
    context = {
        "browsers": [item for item in listed if item["row"].kind == UserSession.Kind.WEB],
        "apps": [item for item in listed if item["row"].kind == UserSession.Kind.API],
        "others": any(not item["current"] for item in listed),
        "authenticator": authenticator,
        "recovery_codes_left": (
            second_factor.recovery_codes_left(user) if authenticator is not None else 0
        ),
        "required": second_factor.role_requires(user),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def session_end(request, pk):
    """End one of one's other sessions: a browser is logged out, an app's token revoked."""
    row = get_object_or_404(
        UserSession.objects.filter(user=request.user).exclude(pk=sessions.current_row_id(request)),
        pk=pk,
    )
    services.end_session(session=row, actor=request.user, request=request)
    messages.success(request, _("That session has ended."))
    return redirect("accounts:security")


@login_required
@require_POST
def sessions_end_others(request):
    """End every session but this browser's."""
    ended = services.end_sessions(
        user=request.user,
        actor=request.user,
        request=request,
        keep=sessions.current_row_id(request),
    )
    messages.success(
        request,
        ngettext(
            "%(count)d other session has ended.", "%(count)d other sessions have ended.", ended
        )
        % {"count": ended},
    )
    return redirect("accounts:security")
