"""The pages that belong to no one app: the front page, the profile page, which gathers
each app's part of a person (accounts' login, patients' health details, doctors'
biography, appointments' calendar address), and closing a patient's account (which
spans them too)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.forms import AccountForm, ConfirmPasswordForm
from accounts.models import SecurityEvent, User
from appointments.forms import FirstAvailableForm, usual_visit_type
from appointments.selectors import bookable_dates, first_available, patient_of
from appointments.services import close_account
from doctors.forms import DoctorBioForm
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from patients.forms import PatientDetailsForm
from patients.models import Patient

# The home page's next free times across doctors, over the coming days: looked for in the
# first HOME_FIRST_DAYS (enough in a clinic with free time: a fraction of the doctors' busy
# time to load), then, if fewer were found, over all HOME_DAYS.
HOME_TIMES = 6
HOME_FIRST_DAYS = 2
HOME_DAYS = 14


def home(request):
    """The front page: "What do you need?" (a kind of visit, a specialty, a site: the
    first available times across doctors), the next free times of the usual kind of
    visit, each one click from its confirmation, and the directory's search.

    The times are those the patient may book online (a visitor: as a new patient), so
    booking from here takes three pages: this one, the confirmation, the booked visit.
    """
    visit_type = usual_visit_type()
    slots = []
    if visit_type is not None:
        first, _last = bookable_dates()
        patient = patient_of(request.user)
        for days in (HOME_FIRST_DAYS, HOME_DAYS):
            slots = first_available(
                visit_type=visit_type,
                start_date=first,
                end_date=first + timedelta(days=days - 1),
                limit=HOME_TIMES,
                online=True,
                patient=patient,
            )
            if len(slots) == HOME_TIMES:
                break
    form = FirstAvailableForm(initial={"type": visit_type})
    return render(
        request,
        "home.html",
        {
            "form": form,
            "visit_type": visit_type,
            "slots": slots,
            "days": HOME_DAYS,
            "specialties": form.fields["specialty"].queryset,
        },
    )


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


@login_required
@require_http_methods(["GET", "POST"])
def close_account_page(request):
    """A patient closes their account, after reading what happens and giving their password."""
    user = request.user
    if user.patient_profile is None:
        raise Http404
    form = ConfirmPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = close_account(user=user, password=form.cleaned_data["password"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            audit.record(SecurityEvent.Kind.ACCOUNT_CLOSED, request=request, actor=user)
            logout(request)
            message = _("Your account is closed.")
            if cancelled:
                message += " " + ngettext(
                    "Your upcoming visit is cancelled.",
                    "Your %(count)d upcoming visits are cancelled.",
                    cancelled,
                ) % {"count": cancelled}
            messages.success(request, message)
            return redirect("home")
    upcoming = user.patient_profile.appointments.upcoming()
    return render(
        request,
        "accounts/close.html",
        {
            "form": form,
            "upcoming": upcoming,
            "retention_years": settings.RECORD_RETENTION_YEARS,
        },
    )
