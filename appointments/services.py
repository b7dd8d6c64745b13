"""Every write to an appointment: booking, rescheduling and status changes; and the writes
of other apps that cancel visits (retiring a login, a doctor's time off) or serve them
(calendar feeds).

HTML views, the admin and the API call these functions and nothing else, so each rule
(who may do what, when, to which appointment) is written once, here.

Concurrency: a write locks the patient's and then the doctor's row (always in that
order, so two writers cannot deadlock) and re-checks the calendar inside the same
transaction. On PostgreSQL the exclusion constraints of migration 0002 are the final
guard; on SQLite every transaction is IMMEDIATE, so writers are serialized.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.permissions import can_manage_logins
from accounts.services import end_sessions
from appointments import notifications, tasks
from appointments.models import Appointment, CalendarFeed
from appointments.permissions import acting_role, can_book_for
from appointments.selectors import appointments_during, find_free_slot
from doctors.models import Doctor, TimeOff
from doctors.permissions import can_add_time_off
from healthcare.core.errors import DomainError, NotAllowed, NotVisible, clean_reason
from patients.models import Patient

Status = Appointment.Status

# The reason for a visit, or for cancelling it.
REASON_MAX_LENGTH = 1000
TIME_OFF_REASON_MAX_LENGTH = TimeOff._meta.get_field("reason").max_length


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    default_message = gettext_lazy("That time is no longer available. Please choose another slot.")


class NotAcceptingPatients(DomainError):
    code = "not_accepting_patients"
    default_message = gettext_lazy("This doctor is not accepting new patients.")


class CutoffPassed(DomainError):
    """A patient is past the clinic's cut-off for changing an appointment online."""

    code = "cutoff_passed"

    def __init__(self):
        hours = int(settings.CLINIC_CANCELLATION_CUTOFF.total_seconds() // 3600)
        super().__init__(
            _(
                "Appointments can be changed online until %(hours)d hours before they start. "
                "Please call the clinic."
            )
            % {"hours": hours}
        )


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_message = gettext_lazy("This appointment cannot be changed that way now.")

    @classmethod
    def between(cls, current, new):
        """No one may move an appointment from status `current` to `new`, ever."""
        return cls(
            _("A %(current)s appointment cannot become %(new)s.")
            % {
                "current": Status(current).label.lower(),
                "new": Status(new).label.lower() if new in Status.values else new,
            }
        )


class ReasonRequired(DomainError):
    code = "reason_required"
    default_message = gettext_lazy("Please tell the patient why the appointment is cancelled.")


class PatientInactive(DomainError):
    """The patient's login is inactive (retired by staff, or never activated)."""

    code = "patient_inactive"
    default_message = gettext_lazy(
        "This patient's account is not active, so they cannot be booked."
    )


def _lock(patient_id, doctor_id):
    """Lock the patient, then the doctor: serializes writers to either calendar.

    Only their own rows are locked (not the joined logins and specialty, loaded for the
    checks and for whoever shows the appointment next).
    """
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient_id)
    )
    doctor = (
        Doctor.objects.select_for_update(of=("self",))
        .select_related("user", "specialty")
        .get(pk=doctor_id)
    )
    return patient, doctor


def _patient_is_busy(patient, start, end, exclude=None):
    qs = Appointment.objects.filter(patient=patient).active().overlapping(start, end)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


def _announce(event, appointment, previous_start=None):
    """Queue the emails about this change in the change's own transaction.

    A transactional outbox: the task row commits with the change or not at all, so
    nobody hears of a change that was rolled back and no committed change goes
    unannounced; the worker sends the mail (`tasks.announce`), so a slow or dead mail
    server neither slows nor undoes the request.
    """
    tasks.announce.enqueue(
        event,
        appointment.pk,
        appointment.start.isoformat(),
        previous_start.isoformat() if previous_start else None,
    )


