"""Every write to the waitlist: joining, changing and leaving it; offering freed time; claiming
an offer (which books, or moves an appointment earlier, through appointments.services).

Offering is run by the task worker (waitlist.tasks), after the freeing change committed:

* The freed time's free slots are found with the same search booking uses
  (appointments.selectors.free_slots), for each visit type and site the waiting entries
  ask for, so nothing inside the minimum notice, in time off or already booked, of
  another type or at another site is ever offered.
* Each slot is offered in its own transaction that first locks the doctor's row, so two
  workers handling the same freed time take turns: the second sees the first one's
  offers and adds none while a batch is out. The unique (entry, doctor, start)
  constraint is the final guard: an entry is offered a slot once, ever.
* Entries are taken in the order they joined, WAITLIST_BATCH_SIZE at a time; an entry
  emailed an offer less than WAITLIST_EMAIL_INTERVAL ago is passed over this time (its
  row is locked while checked, so two workers cannot both email it; one that another
  worker, a claim or the patient holds locked is passed over too, never waited for).
* Lock order, so nothing deadlocks: offering takes the doctor, then entries (skipping
  locked ones); claiming takes the entry, the offer, then (booking) the patient and the
  doctor; leaving takes the entry, then its offers.
* An offer's link works WAITLIST_OFFER_TIME (never past the slot's minimum notice); when
  the batch's links have expired, the next batch is offered (tasks.offer_slot_again).

Claiming books through book_appointment (or reschedule_appointment for an entry made
from an appointment: the old time is freed, and offered on in turn), so every booking
rule holds; a claim that comes too late or loses the slot is a domain error whose page
shows the nearest other free slots.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from appointments.selectors import bookable_dates, default_offer, free_slots
from appointments.services import (
    book_appointment,
    check_may_book,
    reschedule_appointment,
    resolve_offer,
)
from doctors.models import Doctor
from healthcare.core.errors import DomainError, NotVisible
from waitlist.models import FreedTime, Offer, WaitlistEntry
from waitlist.permissions import can_manage_entries_for

logger = logging.getLogger(__name__)

Status = WaitlistEntry.Status


class InvalidEntry(DomainError):
    code = "invalid"


class AlreadyWaiting(DomainError):
    code = "already_waiting"
    default_message = gettext_lazy("You are already on the waitlist for this.")


class EntryClosed(DomainError):
    code = "entry_closed"
    default_message = gettext_lazy("This waitlist entry is no longer waiting.")


class OfferExpired(DomainError):
    code = "offer_expired"
    default_message = gettext_lazy("Sorry, this offer has expired.")


class OfferUsed(DomainError):
    code = "offer_claimed"
    default_message = gettext_lazy("You have already taken this offer.")


class OfferTaken(DomainError):
    code = "slot_unavailable"
    default_message = gettext_lazy("Sorry, someone else took this time first.")


# -- joining, changing and leaving ----------------------------------------------------------


def _clean_window(*, earliest, latest, weekdays, time_of_day, now):
    _first, last = bookable_dates(now)
    errors = {}
    if earliest < timezone.localdate(now):
        errors["earliest"] = _("The first day cannot be in the past.")
    if latest < earliest:
        errors["latest"] = _("The last day must be on or after the first day.")
    elif latest > last:
        errors["latest"] = _("The last day can be at most %(date)s (the booking horizon).") % {
            "date": last.isoformat()
        }
    weekdays = sorted(set(weekdays or []))
    if any(
        not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in weekdays
    ):
        errors["weekdays"] = _("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
    if time_of_day not in WaitlistEntry.TimeOfDay.values:
        errors["time_of_day"] = _("Choose any time, mornings or afternoons.")
    if errors:
        raise InvalidEntry(_("Please correct the waitlist details."), fields=errors)
    return weekdays


def _clean_type_and_site(*, patient, actor, doctor, specialty, visit_type, site):
    """The visit type the entry waits for (resolved, for a doctor) and its site.

    With a doctor: a type they offer (it may be left out when they offer one), that this
    patient may book online, and a site they work at that sees that type. With a
    specialty: an active type patients may book online, or none (each doctor's usual
    type). Booking's own errors (type_required, type_not_offered, type_not_bookable).
    """
    if doctor is not None:
        offer = resolve_offer(doctor, visit_type)
        visit_type = offer.visit_type
        check_may_book(visit_type, patient=patient, doctor=doctor, booked_by=actor)
        if site is not None:
            hours = doctor.working_hours.filter(site=site)
            allowed = set(site.visit_types.values_list("pk", flat=True))
            if not hours.exists() or (allowed and visit_type.pk not in allowed):
                message = _("%(doctor)s does not see “%(type)s” visits at %(site)s.") % {
                    "doctor": doctor,
                    "type": visit_type.name,
                    "site": site.name,
                }
                raise InvalidEntry(message, fields={"site": message})
        return visit_type, site
    if visit_type is not None and (
        not visit_type.is_active
        or (
            actor.pk == patient.user_id
            and visit_type.online_booking == visit_type.OnlineBooking.STAFF_ONLY
        )
    ):
        message = _("“%(type)s” cannot be booked online; please call the clinic.") % {
            "type": visit_type.name
        }
        raise InvalidEntry(message, fields={"type": message})
    return visit_type, site


def join_waitlist(
    *,
    patient,
    actor,
    doctor=None,
    specialty=None,
    visit_type=None,
    site=None,
    earliest,
    latest,
    weekdays=(),
    time_of_day=WaitlistEntry.TimeOfDay.ANY,
) -> WaitlistEntry:
    """Put `patient` on the waitlist for `doctor`, or any doctor of `specialty`, for a
    `visit_type` (see _clean_type_and_site) at `site` (None: any).

    `actor` is the patient or staff who add patients (NotVisible otherwise).
    """
    if not can_manage_entries_for(actor, patient):
        raise NotVisible()
    now = timezone.now()
    if (doctor is None) == (specialty is None):
        raise InvalidEntry(
            _("Choose a doctor or a specialty."), fields={"doctor": _("Choose a doctor.")}
        )
    if doctor is not None and not doctor.user.is_active:
        raise InvalidEntry(
            _("This doctor no longer sees patients."), fields={"doctor": _("Choose a doctor.")}
        )
    visit_type, site = _clean_type_and_site(
        patient=patient,
        actor=actor,
        doctor=doctor,
        specialty=specialty,
        visit_type=visit_type,
        site=site,
    )
    weekdays = _clean_window(
        earliest=earliest, latest=latest, weekdays=weekdays, time_of_day=time_of_day, now=now
    )
    with transaction.atomic():
        waiting = WaitlistEntry.objects.waiting(now).filter(
            patient=patient, appointment__isnull=True
        )
        if waiting.filter(
            doctor=doctor, specialty=specialty, visit_type=visit_type, site=site
        ).exists():
            raise AlreadyWaiting()
        return WaitlistEntry.objects.create(
            patient=patient,
            doctor=doctor,
            specialty=specialty,
            visit_type=visit_type,
            site=site,
            earliest=earliest,
            latest=latest,
            weekdays=weekdays,
            time_of_day=time_of_day,
            added_by=actor,
            created_at=now,
        )


def wait_for_earlier(
    *, appointment, actor, weekdays=(), time_of_day=WaitlistEntry.TimeOfDay.ANY
) -> WaitlistEntry:
    """ "I'd take an earlier slot": wait for an earlier time with this appointment's doctor,
    of its visit type at its site.

    Claiming an offer then moves the appointment (atomically) instead of booking another.
    """
    if not can_manage_entries_for(actor, appointment.patient):
        raise NotVisible()
    now = timezone.now()
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= now:
        raise EntryClosed(_("Only a booked appointment still to come can be moved earlier."))
    today = timezone.localdate(now)
    latest = timezone.localdate(appointment.start)
    weekdays = _clean_window(
        earliest=today, latest=latest, weekdays=weekdays, time_of_day=time_of_day, now=now
    )
    with transaction.atomic():
        if WaitlistEntry.objects.waiting(now).filter(appointment=appointment).exists():
            raise AlreadyWaiting(_("You are already waiting for an earlier time for this visit."))
        return WaitlistEntry.objects.create(
            patient=appointment.patient,
            doctor=appointment.doctor,
            visit_type=appointment.visit_type,
            site=appointment.site,
            earliest=today,
            latest=latest,
            weekdays=weekdays,
            time_of_day=time_of_day,
            appointment=appointment,
            added_by=actor,
            created_at=now,
        )


def _locked_waiting(entry, actor):
    if not can_manage_entries_for(actor, entry.patient):
        raise NotVisible()
    entry = WaitlistEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
    if entry.status != Status.WAITING:
        raise EntryClosed()
    return entry


def update_entry(
    *, entry, actor, earliest=None, latest=None, weekdays=None, time_of_day=None
) -> WaitlistEntry:
    """Change an entry's window and preferences (whom it waits for stays). Its place in
    the queue is kept: fairness is by when the patient joined."""
    now = timezone.now()
    with transaction.atomic():
        entry = _locked_waiting(entry, actor)
        earliest = entry.earliest if earliest is None else earliest
        latest = entry.latest if latest is None else latest
        if entry.appointment_id is not None:
            # Earlier than the appointment it came from, and no later.
            latest = min(latest, timezone.localdate(entry.appointment.start))
        entry.weekdays = _clean_window(
            earliest=max(earliest, timezone.localdate(now)),
            latest=latest,
            weekdays=entry.weekdays if weekdays is None else weekdays,
            time_of_day=time_of_day or entry.time_of_day,
            now=now,
        )
        entry.earliest, entry.latest = earliest, latest
        entry.time_of_day = time_of_day or entry.time_of_day
        entry.save()
    return entry


def leave_waitlist(*, entry, actor) -> WaitlistEntry:
    """Leave the waitlist: no more offers; links already sent stop working."""
    with transaction.atomic():
        entry = _locked_waiting(entry, actor)
        entry.status = Status.LEFT
        entry.save(update_fields=["status", "updated_at"])
        entry.offers.filter(status=Offer.Status.SENT).update(status=Offer.Status.EXPIRED)
    return entry


# -- offering freed time ---------------------------------------------------------------------


def record_freed_time(*, doctor_id, start, end):
    """Keep a cancelled or moved appointment's time for the "freed minutes refilled" figure."""
    return FreedTime.objects.create(doctor_id=doctor_id, start=start, end=end)


