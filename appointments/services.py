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

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.permissions import can_manage_logins
from accounts.services import end_sessions
from appointments import notifications, tasks
from appointments.models import Appointment, CalendarFeed
from appointments.permissions import (
    acting_role,
    can_book_for,
    can_override_notice,
    online_booking_allows,
)
from appointments.selectors import (
    appointments_during,
    cancellation_policy,
    find_free_slot,
    kept_offer,
    takes_patient,
    upcoming_visits_of,
    why_not_bookable,
)
from doctors.models import Closure, Doctor, Specialty, TimeOff, VisitType, VisitTypeOffer
from doctors.permissions import can_add_time_off, can_manage_closures
from doctors.signals import KIND_APPOINTMENT, time_freed
from healthcare.core.errors import DomainError, NotAllowed, NotVisible, clean_reason
from healthcare.core.prepared import Columns
from patients.models import AccessLog, Guardianship, Patient
from patients.permissions import acts_for, forget_dependants
from patients.services import family_link, log_access

Status = Appointment.Status

# The reason for a visit, or for cancelling it.
REASON_MAX_LENGTH = 1000
TIME_OFF_REASON_MAX_LENGTH = TimeOff._meta.get_field("reason").max_length


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    default_message = gettext_lazy("That time is no longer available. Please choose another slot.")


class NotAcceptingPatients(DomainError):
    code = "not_accepting_patients"
    default_message = gettext_lazy(
        "This doctor is not accepting new patients: only patients they have seen before can book."
    )