def book_appointment(*, patient, doctor, start, reason="", booked_by) -> Appointment:
    """Book `start` with `doctor` for `patient`, if it is one of the doctor's free slots now.

    `booked_by` is the patient themself or staff who book for patients. Raises
    SlotUnavailable when the slot is taken (also by a concurrent request) or is not a free
    slot at all, and PatientInactive when the patient's login is not active.
    """
    if not can_book_for(booked_by, patient):
        raise NotVisible()
    reason = clean_reason(reason, limit=REASON_MAX_LENGTH)
    try:
        with transaction.atomic():
            patient, doctor = _lock(patient.pk, doctor.pk)
            if not patient.user.is_active:
                raise PatientInactive()
            slot = find_free_slot(doctor, start)
            if slot is None:
                raise SlotUnavailable()
            if (
                not doctor.accepting_new_patients
                and not Appointment.objects.filter(patient=patient, doctor=doctor).active().exists()
            ):
                raise NotAcceptingPatients()
            if _patient_is_busy(patient, slot.start, slot.end):
                raise SlotUnavailable(_("You already have an appointment at that time."))
            appointment = Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                start=slot.start,
                end=slot.end,
                reason=reason,
                booked_by=booked_by,
                reminder_sent_at=tasks.confirmation_is_reminder(slot.start),
            )
            _announce(notifications.BOOKED, appointment)
            return appointment
    except IntegrityError as exc:
        # Only the exclusion constraints can fail here: someone else won the race.
        raise SlotUnavailable() from exc


def _check_patient_cutoff(appointment, role, now):
    if role == "patient" and appointment.start - now < settings.CLINIC_CANCELLATION_CUTOFF:
        raise CutoffPassed()


def _check_reschedule(appointment, role, now):
    if role == "doctor":
        raise InvalidTransition(_("Only the patient or the clinic can move an appointment."))
    if appointment.status != Status.BOOKED or appointment.start <= now:
        raise InvalidTransition(_("Only a booked appointment that has not started can be moved."))
    _check_patient_cutoff(appointment, role, now)


def can_reschedule(appointment, actor, now=None):
    """Whether `actor` may move this appointment now (for showing the link)."""
    try:
        _check_reschedule(appointment, acting_role(actor, appointment), now or timezone.now())
    except (DomainError, NotVisible):
        return False
    return True


def reschedule_appointment(*, appointment, start, actor) -> Appointment:
    """Move a booked appointment to another free slot of the same doctor, atomically.

    The new slot is taken and the old one freed in one transaction: if the new slot is
    gone, the appointment keeps its old time.
    """
    role = acting_role(actor, appointment)
    now = timezone.now()
    try:
        with transaction.atomic():
            _lock(appointment.patient_id, appointment.doctor_id)
            current = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("doctor__user", "patient__user")
                .get(pk=appointment.pk)
            )
            _check_reschedule(current, role, now)
            slot = find_free_slot(current.doctor, start, now=now, exclude=current)
            if slot is None:
                raise SlotUnavailable()
            if slot.start == current.start:
                raise SlotUnavailable(_("The appointment is already at that time."))
            if _patient_is_busy(current.patient, slot.start, slot.end, exclude=current):
                raise SlotUnavailable(_("You already have an appointment at that time."))
            previous_start = current.start
            current.start, current.end = slot.start, slot.end
            current.busy_until = slot.end
            current.sequence += 1
            # The reminder follows the appointment to its new time.
            current.reminder_sent_at = tasks.confirmation_is_reminder(current.start, now)
            current.save(
                update_fields=[
                    "start",
                    "end",
                    "busy_until",
                    "sequence",
                    "reminder_sent_at",
                    "updated_at",
                ]
            )
            _announce(notifications.RESCHEDULED, current, previous_start=previous_start)
    except IntegrityError as exc:
        raise SlotUnavailable() from exc
    appointment.refresh_from_db()
    return appointment


# Which roles may move an appointment from one status to another.
TRANSITIONS = {
    (Status.BOOKED, Status.CHECKED_IN): {"doctor", "staff"},
    (Status.CHECKED_IN, Status.FULFILLED): {"doctor", "staff"},
    (Status.BOOKED, Status.CANCELLED): {"patient", "doctor", "staff"},
    (Status.BOOKED, Status.NOSHOW): {"doctor", "staff"},
    (Status.CHECKED_IN, Status.NOSHOW): {"doctor", "staff"},
}


def allowed_transitions(appointment, actor, now=None):
    """The statuses `actor` could move this appointment to now (for showing buttons)."""
    allowed = []
    for (source, target), _roles in TRANSITIONS.items():
        if source != appointment.status:
            continue
        try:
            _check_transition(appointment, target, actor, reason="-", now=now)
        except (DomainError, NotVisible):
            continue
        allowed.append(target)
    return allowed


