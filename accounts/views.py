"""Signing up, logging in and out, the profile page and passwords."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import audit
from accounts.forms import (
    AccountForm,
    DoctorBioForm,
    EmailAuthenticationForm,
    PatientDetailsForm,
    RegistrationForm,
)
from accounts.models import SecurityEvent, User, UserManager
from accounts.services import activate_account, sign_up_patient
from healthcare.core.ratelimits import hit, limit_posts
from patients.models import Patient


@sensitive_post_parameters("password1", "password2")
@limit_posts("register-ip")
def register(request):
    """A new patient signs up and is sent a link that activates the account.

    The next page is the same whether or not the address already had an account, so the
    form cannot be used to find out who is registered.
    """
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sign_up_patient(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            absolute_url=request.build_absolute_uri,
        )
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    return render(request, "accounts/register_done.html")


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


def _details_form_class_and_instance(user):
    """The role-specific part of the profile, if the user has one."""
    if user.is_patient:
        # A patient account made by hand may lack its Patient row; saving creates it.
        return PatientDetailsForm, user.patient_profile or Patient(user=user)
    if (doctor := user.doctor_profile) is not None:
        return DoctorBioForm, doctor
    return None, None


@login_required
def profile(request):
    """Everyone edits their own name, phone and picture; patients and doctors a little more."""
    user = request.user
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    # The form edits its own copy, so the page's summary never shows refused, unsaved input.
    account_form = AccountForm(data, files, instance=User.objects.get(pk=user.pk))
    details_form_class, details_instance = _details_form_class_and_instance(user)
    details_form = (
        details_form_class(data, instance=details_instance) if details_form_class else None
    )
    forms = [form for form in (account_form, details_form) if form is not None]
    if request.method == "POST":
        valid = [form.is_valid() for form in forms]  # validate all, to show every error
        if all(valid):
            with transaction.atomic():
                for form in forms:
                    form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "account_form": account_form,
            "details_form": details_form,
        },
    )


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
    template_name = "accounts/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"clinic_name": settings.CLINIC_NAME}

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