def _slots_in(doctor, start, end, now, *, visit_type=None, site=None):
    """The doctor's free slots of `visit_type` (None: their usual one) at `site` (None:
    any) that overlap [start, end) (start None: the whole horizon)."""
    if start is None:
        first, last = bookable_dates(now)
        return free_slots(doctor, first, last, now=now, visit_type=visit_type, site=site)
    first = timezone.localdate(max(start, now))
    last = timezone.localdate(end)
    return [
        slot
        for slot in free_slots(doctor, first, last, now=now, visit_type=visit_type, site=site)
        if slot.start < end and slot.end > start
    ]


def _candidates(doctor, start, end, now):
    """Waiting entries whose window meets [start, end) (None: the horizon), in fairness
    order."""
    if start is None:
        first, last = bookable_dates(now)
    else:
        first, last = timezone.localdate(max(start, now)), timezone.localdate(end)
    return list(
        WaitlistEntry.objects.waiting(now)
        .for_doctor(doctor)
        .filter(earliest__lte=last, latest__gte=first, patient__user__is_active=True)
        .select_related("appointment", "visit_type", "site")
        .in_fairness_order()
    )


def _can_take(entry, doctor, slot, now):
    """What booking would refuse anyway: the patient busy then, a doctor closed to them, a
    visit type they may not book online."""
    busy = Appointment.objects.filter(patient_id=entry.patient_id).active()
    busy = busy.overlapping(slot.start, slot.end)
    if entry.appointment_id is not None:
        busy = busy.exclude(pk=entry.appointment_id)
    if busy.exists():
        return False
    source = entry.appointment
    if source is not None:
        # Moving keeps the visit's type; only the cut-off for changing it online matters.
        return source.start - now >= settings.CLINIC_CANCELLATION_CUTOFF
    try:
        check_may_book(
            slot.visit_type, patient=entry.patient, doctor=doctor, booked_by=entry.patient.user
        )
    except DomainError:
        return False
    return doctor.accepting_new_patients or (
        Appointment.objects.filter(patient_id=entry.patient_id, doctor=doctor).active().exists()
    )