def _check_transition(appointment, to, actor, *, reason, now=None, cutoff=True, role=None):
    now = now or timezone.now()
    role = role or acting_role(actor, appointment)
    roles = TRANSITIONS.get((appointment.status, to))
    if roles is None:
        raise InvalidTransition.between(appointment.status, to)
    if role not in roles:
        raise InvalidTransition(_("You cannot make this change to the appointment."))
    if to == Status.CHECKED_IN and timezone.localdate(now) < timezone.localdate(appointment.start):
        raise InvalidTransition(_("A patient can be checked in on the day of the appointment."))
    if to == Status.NOSHOW and now < appointment.start:
        raise InvalidTransition(_("A no-show can only be recorded after the start time."))
    if to == Status.CANCELLED:
        if now >= appointment.start:
            raise InvalidTransition(
                _("This appointment has already started; record a no-show instead.")
            )
        if cutoff:
            _check_patient_cutoff(appointment, role, now)
        if role != "patient" and not reason:
            raise ReasonRequired()
    return role


def change_status(*, appointment, to, actor, reason="") -> Appointment:
    """Move an appointment to status `to`, if `actor` may do so now. The one way to do it."""
    return _change_status(appointment=appointment, to=to, actor=actor, reason=reason)


def _cancel_for_the_clinic(appointment, actor, reason):
    """Cancel as the clinic, for work whose own permission the caller has checked (time off,
    retiring a login): that is what lets a clinic manager's time off cancel visits their
    role could not cancel one by one. Every other rule of change_status applies."""
    return _change_status(
        appointment=appointment, to=Status.CANCELLED, actor=actor, reason=reason, role="staff"
    )


def _change_status(*, appointment, to, actor, reason="", cutoff=True, role=None) -> Appointment:
    """change_status; `cutoff=False` only for a patient closing their account (below),
    `role` only for _cancel_for_the_clinic."""
    reason = clean_reason(reason, limit=REASON_MAX_LENGTH)
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("doctor__user", "patient__user")
            .get(pk=appointment.pk)
        )
        _check_transition(current, to, actor, reason=reason, cutoff=cutoff, role=role)
        current.status = to
        current.sequence += 1
        fields = ["status", "sequence", "updated_at"]
        if to == Status.CANCELLED:
            current.cancelled_by = actor
            current.cancellation_reason = reason
            current.cancelled_at = timezone.now()
            fields += ["cancelled_by", "cancellation_reason", "cancelled_at"]
        current.save(update_fields=fields)
        if to == Status.CANCELLED:
            _announce(notifications.CANCELLED, current)
    return current


def cancel_appointment(*, appointment, actor, reason="") -> Appointment:
    return change_status(appointment=appointment, to=Status.CANCELLED, actor=actor, reason=reason)


def retire_user(*, user, actor) -> bool:
    """Deactivate a patient's or doctor's login (staff who manage logins); data is kept.

    Their booked visits still to come are cancelled in the same transaction, with the
    reason, through the appointments' own rules (so both sides are emailed): a retired
    doctor's patients learn to book someone else, and a retired patient's slots go back
    to other patients. Returns whether anything changed (retiring twice changes nothing).
    A retired login keeps email_confirmed, so no activation link can bring it back.
    """
    if not can_manage_logins(actor):
        raise NotAllowed(_("Only clinic staff can retire a %(role)s.") % {"role": user.role})
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, is_active=True).update(is_active=False):
            return False
        # A retired patient's records are kept for the retention period, then purged.
        Patient.objects.filter(user=user, closed_at__isnull=True).update(closed_at=timezone.now())
        # As the clinic: retiring a login is its own permission (can_manage_logins).
        _cancel_upcoming_visits(user, actor, role="staff")
    return True


def _cancel_upcoming_visits(user, actor, *, cutoff=True, role=None):
    if user.is_doctor:
        visits = Appointment.objects.filter(doctor__user=user)
        reason = _("Dr %(name)s no longer sees patients at the clinic.")
        reason %= {"name": user.display_name}
    else:
        visits = Appointment.objects.filter(patient__user=user)
        reason = _("The patient's account at the clinic was closed.")
    upcoming = visits.filter(status=Appointment.Status.BOOKED, start__gt=timezone.now())
    cancelled = 0
    for appointment in upcoming.select_related("doctor__user", "patient__user"):
        _change_status(
            appointment=appointment,
            to=Status.CANCELLED,
            actor=actor,
            reason=reason,
            cutoff=cutoff,
            role=role,
        )
        cancelled += 1
    return cancelled