class CutoffPassed(DomainError):
    """A patient is past the clinic's cut-off for changing an appointment online."""

    code = "cutoff_passed"

    def __init__(self, site=None):
        policy = cancellation_policy(site)
        super().__init__(
            _(
                "Appointments can be changed online until %(hours)d hours before they start. "
                "Please call the clinic on %(phone)s."
            )
            % policy
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


class VisitTypeRequired(DomainError):
    code = "type_required"

    def __init__(self):
        message = _("Please choose the kind of visit: this doctor offers several.")
        super().__init__(message, fields={"type": message})


class VisitTypeNotOffered(DomainError):
    code = "type_not_offered"

    def __init__(self):
        message = _("This doctor does not offer that kind of visit.")
        super().__init__(message, fields={"type": message})


class VisitTypeNotBookable(DomainError):
    """The patient may not book this visit type online (new or existing patients only,
    or staff only)."""

    code = "type_not_bookable"

    def __init__(self, visit_type):
        OnlineBooking = VisitType.OnlineBooking
        message = {
            OnlineBooking.NEW_PATIENTS: _(
                "“%(type)s” is for new patients of this doctor; please choose another kind "
                "of visit."
            ),
            OnlineBooking.EXISTING_PATIENTS: _(
                "“%(type)s” is for patients this doctor has seen before; please book a first visit."
            ),
        }.get(
            visit_type.online_booking,
            _("“%(type)s” cannot be booked online; please call the clinic on %(phone)s."),
        ) % {"type": visit_type.name, "phone": settings.CLINIC_PHONE}
        super().__init__(message, fields={"type": message})


class StartOffGrid(DomainError):
    code = "start_off_grid"

    def __init__(self, offer):
        message = _(
            "“%(type)s” visits start every %(minutes)d minutes from the start of the "
            "doctor's hours; please choose one of the times offered."
        ) % {"type": offer.visit_type.name, "minutes": offer.spacing}
        super().__init__(message, fields={"start": message})


class SiteNotAvailable(DomainError):
    code = "site_not_available"

    def __init__(self):
        message = _("The doctor is not at that site on that day.")
        super().__init__(message, fields={"site": message})


def resolve_offer(doctor, visit_type, *, offers=None):
    """The doctor's offer of `visit_type`; without one, the doctor's only offer. Offers of
    inactive types do not count; `offers` are the doctor's, if already loaded.

    Raises VisitTypeRequired (several offered) or VisitTypeNotOffered.
    """
    if offers is None:
        offers = doctor.offers.select_related("visit_type")
    offers = [offer for offer in offers if offer.visit_type.is_active]
    if visit_type is None:
        if len(offers) == 1:
            return offers[0]
        if not offers:
            raise VisitTypeNotOffered()
        raise VisitTypeRequired()
    for offer in offers:
        if offer.visit_type_id == visit_type.pk:
            return offer
    raise VisitTypeNotOffered()


def is_patient_of(patient, doctor):
    """Whether the patient has (or had) a visit with the doctor that was not cancelled."""
    return Appointment.objects.filter(patient=patient, doctor=doctor).active().exists()


def check_may_book(visit_type, *, patient, doctor, booked_by):
    """Who may book `visit_type` online (the patient, or their guardian, by the patient's
    rules); staff booking for a patient may book any type."""
    if not acts_for(booked_by, patient):
        return
    rule = visit_type.online_booking
    if rule == VisitType.OnlineBooking.ANYONE:
        return
    existing = rule != VisitType.OnlineBooking.STAFF_ONLY and is_patient_of(patient, doctor)
    if not online_booking_allows(visit_type, existing=existing):
        raise VisitTypeNotBookable(visit_type)


def _refuse(doctor, start, offer, site):
    """The clearest error for a start that is not a free slot."""
    reason = why_not_bookable(doctor, start, offer=offer, site=site)
    if reason == "site":
        raise SiteNotAvailable()
    if reason == "grid":
        raise StartOffGrid(offer)
    raise SlotUnavailable()


# The columns the booking's lock loads (the patient and the doctor with their logins, the
# doctor's specialty and offers with their types), under the aliases of _lock's statement.
_LOCKED = (
    Columns(Patient, "p"),
    Columns(User, "pu"),
    Columns(Doctor, "d"),
    Columns(User, "du"),
    Columns(Specialty, "s"),
    Columns(VisitTypeOffer, "o"),
    Columns(VisitType, "vt"),
)


@functools.cache
def _lock_statement_for(vendor, alias):
    return _lock_statement(connections[alias])


def _lock_statement(connection):
    quote = connection.ops.quote_name
    tables = {columns.alias: quote(columns.model._meta.db_table) for columns in _LOCKED}
    users = quote(User._meta.db_table)
    if connection.vendor == "postgresql":
        # The doctor's subquery refers to the patient's row (LATERAL), so PostgreSQL locks
        # the patient first whatever its plan: the order every writer keeps.
        rows = (
            f"(SELECT * FROM {tables['p']} WHERE id = %s FOR UPDATE) p "  # nosec B608 (ours)
            f"JOIN {users} pu ON pu.id = p.user_id "
            f"LEFT JOIN LATERAL (SELECT * FROM {tables['d']} "
            "WHERE id = %s AND p.id IS NOT NULL FOR UPDATE) d ON true"
        )
    else:  # SQLite serializes writers (IMMEDIATE transactions): nothing to lock.
        rows = (
            f"{tables['p']} p JOIN {users} pu ON pu.id = p.user_id "
            f"LEFT JOIN {tables['d']} d ON d.id = %s"
        )
    return (
        f"SELECT {', '.join(columns.sql(connection) for columns in _LOCKED)} FROM {rows} "  # nosec B608
        f"LEFT JOIN {users} du ON du.id = d.user_id "
        f"LEFT JOIN {tables['s']} s ON s.id = d.specialty_id "
        f"LEFT JOIN {tables['o']} o ON o.doctor_id = d.id "
        f"LEFT JOIN {tables['vt']} vt ON vt.id = o.visit_type_id"
        + (" WHERE p.id = %s" if connection.vendor != "postgresql" else "")
        + " ORDER BY vt.name"
    )


def _lock(patient_id, doctor_id):
    """Lock the patient, then the doctor: serializes writers to either calendar.

    One statement, which also loads what booking checks and whoever shows the appointment
    next reads: both logins, the doctor's specialty and the doctor's offers with their
    visit types. Only the patient's and the doctor's own rows are locked. Returns
    (patient, doctor, offers); raises Patient.DoesNotExist or Doctor.DoesNotExist.
    """
    connection = connections[router.db_for_write(Appointment)]
    if connection.vendor == "postgresql":
        params = [patient_id, doctor_id]
    else:
        params = [doctor_id, patient_id]
    with connection.cursor() as cursor:
        cursor.execute(_lock_statement_for(connection.vendor, connection.alias), params)
        rows = cursor.fetchall()
    if not rows:
        raise Patient.DoesNotExist(f"No patient {patient_id}.")
    built = []
    for row in rows:
        offset, objects = 0, []
        for columns in _LOCKED:
            objects.append(columns.build(row, offset, connection))
            offset += len(columns)
        built.append(objects)
    patient, patient_user, doctor, doctor_user, specialty, _offer, _type = built[0]
    if doctor is None:
        raise Doctor.DoesNotExist(f"No doctor {doctor_id}.")
    Patient.user.field.set_cached_value(patient, patient_user)
    Doctor.user.field.set_cached_value(doctor, doctor_user)
    Doctor.specialty.field.set_cached_value(doctor, specialty)
    offers = []
    for *_people, offer, visit_type in built:
        if offer is not None:
            VisitTypeOffer.visit_type.field.set_cached_value(offer, visit_type)
            VisitTypeOffer.doctor.field.set_cached_value(offer, doctor)
            offers.append(offer)
    return patient, doctor, offers


# The exclusion constraint of migration 0002 that keeps a patient's visits apart.
PATIENT_OVERLAP_CONSTRAINT = "appointment_patient_no_overlap"


def _database_keeps_patients_apart():
    """Whether the database has PATIENT_OVERLAP_CONSTRAINT (PostgreSQL): then booking
    leaves the patient's overlap check to it rather than asking first."""
    return connections[router.db_for_write(Appointment)].vendor == "postgresql"


def _constraint(error):
    """The name of the constraint a database's IntegrityError names, if any."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def _busy_message(patient, actor):
    if patient.user_id == actor.pk:
        return _("You already have an appointment at that time.")
    return _("%(name)s already has an appointment at that time.") % {
        "name": patient.user.display_name
    }


def _log_guardian(actor, appointment, action):
    """A guardian booked, moved or cancelled their dependant's visit: the dependant's
    access log says who acted (the appointment keeps `booked_by` / `cancelled_by` too).
    A patient acting on a visit not their own can only be its patient's guardian."""
    if actor.is_patient and actor.pk != appointment.patient.user_id:
        log_access(
            actor=actor,
            action=action,
            target=AccessLog.Target.APPOINTMENT,
            object_id=appointment.pk,
            patient=appointment.patient,
        )


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


def _freed(doctor_id, start, end):
    """Tell the apps above (the waitlist) that this time is free again, in this transaction."""
    time_freed.send(
        sender=Appointment, doctor_id=doctor_id, start=start, end=end, kind=KIND_APPOINTMENT
    )


def _notice(actor, override_notice):
    """The minimum notice for this booking: the clinic's, or none if staff who book for
    patients override it (a patient phoning for a slot in the next hour)."""
    if not override_notice:
        return None
    if not can_override_notice(actor):
        raise NotAllowed(_("Only the clinic's staff can book inside the minimum notice."))
    return timedelta(0)


def book_appointment(
    *,
    patient,
    doctor,
    start,
    reason="",
    booked_by,
    visit_type=None,
    site=None,
    override_notice=False,
) -> Appointment:
    """Book a visit of `visit_type` at `start` with `doctor` for `patient`, if it is one of
    the doctor's free slots for that type now (at `site`, if given).

    `visit_type` may be left out when the doctor offers one type (clients from before
    visit types). `booked_by` is the patient themself or staff who book for patients.
    The appointment keeps its type, length, site and the buffer after it. Raises
    SlotUnavailable when the slot is taken (also by a concurrent request),
    VisitTypeRequired / VisitTypeNotOffered / VisitTypeNotBookable for the type,
    StartOffGrid and SiteNotAvailable for a start the doctor has no such slot at, and
    PatientInactive when the patient's login is not active. Staff may pass
    `override_notice` to book a slot inside the minimum notice (never an overlap).
    """
    if not can_book_for(booked_by, patient):
        raise NotVisible()
    notice = _notice(booked_by, override_notice)
    reason = clean_reason(reason, limit=REASON_MAX_LENGTH)
    try:
        with transaction.atomic():
            patient, doctor, offers = _lock(patient.pk, doctor.pk)
            if not patient.user.is_active:
                raise PatientInactive()
            offer = resolve_offer(doctor, visit_type, offers=offers)
            check_may_book(offer.visit_type, patient=patient, doctor=doctor, booked_by=booked_by)
            slot = find_free_slot(doctor, start, offer=offer, site=site, notice=notice)
            if slot is None:
                _refuse(doctor, start, offer, site)
            if not takes_patient(doctor, patient):
                raise NotAcceptingPatients()
            # PostgreSQL's exclusion constraint answers this when the row is inserted.
            if not _database_keeps_patients_apart() and _patient_is_busy(
                patient, slot.start, slot.end
            ):
                raise SlotUnavailable(_busy_message(patient, booked_by))
            appointment = Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                visit_type=offer.visit_type,
                site=slot.site,
                start=slot.start,
                end=slot.end,
                busy_until=slot.busy_until,
                reason=reason,
                booked_by=booked_by,
                reminder_sent_at=tasks.confirmation_is_reminder(slot.start),
            )
            _announce(notifications.BOOKED, appointment)
            _log_guardian(booked_by, appointment, AccessLog.Action.CREATE)
            return appointment
    except IntegrityError as exc:
        # Only the exclusion constraints can fail here: the patient holds that time already,
        # or someone else won the race for the doctor's.
        if _constraint(exc) == PATIENT_OVERLAP_CONSTRAINT:
            raise SlotUnavailable(_busy_message(patient, booked_by)) from exc
        raise SlotUnavailable() from exc


