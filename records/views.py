"""Medical record pages: the doctor's record form and amendments, the record with its
history, the patient's own records and "who looked at my records"; and the pages that
show clinical data around them: an appointment's page (with the patient's summary and
earlier visits for their doctor) and a patient's page (their visits and records).

Every write goes through records.services; every view of a record by someone other than
the patient is logged there too. A record, an appointment or a page the user may not
see is a 404, and a 404 writes nothing. A doctor outside a care relationship with the
patient is offered to break the glass instead of their records (a record's page answers
403 with the offer); the form that does it is here too.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import doctor_required
from appointments.models import Appointment
from appointments.selectors import (
    appointment_pages,
    cancellation_policy,
    earlier_visits,
    visible_patients,
)
from appointments.services import allowed_transitions, changes_allowed
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from healthcare.core.http import client_ip
from patients.models import AccessLog, Patient
from patients.permissions import acts_for, sees_clinical_content
from patients.services import log_access_to, log_copy, log_views
from records.export import download
from records.forms import AmendForm, BreakGlassForm, RecordForm
from records.models import BreakGlassAccess, MedicalRecord, MedicalRecordVersion
from records.permissions import (
    can_break_the_glass,
    can_export,
    is_appointments_doctor,
    is_author,
    reads_records_of,
)
from records.services import (
    BreakGlassNotNeeded,
    RecordError,
    RecordExists,
    amend_record,
    break_the_glass,
    can_write_record,
    write_record,
)

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
    user = request.user
    appointment = get_object_or_404(appointment_pages(user), pk=pk)
    allowed = allowed_transitions(appointment, user)
    changes = changes_allowed(appointment, user)
    record = getattr(appointment, "medical_record", None)
    is_doctor = is_appointments_doctor(user, appointment)
    is_patient = acts_for(user, appointment.patient)  # the patient or their guardian
    # Staff see the reasons (for the visit, for cancelling) only if their role reads
    # clinical content; that look is logged, as in the admin.
    show_reasons = sees_clinical_content(user)
    if show_reasons and user.is_clinic_staff:
        log_views(
            [(appointment.pk, appointment.patient)],
            target=AccessLog.Target.APPOINTMENT,
            actor=user,
            ip=client_ip(request),
        )
    context = {
        "appointment": appointment,
        "record": record,
        "can_cancel": changes.can_cancel,
        "can_reschedule": changes.can_reschedule,
        "changes": changes,
        "policy": cancellation_policy(appointment.site),
        "is_patient": is_patient,
        "is_doctor": is_doctor,
        "show_reasons": show_reasons,
    }
    buttons = allowed
    if is_doctor:
        # The doctor fulfils a visit by writing its record, not with a bare button.
        buttons = [status for status in allowed if status != Status.FULFILLED]
        context["can_write_record"] = record is None and can_write_record(appointment, user)
    # A cancelled visit alone does not make someone this doctor's patient.
    if is_doctor and visible_patients(user).filter(pk=appointment.patient_id).exists():
        context["show_patient"] = True
        context["earlier_visits"] = visits = list(earlier_visits(appointment))
        # Their diagnoses only while the doctor looks after the patient.
        context["reads_records"] = reads = reads_records_of(user, appointment.patient)
        ip = client_ip(request)
        log_access_to(appointment.patient, actor=user, ip=ip)
        if reads:  # each earlier visit's diagnosis is shown: a look at that record
            log_views(
                [
                    (visit.medical_record.pk, appointment.patient)
                    for visit in visits
                    if getattr(visit, "medical_record", None)
                ],
                target=AccessLog.Target.RECORD,
                actor=user,
                ip=ip,
            )
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
        {
            "appointment": appointment,
            "form": form,
            "can_write": can_write,
        },
    )


@login_required
@require_safe
def detail(request, pk):
    """One record with its appointment, its author and every version it has had.

    To a doctor who may see the patient but not read their records now: 403, and the
    way to break the glass."""
    try:
        record = _visible_record(request.user, pk)
    except Http404:
        return _break_glass_offer(request, pk)
    versions = record.versions.select_related("author").order_by("version")
    log_access_to(record, actor=request.user, ip=client_ip(request))
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "history": _history(versions),
            "is_patient": acts_for(request.user, record.patient),
            "is_author": is_author(request.user, record),
        },
    )


def _pdf_response(content, name):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_safe
def record_pdf(request, pk):
    """One record as a PDF to keep, for whoever may read it; every copy is logged, the
    patient's own too (patients.services.log_copy)."""
    from records import pdf  # fpdf2 is loaded only when a PDF is asked for

    try:
        record = _visible_record(request.user, pk)
    except Http404:
        return _break_glass_offer(request, pk)
    versions = record.versions.select_related("author").order_by("version")
    log_copy(
        target=AccessLog.Target.RECORD,
        object_id=record.pk,
        patient=record.patient,
        actor=request.user,
        ip=client_ip(request),
    )
    day = timezone.localdate(record.created_at).isoformat()
    return _pdf_response(pdf.render_record(record, versions), f"record-{record.pk}-{day}.pdf")


