"""Medical record pages: the doctor's record form and amendments, the record with its
history, the patient's own records and "who looked at my records"; and the pages that
show clinical data around them: an appointment's page (with the patient's summary and
earlier visits for their doctor) and a patient's page (their visits and records).

Every write goes through records.services; every view of a record by someone other than
the patient is logged there too. A record, an appointment or a page the user may not
see is a 404, and a 404 writes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from appointments.models import Appointment
from appointments.selectors import appointment_pages, earlier_visits, visible_patients
from appointments.services import allowed_transitions, can_reschedule
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from healthcare.core.http import client_ip
from patients.models import AccessLog, Patient
from patients.services import log_access_to
from records.export import download
from records.forms import AmendForm, RecordForm
from records.models import MedicalRecord, MedicalRecordVersion
from records.permissions import can_export, is_appointments_doctor, is_author
from records.services import RecordError, RecordExists, amend_record, can_write_record, write_record

Status = Appointment.Status
PER_PAGE = 20

# The doctor's status buttons (cancelling has its own page, to ask for a reason).
STATUS_ACTIONS = {
    Status.CHECKED_IN: gettext_lazy("Check in"),
    Status.FULFILLED: gettext_lazy("Mark as fulfilled"),
    Status.NOSHOW: gettext_lazy("Record a no-show"),
}


def _patient_of(user):
    """The user's patient profile; any other user gets a 404."""
    patient = user.patient_profile
    if patient is None:
        raise Http404
    return patient


def _visible_record(user, pk, **filters):
    records = (
        MedicalRecord.objects.visible_to(user)
        .filter(**filters)
        .select_related("patient__user", "doctor__user", "doctor__specialty", "appointment")
    )
    return get_object_or_404(records, pk=pk)


def _history(versions):
    """Versions newest first, each with the fields it changed and their earlier values."""
    entries = []
    previous = None
    for version in versions:
        changes = [
            {
                "label": capfirst(MedicalRecordVersion._meta.get_field(name).verbose_name),
                "old": getattr(previous, name) if previous else None,
                "new": getattr(version, name),
            }
            for name in version.changed_fields(previous)
        ]
        entries.append({"version": version, "changes": changes, "original": previous is None})
        previous = version
    return entries[::-1]


@login_required
def appointment_detail(request, pk):
    """One appointment for its patient, its doctor or staff, with the actions allowed now.

    The appointment's doctor also gets the patient's summary and earlier visits with
    their records, and the way to write this visit's record; showing them is written to
    the access log. Here, with records, because the page shows clinical data.
    """
    appointment = get_object_or_404(appointment_pages(request.user), pk=pk)
    allowed = allowed_transitions(appointment, request.user)
    record = getattr(appointment, "medical_record", None)
    is_doctor = is_appointments_doctor(request.user, appointment)
    context = {
        "appointment": appointment,
        "record": record,
        "can_cancel": Status.CANCELLED in allowed,
        "can_reschedule": can_reschedule(appointment, request.user),
        "is_patient": appointment.patient.user_id == request.user.pk,
        "is_doctor": is_doctor,
    }
    buttons = allowed
    if is_doctor:
        # The doctor fulfils a visit by writing its record, not with a bare button.
        buttons = [status for status in allowed if status != Status.FULFILLED]
        context["can_write_record"] = record is None and can_write_record(appointment, request.user)
    # A cancelled visit alone does not make someone this doctor's patient.
    if is_doctor and visible_patients(request.user).filter(pk=appointment.patient_id).exists():
        context["show_patient"] = True
        context["earlier_visits"] = earlier_visits(appointment)
        log_access_to(appointment.patient, actor=request.user, ip=client_ip(request))
    context["status_actions"] = [
        (status, STATUS_ACTIONS[status]) for status in buttons if status in STATUS_ACTIONS
    ]
    return render(request, "appointments/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def write(request, appointment_pk):
    """The record form of one appointment, for that appointment's doctor only."""
    appointments = (
        Appointment.objects.visible_to(request.user)
        .filter(doctor__user=request.user)
        .select_related("patient__user", "doctor__user", "medical_record")
    )
    appointment = get_object_or_404(appointments, pk=appointment_pk)
    existing = getattr(appointment, "medical_record", None)
    if existing is not None:
        messages.info(request, RecordExists.default_message)
        return redirect("records:detail", pk=existing.pk)

    form = RecordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record = write_record(
                appointment=appointment,
                author=request.user,
                ip=client_ip(request),
                **form.cleaned_data,
            )
        except RecordExists as error:
            messages.error(request, error.message)
            record = MedicalRecord.objects.get(appointment=appointment)
            return redirect("records:detail", pk=record.pk)
        except RecordError as error:
            add_domain_error(form, error)
        except DomainError as error:  # InvalidTransition and the like: not now
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The record is saved and the appointment is marked fulfilled.")
            )
            return redirect("records:detail", pk=record.pk)

    can_write = can_write_record(appointment, request.user)
    return render(
        request,
        "records/write.html",
        {"appointment": appointment, "form": form, "can_write": can_write},
    )