def inside_cutoff(start, now=None):
    """Whether a visit at `start` is inside the patient's cut-off now: from then on the
    patient can no longer change or cancel it online (the clinic still can). A visit
    exactly the cut-off away is still outside it."""
    return start - (now or timezone.now()) < settings.CLINIC_CANCELLATION_CUTOFF


def _check_patient_cutoff(appointment, role, now):
    if role == "patient" and inside_cutoff(appointment.start, now):
        raise CutoffPassed(appointment.site)


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


@dataclass(frozen=True)
class Changes:
    """What someone may do to an appointment now, and why not (for showing the buttons)."""

    can_cancel: bool
    can_reschedule: bool
    # Booked and still to come, but this person cannot change it online: they are told
    # why (`cutoff`: inside the patient's cut-off) and given the clinic's number.
    locked: bool
    cutoff: bool


def changes_allowed(appointment, actor, now=None) -> Changes:
    """Whether `actor` may cancel or move this appointment now: the one rule behind the
    Reschedule and Cancel buttons of "My appointments" and the appointment's page, and
    behind the API's `allowed_statuses` and `can_reschedule` (the same two checks)."""
    now = now or timezone.now()
    can_cancel = Status.CANCELLED in allowed_transitions(appointment, actor, now=now)
    can_move = can_reschedule(appointment, actor, now=now)
    locked = (
        appointment.status == Status.BOOKED
        and now < appointment.start
        and not (can_cancel or can_move)
    )
    return Changes(
        can_cancel=can_cancel,
        can_reschedule=can_move,
        locked=locked,
        cutoff=locked and inside_cutoff(appointment.start, now),
    )