@login_required
@require_safe
def appointment_pdf(request, pk):
    """A visit's summary as a PDF, for whoever may see the visit: its reason only where
    the appointment page shows it, its record only to those who may read the record.
    The copy is logged (and the record's, if it is in it)."""
    from records import pdf

    user = request.user
    appointment = get_object_or_404(appointment_pages(user), pk=pk)
    record = (
        MedicalRecord.objects.visible_to(user).filter(appointment=appointment).first()
        if getattr(appointment, "medical_record", None) is not None
        else None
    )
    ip = client_ip(request)
    log_copy(
        target=AccessLog.Target.APPOINTMENT,
        object_id=appointment.pk,
        patient=appointment.patient,
        actor=user,
        ip=ip,
    )
    if record is not None:
        log_copy(
            target=AccessLog.Target.RECORD,
            object_id=record.pk,
            patient=appointment.patient,
            actor=user,
            ip=ip,
        )
    content = pdf.render_visit(appointment, record=record, show_reason=sees_clinical_content(user))
    day = timezone.localdate(appointment.start).isoformat()
    return _pdf_response(content, f"visit-{appointment.pk}-{day}.pdf")


def _break_glass_offer(request, record_pk):
    """403 with the offer to break the glass, if the record is of a patient the doctor may
    see (and so may know about) but not read now; else the record does not exist (404)."""
    record = MedicalRecord.objects.select_related("patient__user").filter(pk=record_pk).first()
    if record is None or not can_break_the_glass(request.user, record.patient):
        raise Http404
    return render(
        request,
        "records/break_glass_needed.html",
        {"patient": record.patient, "next": request.path},
        status=403,
    )


@doctor_required
@require_http_methods(["GET", "POST"])
def break_glass(request, patient_pk, *, doctor):
    """Break the glass: a doctor outside a care relationship opens a patient's records for
    a while, giving a reason (records.services.break_the_glass)."""
    patients = visible_patients(request.user).select_related("user")
    patient = get_object_or_404(patients, pk=patient_pk)
    patient_page = reverse("patients:detail", args=[patient.pk])
    after = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
        after = patient_page
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            access = break_the_glass(
                actor=request.user, patient=patient, ip=client_ip(request), **form.cleaned_data
            )
        except BreakGlassNotNeeded as error:
            messages.info(request, error.message)
            return redirect(patient_page)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.warning(
                request,
                _(
                    "You can read %(name)s's records until %(until)s. This access is logged "
                    "with your reason, shown to the patient and reviewed by the clinic."
                )
                % {
                    "name": patient.user.display_name,
                    "until": date_format(timezone.localtime(access.expires_at), "H:i"),
                },
            )
            return redirect(after or patient_page)
    elif request.method == "GET" and reads_records_of(request.user, patient):
        messages.info(request, BreakGlassNotNeeded.default_message)
        return redirect(patient_page)
    return render(
        request,
        "records/break_glass.html",
        {"patient": patient, "form": form, "hours": settings.BREAK_GLASS_HOURS},
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
    """The patient's own records and their family members', newest first, read-only."""
    _patient_of(request.user)
    records = (
        MedicalRecord.objects.visible_to(request.user)
        .select_related("doctor__user", "doctor__specialty", "appointment", "patient__user")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    family = any(record.patient.user_id != request.user.pk for record in page)
    return render(request, "records/mine.html", {"page": page, "family": family})


@login_required
@require_safe
def access_log(request):
    """Who looked at or changed the patient's records and profile, newest first; a guardian
    chooses whose (`?patient=`: themself or one of their family members)."""
    # Themself and their family members in one query (a user who is no patient: 404).
    managed = Patient.objects.managed_by(request.user).select_related("user")
    own = next((p for p in managed if p.user_id == request.user.pk), None)
    if own is None:
        raise Http404
    family = [p for p in managed if p.user_id != request.user.pk]
    patient = own
    if chosen := request.GET.get("patient"):
        patient = next((p for p in managed if str(p.pk) == chosen), None)
        if patient is None:
            raise Http404
    entries = AccessLog.objects.for_patient(patient)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/access_log.html",
        {"page": page, "patient": patient, "own": own, "family": family},
    )


def _glass_broken_until(user, patient):
    """Until when a broken glass lets `user` read `patient`'s records, or None."""
    access = (
        BreakGlassAccess.objects.lasting()
        .filter(doctor=user, patient=patient)
        .order_by("-expires_at")
        .first()
        if user.is_doctor
        else None
    )
    return access.expires_at if access else None


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
    records = list(
        MedicalRecord.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("doctor__user", "appointment")
        .order_by("-created_at", "-pk")
    )
    glass_until = _glass_broken_until(user, patient)
    ip = client_ip(request)
    log_access_to(patient, actor=user, ip=ip)
    # Each record's diagnosis is shown: a look at that record.
    log_views([(r.pk, patient) for r in records], target=AccessLog.Target.RECORD, actor=user, ip=ip)
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "age": patient.age(timezone.localdate()),
            "appointments": appointments,
            "records": records,
            "is_self": patient.user_id == user.pk,
            # Staff whose role does not read clinical content see contact details and
            # visits without medical details, reasons or records.
            "show_clinical": sees_clinical_content(user),
            "glass_broken_until": glass_until,
            # A doctor who cannot read the records now is offered to break the glass.
            "can_break_the_glass": user.is_doctor
            and not records
            and glass_until is None
            and not reads_records_of(user, patient),
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