@dataclass
class OfferRound:
    """What one offering pass did: the offers made, and when each batch's links expire
    (the times at which the next batch is due)."""

    offers: list
    follow_ups: list


def offer_freed_time(*, doctor_id, start=None, end=None, freed_at=None, now=None) -> OfferRound:
    """Offer the free slots of `doctor_id` between `start` and `end` (None: the whole
    horizon) to the waiting entries that want them, a batch per slot.

    Slots are laid out for each visit type and site the entries ask for (an entry without
    a type waits for the doctor's usual one; without a site, for any). Runs in the
    worker. Returns the offers made (each to be emailed once by the caller) and the
    follow-up times. Safe to run twice or from two workers at once.
    """
    now = now or timezone.now()
    freed_at = freed_at or now
    round_ = OfferRound(offers=[], follow_ups=[])
    doctor = Doctor.objects.directory().filter(pk=doctor_id).first()
    if doctor is None:
        return round_
    entries = _candidates(doctor, start, end, now)
    if not entries:
        return round_
    groups = {}  # (visit type, site) -> entries asking for them, in fairness order
    for entry in entries:
        groups.setdefault((entry.visit_type, entry.site), []).append(entry)
    wanted = []  # (slot, entries of its group), earliest slot first
    for (visit_type, site), members in groups.items():
        for slot in _slots_in(doctor, start, end, now, visit_type=visit_type, site=site):
            wanted.append((slot, members))
    wanted.sort(key=lambda pair: (pair[0].start, pair[1][0].created_at, pair[1][0].pk))
    batch = settings.WAITLIST_BATCH_SIZE
    offered_now = set()
    for slot, members in wanted:
        wanting = [
            e
            for e in members
            if e.pk not in offered_now
            and e.wants(doctor, slot.start, visit_type=slot.visit_type, site=slot.site)
        ]
        if not wanting:
            continue
        made = _offer_slot(doctor, slot, wanting, batch=batch, freed_at=freed_at, now=now)
        offered_now.update(offer.entry_id for offer in made)
        round_.offers += made
        if made:
            round_.follow_ups.append((slot.start, min(offer.expires_at for offer in made)))
    return round_