def reschedule_appointment(*, appointment, start, actor, override_notice=False) -> Appointment:
    """Move a booked appointment to another free slot of the same doctor and the same
    visit type (at the site the doctor is at then), atomically.

    The new slot is taken and the old one freed in one transaction: if the new slot is
    gone, the appointment keeps its old time. Staff may `override_notice` as for booking.
    """
    role = acting_role(actor, appointment)
    notice = _notice(actor, override_notice)
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
            offer = kept_offer(current)
            slot = find_free_slot(
                current.doctor, start, now=now, exclude=current, offer=offer, notice=notice
            )
            if slot is None:
                _refuse(current.doctor, start, offer, None)
            if slot.start == current.start:
                raise SlotUnavailable(_("The appointment is already at that time."))
            if _patient_is_busy(current.patient, slot.start, slot.end, exclude=current):
                raise SlotUnavailable(_busy_message(current.patient, actor))
            previous_start, previous_end = current.start, current.busy_until
            current.start, current.end = slot.start, slot.end
            current.busy_until, current.site = slot.busy_until, slot.site
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
            _log_guardian(actor, current, AccessLog.Action.UPDATE)
            _freed(current.doctor_id, previous_start, previous_end)
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
            _freed(current.doctor_id, current.start, current.busy_until)
            _log_guardian(actor, current, AccessLog.Action.UPDATE)
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
        raise NotAllowed(
            _("Only clinic staff can retire a %(role)s.")
            % {"role": user.get_role_display().lower()}
        )
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


