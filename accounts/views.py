"""Signing up, logging in and out, the profile page and passwords."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import (
    AccountForm,
    DoctorBioForm,
    EmailAuthenticationForm,
    PatientDetailsForm,
    RegistrationForm,
)
from accounts.models import User
from accounts.services import register_patient
from patients.models import Patient


@sensitive_post_parameters("password1", "password2")
def register(request):
    """A new patient signs up, is logged in and lands on their own start page."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_patient(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                date_of_birth=data["date_of_birth"],
            )
        except IntegrityError:
            # Someone registered the same address between the check and the insert.
            form.add_error("email", form.email_unavailable_error())
        else:
            login(request, user)
            messages.success(
                request,
                _("Welcome, %(name)s. Your account is ready.") % {"name": user.display_name},
            )
            return redirect("accounts:home")
    return render(request, "accounts/register.html", {"form": form})


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
        return PatientDetailsForm, getattr(user, "patient", None) or Patient(user=user)
    if user.is_doctor:
        doctor = getattr(user, "doctor", None)
        if doctor is not None:
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


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