def _offer_slot(doctor, slot, wanting, *, batch, freed_at, now):
    """Offer one slot to up to `batch` of the `wanting` entries, in one transaction."""
    expires = min(now + settings.WAITLIST_OFFER_TIME, slot.start - settings.CLINIC_MIN_NOTICE)
    if expires <= now:
        return []
    made = []
    with transaction.atomic():
        # Take turns with any other worker offering this doctor's time.
        Doctor.objects.select_for_update(of=("self",)).filter(pk=doctor.pk).first()
        still_free = _slots_in(
            doctor, slot.start, slot.end, now, visit_type=slot.visit_type, site=slot.site
        )
        if not any(s.start == slot.start for s in still_free):
            return []
        offers = Offer.objects.for_slot(doctor.pk, slot.start)
        room = batch - offers.live(now).count()
        if offers.filter(status=Offer.Status.CLAIMED).exists() or room <= 0:
            return []
        offered_before = set(offers.values_list("entry_id", flat=True))
        ids = [e.pk for e in wanting if e.pk not in offered_before]
        # An entry being claimed, changed or left right now is locked: passed over this
        # time rather than waited for (so no lock order between them can deadlock).
        locked = WaitlistEntry.objects.select_for_update(of=("self",), skip_locked=True).filter(
            pk__in=ids, status=Status.WAITING
        )
        limit = now - settings.WAITLIST_EMAIL_INTERVAL
        for entry in locked.in_fairness_order().select_related("appointment", "patient__user"):
            if room <= 0:
                break
            if entry.last_offered_at is not None and entry.last_offered_at > limit:
                continue
            if not _can_take(entry, doctor, slot, now):
                continue
            try:
                with transaction.atomic():
                    offer = Offer.objects.create(
                        entry=entry,
                        doctor=doctor,
                        visit_type=slot.visit_type,
                        site=slot.site,
                        start=slot.start,
                        end=slot.end,
                        freed_at=freed_at,
                        created_at=now,
                        expires_at=expires,
                    )
            except IntegrityError:
                continue  # offered by another worker meanwhile
            entry.last_offered_at = now
            entry.save(update_fields=["last_offered_at", "updated_at"])
            made.append(offer)
            room -= 1
    return made


