"""Signing up as a patient; the doctor's patients: a searchable list and each patient's
page with their history.

A doctor sees only the patients who have or had an appointment with them; staff see
everyone. Anyone else (and any patient outside that set) gets a 404. Every view of a
patient's page by someone other than the patient is written to the access log.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from appointments.models import Appointment
from healthcare.core.http import client_ip
from healthcare.core.ratelimits import limit_posts
from patients.forms import PatientSearchForm, RegistrationForm
from patients.models import Patient
from patients.services import sign_up_patient
from records.models import AccessLog, MedicalRecord
from records.services import log_access

PER_PAGE = 25


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


def doctor_or_staff_required(view):
    """Logged-in doctors (passed on as `doctor`) and staff (`doctor=None`); others get a 404."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        doctor = user.doctor_profile
        if doctor is None and not user.is_clinic_staff:
            raise Http404
        return view(request, *args, doctor=doctor, **kwargs)

    return wrapper


def _with_visits(patients, doctor, now):
    """Annotate each patient's last and next visit (with `doctor`, or with anyone for staff)."""
    visits = Appointment.objects.active().filter(patient=OuterRef("pk"))
    if doctor is not None:
        visits = visits.filter(doctor=doctor)
    last = visits.filter(start__lt=now).order_by("-start").values("start")[:1]
    upcoming = visits.upcoming(now).filter(start__gte=now).values("start")[:1]
    return patients.annotate(last_visit=Subquery(last), next_visit=Subquery(upcoming))


def _matching(patients, search):
    for word in search.split():
        patients = patients.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return patients


@doctor_or_staff_required
def patient_list(request, *, doctor):
    """The doctor's patients with their last and next visit; the query count is fixed."""
    form = PatientSearchForm(request.GET)
    search = form.search()
    patients = _matching(Patient.objects.visible_to(request.user), search)
    patients = _with_visits(patients.select_related("user"), doctor, timezone.now()).order_by(
        "user__last_name", "user__first_name", "pk"
    )
    page = Paginator(patients, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/list.html",
        {"form": form, "page_obj": page, "search": search, "doctor": doctor},
    )


@login_required
def patient_detail(request, pk):
    """A patient's profile and their history with this clinic, as far as the user may see it."""
    user = request.user
    patient = get_object_or_404(Patient.objects.visible_to(user).select_related("user"), pk=pk)
    appointments = (
        Appointment.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("doctor__user", "doctor__specialty", "cancelled_by")
        .order_by("-start")
    )
    records = (
        MedicalRecord.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("doctor__user", "appointment")
        .order_by("-created_at", "-pk")
    )
    log_access(
        actor=user,
        action=AccessLog.Action.VIEW,
        target=AccessLog.Target.PATIENT,
        object_id=patient.pk,
        patient=patient,
        ip=client_ip(request),
    )
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "age": patient.age(timezone.localdate()),
            "appointments": appointments,
            "records": records,
            "is_self": patient.user_id == user.pk,
        },
    )