class WrongPassword(DomainError):
    code = "wrong_password"

    def __init__(self):
        message = _("That is not your password.")
        super().__init__(message, fields={"password": message})


def close_account(*, user, password) -> int:
    """A patient closes their own account, confirming with their password.

    In one transaction: every visit still to come is cancelled as the patient's own
    cancellation, with the usual emails (inside the cut-off too: a closed account cannot
    come, and the slot goes back to others); the login is deactivated and its password
    made unusable, which ends every session and every API token at once (both carry a
    digest of the password hash); calendar addresses stop working. The medical records
    stay, for the retention period (records.services.purge_due). Returns how many visits
    were cancelled.
    """
    if user.patient_profile is None:
        raise NotAllowed(_("Only a patient closes their own account here; staff retire others."))
    if not user.check_password(password):
        raise WrongPassword()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return 0
        cancelled = _cancel_upcoming_visits(user, user, cutoff=False)
        locked.is_active = False
        locked.set_unusable_password()
        locked.save(update_fields=["is_active", "password"])
        Patient.objects.filter(user=user).update(closed_at=timezone.now())
        revoke_calendar_feeds(user)
        end_sessions(user=user, actor=user)
    user.refresh_from_db(fields=["is_active", "password"])
    return cancelled


class TimeOffConflict(DomainError):
    """The time off overlaps booked appointments and was not confirmed."""

    code = "time_off_conflict"

    def __init__(self, appointments, message=None, *, can_confirm=True):
        self.appointments = appointments
        # False when confirming would not help (the appointments cannot be cancelled).
        self.can_confirm = can_confirm
        super().__init__(
            message
            or ngettext(
                "%(count)d booked appointment falls in this time off.",
                "%(count)d booked appointments fall in this time off.",
                len(appointments),
            )
            % {"count": len(appointments)}
        )


def add_time_off(
    *, doctor, start, end, reason="", actor, cancel_appointments=False, confirmed_ids=None
):
    """Add time off for a doctor (the doctor themself or staff who keep calendars).

    If booked appointments fall inside it, nothing is saved and TimeOffConflict lists
    them, unless `cancel_appointments` is set: then they are cancelled, with the time
    off's reason shown to the patients, in the same transaction. `confirmed_ids` are the
    appointments the person confirmed; if others were booked meanwhile, it is a conflict
    again rather than a cancellation nobody saw. Appointments that have started or are
    checked in cannot be cancelled, so time off over them is refused.
    """
    if not can_add_time_off(actor, doctor):
        raise NotVisible()
    if end <= start:
        raise DomainError(_("The time off must end after it starts."), code="invalid")
    now = timezone.now()
    if end <= now:
        raise DomainError(_("The time off is already over."), code="invalid")
    reason = clean_reason(reason, limit=TIME_OFF_REASON_MAX_LENGTH)
    with transaction.atomic():
        Doctor.objects.select_for_update().get(pk=doctor.pk)
        affected = appointments_during(doctor, start, end)
        started = [
            a for a in affected if a.start <= now or a.status == Appointment.Status.CHECKED_IN
        ]
        if started:
            raise TimeOffConflict(
                started,
                _(
                    "Some appointments in this time have already started or are checked in; "
                    "record their outcome first."
                ),
                can_confirm=False,
            )
        if affected and not cancel_appointments:
            raise TimeOffConflict(affected)
        if confirmed_ids is not None and {a.pk for a in affected} - set(confirmed_ids):
            raise TimeOffConflict(
                affected,
                _("More appointments were booked in this time meanwhile. Please check again."),
            )
        time_off = TimeOff.objects.create(doctor=doctor, start=start, end=end, reason=reason)
        why = reason or _("The doctor is unavailable")
        for appointment in affected:
            _cancel_for_the_clinic(
                appointment, actor, _("%(why)s. Please book another time.") % {"why": why}
            )
    return time_off, affected


def issue_calendar_feed(user):
    """Give `user` a new secret address; any address they had stops working."""
    with transaction.atomic():
        # Lock the user row so two clicks cannot leave two working addresses.
        User.objects.select_for_update().filter(pk=user.pk).first()
        CalendarFeed.objects.active().filter(user=user).update(revoked_at=timezone.now())
        return CalendarFeed.objects.create(user=user)


def revoke_calendar_feeds(user):
    """Turn off every address `user` has; returns how many worked until now."""
    return CalendarFeed.objects.active().filter(user=user).update(revoked_at=timezone.now())