def expire_offers(*, doctor_id, start, now=None):
    """Mark the slot's offers whose links have run out as expired."""
    now = now or timezone.now()
    return (
        Offer.objects.for_slot(doctor_id, start)
        .filter(status=Offer.Status.SENT, expires_at__lte=now)
        .update(status=Offer.Status.EXPIRED)
    )


# -- claiming ---------------------------------------------------------------------------------


def claim_offer(*, offer, actor, now=None) -> Appointment:
    """Take the offered slot: book it (or move the entry's appointment to it), once.

    Only the entry's patient claims (NotVisible otherwise). OfferUsed if it was claimed
    already, OfferExpired after its link ran out (or the entry was left), OfferTaken when
    the slot went to someone else first; nothing is booked then.
    """
    now = now or timezone.now()
    if offer.entry.patient.user_id != actor.pk:
        raise NotVisible()
    lost = None
    with transaction.atomic():
        # Entry first, then offer: the order leaving and changing an entry lock them in.
        WaitlistEntry.objects.select_for_update(of=("self",)).filter(pk=offer.entry_id).first()
        offer = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("entry__appointment")
            .get(pk=offer.pk)
        )
        entry = offer.entry
        if offer.status == Offer.Status.CLAIMED:
            raise OfferUsed()
        if offer.status == Offer.Status.TAKEN:
            raise OfferTaken()
        if offer.status != Offer.Status.SENT or offer.expires_at <= now:
            raise OfferExpired()
        if entry.status != Status.WAITING:
            raise OfferExpired()
        try:
            with transaction.atomic():
                appointment = _book(entry, offer, actor)
        except DomainError as error:
            offer.status = Offer.Status.TAKEN
            offer.save(update_fields=["status"])
            lost = error
        else:
            offer.status = Offer.Status.CLAIMED
            offer.claimed_at = now
            offer.appointment = appointment
            offer.save(update_fields=["status", "claimed_at", "appointment"])
            Offer.objects.for_slot(offer.doctor_id, offer.start).filter(
                status=Offer.Status.SENT
            ).update(status=Offer.Status.TAKEN)
            entry.status = Status.FULFILLED
            entry.save(update_fields=["status", "updated_at"])
            FreedTime.objects.filter(
                doctor_id=offer.doctor_id, start=offer.start, refilled_at__isnull=True
            ).update(refilled_at=now)
    if lost is not None:
        raise OfferTaken(lost.message) from lost
    return appointment


def _book(entry, offer, actor):
    source = entry.appointment
    if source is not None and source.status == Appointment.Status.BOOKED:
        if offer.start >= source.start:
            raise OfferExpired()
        return reschedule_appointment(appointment=source, start=offer.start, actor=actor)
    # The claim books the type and site offered; an offer from before visit types was of
    # the doctor's usual type (a doctor who offers several needs it named).
    visit_type = offer.visit_type
    if visit_type is None:
        offered = default_offer(offer.doctor.offers.select_related("visit_type"))
        visit_type = offered.visit_type if offered else None
    return book_appointment(
        patient=entry.patient,
        doctor=offer.doctor,
        start=offer.start,
        booked_by=actor,
        visit_type=visit_type,
        site=offer.site,
    )
