"""Writes to medical records, breaking the glass, and the retention purge of closed
accounts.

A record is written once per appointment by that appointment's doctor, which fulfils
the appointment in the same transaction. After that it is only ever amended: each
amendment adds a version, so every earlier state stays readable. Every change of a
record by someone other than the patient is written to the access log
(patients.services.log_access).

A doctor reads a patient's records while they look after the patient (a care
relationship: records.permissions). Outside it they may break the glass, giving a reason:
that opens the records for BREAK_GLASS_HOURS, is written to the access log with the
reason (the patient sees it) and waits for staff to review it.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from accounts.models import SecurityEvent
from appointments.models import Appointment, CalendarFeed
from appointments.selectors import visible_patients
from appointments.services import allowed_transitions, change_status
from healthcare.core.errors import DomainError, NotAllowed, NotVisible, clean_reason
from patients.models import AccessLog, Patient
from patients.services import log_access, log_access_to
from records.models import BreakGlassAccess, MedicalRecord, MedicalRecordVersion
from records.permissions import is_appointments_doctor, is_author, reads_records_of
from records.selectors import due_for_purge

Status = Appointment.Status
LIMITS = {"diagnosis": 5000, "prescription": 5000, "notes": 10000}
# The reason given for an amendment, kept with the version.
REASON_MAX_LENGTH = MedicalRecordVersion._meta.get_field("reason").max_length


class RecordError(DomainError):
    code = "invalid_record"
    default_message = gettext_lazy("The record could not be saved.")


class RecordExists(RecordError):
    code = "record_exists"
    default_message = gettext_lazy(
        "This appointment already has a record. Amend it instead of writing a new one."
    )


class NothingChanged(RecordError):
    code = "nothing_changed"
    default_message = gettext_lazy("The amendment changes nothing.")


class RecordWindowClosed(RecordError):
    code = "record_window_closed"
    default_message = gettext_lazy(
        "The time to write this visit's record has passed. Please ask the clinic's records officer."
    )


def _clean(fields):
    cleaned = {name: (fields.get(name) or "").strip() for name in LIMITS}
    errors = {}
    if not cleaned["diagnosis"]:
        errors["diagnosis"] = _("Please enter a diagnosis.")
    for name, limit in LIMITS.items():
        if len(cleaned[name]) > limit:
            errors[name] = _("Please keep this under %(limit)d characters.") % {"limit": limit}
    if errors:
        raise RecordError(next(iter(errors.values())), fields=errors)
    return cleaned


def _require_appointments_doctor(user, appointment):
    if not is_appointments_doctor(user, appointment):
        raise NotVisible()


def can_write_record(appointment, actor, now=None):
    """Whether `actor` could write this appointment's record now (for showing the form).

    Writing fulfils the appointment, checking a booked one in first, so it is possible
    exactly when the status rules allow those steps to the appointment's doctor; a visit
    already fulfilled without a record, until its record_deadline.
    """
    if not is_appointments_doctor(actor, appointment):
        return False
    if appointment.status == Status.FULFILLED:
        return (now or timezone.now()) <= appointment.record_deadline
    transitions = allowed_transitions(appointment, actor, now=now)
    if appointment.status == Status.BOOKED:
        return Status.CHECKED_IN in transitions
    return Status.FULFILLED in transitions


def write_record(*, appointment, author, diagnosis, prescription="", notes="", ip=None):
    """Write the record of an appointment and fulfil it, in one transaction.

    Only the appointment's doctor writes it, once. A booked appointment is checked in
    on the way (status rules apply: on the day, not cancelled, not a no-show). A visit
    marked fulfilled without a record (notes written after the patient left) gets it
    until its record_deadline (RECORD_WRITING_WINDOW after its end).
    """
    _require_appointments_doctor(author, appointment)
    fields = _clean({"diagnosis": diagnosis, "prescription": prescription, "notes": notes})
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient")
            .get(pk=appointment.pk)
        )
        if MedicalRecord.objects.filter(appointment=current).exists():
            raise RecordExists()
        if current.status == Status.FULFILLED:
            if timezone.now() > current.record_deadline:
                raise RecordWindowClosed()
        else:
            if current.status == Status.BOOKED:
                current = change_status(appointment=current, to=Status.CHECKED_IN, actor=author)
            change_status(appointment=current, to=Status.FULFILLED, actor=author)
        record = MedicalRecord.objects.create(
            appointment=current, patient=current.patient, doctor=author.doctor, **fields
        )
        MedicalRecordVersion.objects.create(record=record, version=1, author=author, **fields)
        log_access_to(record, actor=author, action=AccessLog.Action.CREATE, ip=ip)
    return record


def amend_record(*, record, author, diagnosis, prescription="", notes="", reason="", ip=None):
    """Amend a record: its author adds a new version; earlier versions stay as they were."""
    if not is_author(author, record):
        raise NotVisible()
    fields = _clean({"diagnosis": diagnosis, "prescription": prescription, "notes": notes})
    reason = clean_reason(reason, limit=REASON_MAX_LENGTH)
    with transaction.atomic():
        current = MedicalRecord.objects.select_for_update().get(pk=record.pk)
        if all(getattr(current, name) == value for name, value in fields.items()):
            raise NothingChanged()
        current.version += 1
        for name, value in fields.items():
            setattr(current, name, value)
        current.save()
        MedicalRecordVersion.objects.create(
            record=current, version=current.version, author=author, reason=reason, **fields
        )
        log_access_to(current, actor=author, action=AccessLog.Action.AMEND, ip=ip)
    return current


EXPLANATION_MAX_LENGTH = BreakGlassAccess._meta.get_field("explanation").max_length


class BreakGlassNotNeeded(DomainError):
    code = "care_relationship_exists"
    default_message = gettext_lazy(
        "You can already read this patient's records: there is no glass to break."
    )


def _clean_break_glass(reason, explanation):
    errors = {}
    if reason not in BreakGlassAccess.Reason.values:
        errors["reason"] = _("Please choose why you need the records.")
    explanation = (explanation or "").strip()
    if not explanation:
        errors["explanation"] = _("Please say why you need to open the records now.")
    elif len(explanation) > EXPLANATION_MAX_LENGTH:
        errors["explanation"] = _("Please keep this to %(limit)d characters or fewer.") % {
            "limit": EXPLANATION_MAX_LENGTH
        }
    if errors:
        raise DomainError(next(iter(errors.values())), code="invalid", fields=errors)
    return explanation


def break_the_glass(*, actor, patient, reason, explanation, ip=None) -> BreakGlassAccess:
    """Open `patient`'s records to `actor`, a doctor outside a care relationship with them,
    for BREAK_GLASS_HOURS; written to the access log with the reason.

    Only a doctor (NotAllowed otherwise) who may see the patient (NotVisible otherwise)
    and cannot read their records now (BreakGlassNotNeeded otherwise). `reason` is one of
    BreakGlassAccess.Reason; `explanation`, in the doctor's words, is required.
    """
    if actor.doctor_profile is None:
        raise NotAllowed(_("Only doctors can break the glass."))
    if not visible_patients(actor).filter(pk=patient.pk).exists():
        raise NotVisible()
    explanation = _clean_break_glass(reason, explanation)
    now = timezone.now()
    with transaction.atomic():
        if reads_records_of(actor, patient, now):
            raise BreakGlassNotNeeded()
        access = BreakGlassAccess.objects.create(
            doctor=actor,
            patient=patient,
            reason=reason,
            explanation=explanation,
            expires_at=now + timedelta(hours=settings.BREAK_GLASS_HOURS),
        )
        log_access(
            actor=actor,
            action=AccessLog.Action.BREAK_GLASS,
            target=AccessLog.Target.PATIENT,
            object_id=patient.pk,
            patient=patient,
            ip=ip,
            reason=access.given_reason,
        )
    return access


def mark_reviewed(*, access, reviewer) -> bool:
    """Staff have looked into a break-the-glass access; returns whether this marked it
    (an access is reviewed once)."""
    updated = BreakGlassAccess.objects.filter(pk=access.pk, reviewed_at__isnull=True).update(
        reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    return bool(updated)


def purge_patient(*, patient, now=None):
    """Erase what the law lets the clinic erase once a closed account's retention is over.

    Kept, so that the clinic can still account for what happened: every row's existence
    and its times (appointments, records, their versions: who wrote which, when), the
    access log and the security log whole (append-only: who looked at what, when), and
    the anonymised login they point to. Erased: the text of every record and version
    (the versions through the one change their triggers allow, the tombstone), the
    reasons of visits and cancellations, the health profile, the name, address, phone,
    picture and calendar addresses. A tombstone entry in the access log and an event in
    the security log say that it happened. One transaction; a patient not (or no longer)
    due is left alone. Returns whether the patient was purged.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = due_for_purge(now).filter(pk=patient.pk).select_for_update(of=("self",))
        patient = due.first()
        if patient is None:
            return False
        user = patient.user
        blank = {"diagnosis": "", "prescription": "", "notes": ""}
        MedicalRecordVersion.objects.filter(record__patient=patient, purged_at__isnull=True).update(
            **blank, reason="", purged_at=now
        )
        MedicalRecord.objects.filter(patient=patient).update(**blank, purged_at=now)
        Appointment.objects.filter(patient=patient).update(reason="", cancellation_reason="")
        Patient.objects.filter(pk=patient.pk).update(
            date_of_birth=None,
            blood_type="",
            allergies="",
            medical_history="",
            emergency_contact_name="",
            emergency_contact_phone="",
            purged_at=now,
        )
        CalendarFeed.objects.filter(user=user).delete()
        if user.picture:
            user.picture.delete(save=False)
        user.first_name = user.last_name = user.phone = ""
        user.email = f"purged-{user.pk}@purged.invalid"
        user.is_active = False
        user.set_unusable_password()
        user.save()
        AccessLog.objects.create(
            actor=None,
            action=AccessLog.Action.PURGE,
            target=AccessLog.Target.PATIENT,
            object_id=patient.pk,
            patient=patient,
        )
        audit.record(
            SecurityEvent.Kind.ACCOUNT_PURGED,
            actor=user,
            target=f"patient #{patient.pk}",
            detail=f"Retention period over (last contact {patient.last_contact:%Y-%m-%d}).",
        )
    return True


def purge_due(now=None):
    """Purge every closed account whose retention period is over; returns how many."""
    return sum(purge_patient(patient=patient, now=now) for patient in due_for_purge(now))
