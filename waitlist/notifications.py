"""The offer email: a freed time and its claim link, to the waiting patient.

It says when, with whom, what kind of visit and where, never who freed the time or why.
It carries no calendar file: the time is not the patient's until they confirm (the
booking's own email then brings one). The link carries the
offer's token, signed (waitlist.links), and works once, until the offer expires.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.calendar import site_url, where
from healthcare.core.clinic import contact
from waitlist.models import Offer

logger = logging.getLogger(__name__)


def _when(moment):
    return timezone.localtime(moment).strftime("%a %-d %b %Y, %H:%M")


def claim_url(offer):
    return site_url(reverse("waitlist:claim", args=[offer.signed_token]))


def send_offer(offer_id):
    """Email the offer to its patient, once (marks it emailed). Returns 1 if sent."""
    claimed = Offer.objects.filter(pk=offer_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    try:
        sent = _send(offer_id)
    except Exception:
        # Give the email back, so that a retry can send it.
        Offer.objects.filter(pk=offer_id).update(emailed_at=None)
        raise
    logger.info("Emailed waitlist offer %s.", offer_id)
    return sent


def _visit(offer):
    """What the visit is and how long, e.g. "Follow-up, 15 minutes"."""
    if offer.visit_type is None:
        return ""
    minutes = int((offer.end - offer.start).total_seconds() // 60)
    return _("%(type)s, %(minutes)d minutes") % {"type": offer.visit_type.name, "minutes": minutes}


def _send(offer_id):
    offer = Offer.objects.select_related(
        "entry__patient__user", "doctor__user", "visit_type", "site"
    ).get(pk=offer_id)
    recipient = offer.entry.patient.user
    if not recipient.email:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "recipient": recipient,
            "doctor_name": str(offer.doctor),
            "patient_name": recipient.display_name,
            "audience": "patient",
            "when": _when(offer.start),
            "ends": timezone.localtime(offer.end).strftime("%H:%M"),
            "visit": _visit(offer),
            # The site and its address, as the appointment emails write it.
            "where": where(offer) if offer.site_id else "",
            "expires": _when(offer.expires_at),
            "moves": offer.entry.appointment_id is not None,
            **contact(offer.site if offer.site_id else None),
            "claim_url": claim_url(offer),
            "waitlist_url": site_url(reverse("waitlist:mine")),
        }
        if context["moves"]:
            subject = _("An earlier time is free: %(when)s") % {"when": context["when"]}
        else:
            subject = _("A time you are waiting for is free: %(when)s") % {"when": context["when"]}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/waitlist_offer.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
        message.attach_alternative(
            render_to_string("emails/waitlist_offer.html", context), "text/html"
        )
    return mailers.default.send_messages([message])
