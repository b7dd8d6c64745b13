"""The pages that belong to no one app: the front page, and the profile page, which
gathers each app's part of a person (accounts' login, patients' health details, doctors'
biography, appointments' calendar address)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import AccountForm
from accounts.models import User
from doctors.forms import DoctorBioForm
from doctors.models import Specialty
from patients.forms import PatientDetailsForm
from patients.models import Patient


def home(request):
    """The front page: what the clinic offers and a way straight into the directory."""
    specialties = Specialty.objects.all()
    return render(request, "home.html", {"specialties": specialties})


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
    """Everyone edits their own name, phone and picture; patients and doctors a little more.

    Here, in the composition root, because it assembles forms of accounts, patients and
    doctors; the calendar address section comes from appointments' template tag.
    """
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