@login_required
@require_safe
def detail(request, pk):
    """One record with its appointment, its author and every version it has had."""
    record = _visible_record(request.user, pk)
    versions = record.versions.select_related("author").order_by("version")
    log_access_to(record, actor=request.user, ip=client_ip(request))
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "history": _history(versions),
            "is_patient": record.patient.user_id == request.user.pk,
            "is_author": is_author(request.user, record),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def amend(request, pk):
    """Amend a record: its author adds a new version, the earlier ones stay readable."""
    record = _visible_record(request.user, pk, doctor__user=request.user)
    if request.method == "POST":
        form = AmendForm(request.POST)
        if form.is_valid():
            try:
                amend_record(
                    record=record, author=request.user, ip=client_ip(request), **form.cleaned_data
                )
            except DomainError as error:  # NothingChanged, an over-long reason: form errors
                add_domain_error(form, error)
            else:
                messages.success(request, _("The record is amended. The earlier version is kept."))
                return redirect("records:detail", pk=record.pk)
    else:
        form = AmendForm(
            initial={
                "diagnosis": record.diagnosis,
                "prescription": record.prescription,
                "notes": record.notes,
            }
        )
        log_access_to(record, actor=request.user, ip=client_ip(request))
    return render(request, "records/amend.html", {"record": record, "form": form})


@login_required
@require_safe
def mine(request):
    """The patient's own records, newest first, read-only."""
    patient = _patient_of(request.user)
    records = (
        MedicalRecord.objects.filter(patient=patient)
        .select_related("doctor__user", "doctor__specialty", "appointment")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/mine.html", {"page": page})


@login_required
@require_safe
def access_log(request):
    """Who looked at or changed the patient's records and profile, newest first."""
    patient = _patient_of(request.user)
    entries = AccessLog.objects.for_patient(patient)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/access_log.html", {"page": page})


@login_required
def patient_detail(request, pk):
    """A patient's profile and their history with this clinic, as far as the user may see it."""
    user = request.user
    patient = get_object_or_404(visible_patients(user).select_related("user"), pk=pk)
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
    log_access_to(patient, actor=user, ip=client_ip(request))
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


@login_required
@require_safe
def export(request):
    """ "Download my data": the patient's own copy (`?format=pdf` for the readable one)."""
    patient = _patient_of(request.user)
    return download(
        patient,
        actor=request.user,
        ip=client_ip(request),
        as_pdf=request.GET.get("format") == "pdf",
    )


@login_required
@require_safe
def patient_export(request, pk):
    """Staff make a patient's copy for them (logged as theirs); the patient their own."""
    patient = get_object_or_404(Patient.objects.select_related("user"), pk=pk)
    if not can_export(request.user, patient):
        raise Http404
    return download(
        patient,
        actor=request.user,
        ip=client_ip(request),
        as_pdf=request.GET.get("format") == "pdf",
    )
