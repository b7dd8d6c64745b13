"""Reads of the waitlist: what a user may see of it (one access function per type)."""

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from appointments.selectors import bookable_dates, free_slots
from healthcare.core.errors import NotVisible
from waitlist import links
from waitlist.models import FreedTime, Offer, WaitlistEntry
from waitlist.permissions import can_see_all_entries


def entries_visible_to(user):
    """A patient's own entries; all for staff whose role sees the waitlist; none otherwise."""
    if not user.is_authenticated:
        return WaitlistEntry.objects.none()
    entries = WaitlistEntry.objects.select_related(
        "doctor__user",
        "doctor__specialty",
        "specialty",
        "appointment",
        "patient__user",
        "visit_type",
        "site",
    )
    if can_see_all_entries(user):
        return entries
    if (patient := user.patient_profile) is not None:
        return entries.filter(patient=patient)
    return WaitlistEntry.objects.none()


def offers_visible_to(user):
    """The offers made to a patient (only theirs: nobody else may see or claim them)."""
    if not user.is_authenticated or (patient := user.patient_profile) is None:
        return Offer.objects.none()
    return Offer.objects.filter(entry__patient=patient).select_related(
        "doctor__user", "doctor__specialty", "entry__appointment", "visit_type", "site"
    )


def offer_by_link(user, signed_token):
    """The offer a claim link names, if it is the user's; NotVisible (404) otherwise."""
    token = links.unsign(signed_token)
    offer = offers_visible_to(user).filter(token=token).first() if token else None
    if offer is None:
        raise NotVisible()
    return offer


def live_offers(user, now=None):
    return offers_visible_to(user).live(now).order_by("start")


def waiting_entries(user, now=None):
    return entries_visible_to(user).filter(
        status=WaitlistEntry.Status.WAITING, latest__gte=timezone.localdate(now or timezone.now())
    )


def nearest_free_slots(doctor, *, limit=5, now=None):
    """The doctor's next free slots, for a claim that came too late."""
    first, last = bookable_dates(now)
    return free_slots(doctor, first, last, now=now)[:limit]


def refill_by_doctor(since=None):
    """Per doctor: minutes freed by cancelled or moved visits, and minutes the waitlist
    refilled (staff's figure). `since` limits it to time freed from then on."""
    freed = FreedTime.objects.all()
    if since is not None:
        freed = freed.filter(freed_at__gte=since)
    rows = (
        freed.values("doctor", "doctor__user__first_name", "doctor__user__last_name")
        .annotate(
            slots=Count("pk"),
            freed=Sum(F("end") - F("start")),
            refilled=Sum(F("end") - F("start"), filter=Q(refilled_at__isnull=False)),
        )
        .order_by("doctor__user__last_name", "doctor__user__first_name")
    )
    result = []
    for row in rows:
        freed_minutes = int(row["freed"].total_seconds() // 60) if row["freed"] else 0
        refilled = int(row["refilled"].total_seconds() // 60) if row["refilled"] else 0
        result.append(
            {
                "doctor": f"Dr {row['doctor__user__first_name']} {row['doctor__user__last_name']}",
                "freed_minutes": freed_minutes,
                "refilled_minutes": refilled,
                "share": round(100 * refilled / freed_minutes) if freed_minutes else 0,
            }
        )
    return result