def remove_dependant(*, guardian, dependant_pk) -> int:
    """The guardian removes a family member from their account; nothing is deleted.

    In one transaction: the dependant's booked visits still to come are cancelled as the
    guardian's own cancellation (inside the cut-off too, as when closing an account:
    nobody would manage them any more), the link ends, and a dependant nobody else
    manages and who has no login of their own is deactivated, their records kept for
    the retention period. Returns how many visits were cancelled. Anyone else's family
    member is a 404.
    """
    with transaction.atomic():
        # Locked: a second click waits, then finds the link ended (404).
        link = family_link(guardian=guardian, dependant_pk=dependant_pk, lock=True)
        dependant = link.dependant
        cancelled = 0
        for appointment in upcoming_visits_of(dependant).select_related("patient__user"):
            _change_status(
                appointment=appointment,
                to=Status.CANCELLED,
                actor=guardian,
                reason=_("%(name)s no longer manages this patient's visits online.")
                % {"name": guardian.display_name},
                cutoff=False,
            )
            cancelled += 1
        now = timezone.now()
        link.ended_at = now
        link.save(update_fields=["ended_at"])
        others = Guardianship.objects.active().filter(dependant=dependant).exists()
        if not others and not dependant.user.has_usable_password():
            User.objects.filter(pk=dependant.user_id).update(is_active=False)
            Patient.objects.filter(pk=dependant.pk, closed_at__isnull=True).update(closed_at=now)
    forget_dependants(guardian)
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
        # Nobody would manage their family members any more.
        for dependant_pk in Patient.objects.dependants_of(user).values_list("pk", flat=True):
            cancelled += remove_dependant(guardian=user, dependant_pk=dependant_pk)
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
    if end <= timezone.now():
        raise DomainError(_("The time off is already over."), code="invalid")

    def lock():
        Doctor.objects.select_for_update().get(pk=doctor.pk)

    def create(reason):
        return TimeOff.objects.create(doctor=doctor, start=start, end=end, reason=reason)

    return _close_time(
        start=start,
        end=end,
        reason=reason,
        actor=actor,
        lock=lock,
        affected=lambda: appointments_during(doctor, start, end),
        create=create,
        unavailable=_("The doctor is unavailable"),
        cancel_appointments=cancel_appointments,
        confirmed_ids=confirmed_ids,
    )


def _close_time(
    *,
    start,
    end,
    reason,
    actor,
    lock,
    affected,
    create,
    unavailable,
    cancel_appointments,
    confirmed_ids,
    conflict=None,
):
    """What time off and closures share: check the period, list the booked visits in it
    and, once confirmed, save it and cancel them as the clinic, with the reason, in one
    transaction (after `lock`, which keeps bookings out meanwhile)."""
    now = timezone.now()
    reason = clean_reason(reason, limit=TIME_OFF_REASON_MAX_LENGTH)
    with transaction.atomic():
        lock()
        hit = affected()
        started = [a for a in hit if a.start <= now or a.status == Appointment.Status.CHECKED_IN]
        if started:
            raise TimeOffConflict(
                started,
                _(
                    "Some appointments in this time have already started or are checked in; "
                    "record their outcome first."
                ),
                can_confirm=False,
            )
        if hit and not cancel_appointments:
            raise TimeOffConflict(hit, conflict(len(hit)) if conflict else None)
        if confirmed_ids is not None and {a.pk for a in hit} - set(confirmed_ids):
            raise TimeOffConflict(
                hit,
                _("More appointments were booked in this time meanwhile. Please check again."),
            )
        period = create(reason)
        why = reason or unavailable
        for appointment in hit:
            _cancel_for_the_clinic(
                appointment, actor, _("%(why)s. Please book another time.") % {"why": why}
            )
    return period, hit


def add_closure(
    *, site=None, start, end, reason="", actor, cancel_appointments=False, confirmed_ids=None
):
    """Close the clinic (`site=None`) or one site from `start` to `end` (clinic managers).

    Exactly as time off: booked visits in it are listed (TimeOffConflict) and nothing is
    saved until they are confirmed; then they are cancelled with the reason, in the same
    transaction. Every doctor's row is locked first, so no booking slips in meanwhile.
    """
    if not can_manage_closures(actor):
        raise NotAllowed(_("Your role cannot close the clinic or a site."))
    if end <= start:
        message = _("A closure must end after it starts.")
        raise DomainError(message, code="invalid", fields={"end": message})
    if end <= timezone.now():
        message = _("This closure would already be over.")
        raise DomainError(message, code="invalid", fields={"end": message})

    def lock():
        list(Doctor.objects.select_for_update().order_by("pk").values_list("pk", flat=True))

    def affected():
        return list(
            Appointment.objects.filter(
                status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN],
                **({"site": site} if site is not None else {}),
            )
            .overlapping(start, end)
            .select_related("patient__user", "doctor__user")
            .order_by("start")
        )

    def create(reason):
        return Closure.objects.create(site=site, start=start, end=end, reason=reason)

    where = site.name if site is not None else _("The clinic")
    return _close_time(
        start=start,
        end=end,
        reason=reason,
        actor=actor,
        lock=lock,
        affected=affected,
        create=create,
        unavailable=_("%(where)s is closed") % {"where": where},
        cancel_appointments=cancel_appointments,
        confirmed_ids=confirmed_ids,
        conflict=lambda count: (
            ngettext(
                "%(count)d booked appointment falls in this closure.",
                "%(count)d booked appointments fall in this closure.",
                count,
            )
            % {"count": count}
        ),
    )


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
