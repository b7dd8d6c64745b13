"""iCalendar (RFC 5545) for appointments: email invitations, .ics downloads and feeds.

One event per appointment, whatever carries it: its UID never changes and its SEQUENCE
is the appointment's revision, so a calendar app that saw the booking email, the
download and the feed keeps a single entry and applies the newest change. Times carry
the clinic's zone (TZID with a VTIMEZONE), so the event stays at 09:00 across DST.

What an event says is kept to the minimum a diary needs (who and when, a link back);
the reason for the visit is health data and stays on the site.
"""

import datetime
import functools
import zoneinfo
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment
from healthcare.core.clinic import contact
from healthcare.core.http import absolute_url

PRODID = "-//Clinic scheduling//Appointments//EN"

# Which side of the appointment reads the calendar: it decides how the event is titled.
PATIENT = "patient"
DOCTOR = "doctor"


def site_url(path=""):
    return absolute_url(path)


def appointment_uid(appointment):
    """The event's UID: stable for the appointment's whole life, unique to this site."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"appointment-{appointment.pk}@{host}"


def _clinic_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def where(appointment):
    """The site and its address on one line, e.g. "North clinic, 2 North Road, Leeds";
    the clinic's address (CLINIC_ADDRESS) for a site without its own."""
    site = appointment.site
    return ", ".join(part for part in (site.name, contact(site)["clinic_address"]) if part)


def visit_line(appointment):
    """What the visit is and how long, e.g. "Follow-up, 15 minutes"."""
    minutes = appointment.length_minutes
    return _("%(type)s, %(minutes)d minutes") % {
        "type": appointment.visit_type.name,
        "minutes": minutes,
    }


def event_summary(appointment, audience):
    if audience == DOCTOR:
        return _("Appointment: %(patient)s") % {"patient": appointment.patient.user.display_name}
    return _("Appointment with %(doctor)s") % {"doctor": appointment.doctor}


def appointment_event(appointment, *, audience, stamp=None):
    """The VEVENT for one appointment as `audience` ("patient" or "doctor") sees it."""
    zone = _clinic_zone()
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event = icalendar.Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp or timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", event_summary(appointment, audience))
    event.add("location", f"{settings.CLINIC_NAME}, {where(appointment)}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if appointment.updated_at:
        event.add("last-modified", appointment.updated_at.astimezone(datetime.UTC))
    link = site_url(reverse("appointments:detail", args=[appointment.pk]))
    event.add("url", link)
    description = _("%(visit)s. Details and changes: %(link)s") % {
        "visit": visit_line(appointment),
        "link": link,
    }
    if cancelled and appointment.cancellation_reason:
        description = _("Cancelled: %(reason)s") % {"reason": appointment.cancellation_reason}
    event.add("description", description)
    organizer = icalendar.vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = settings.CLINIC_NAME
    event.add("organizer", organizer)
    for user in (appointment.patient.user, appointment.doctor.user):
        if not user.email:  # a patient registered at the desk without an address
            continue
        attendee = icalendar.vCalAddress(f"mailto:{user.email}")
        attendee.params.update(
            {
                "cn": user.display_name,
                "role": "REQ-PARTICIPANT",
                "partstat": "DECLINED" if cancelled else "ACCEPTED",
                "rsvp": "FALSE",
            }
        )
        event.add("attendee", attendee)
    return event


def build_calendar(appointments, *, audience, method=None, name=None):
    """A VCALENDAR with one event per appointment and the clinic's VTIMEZONE."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Ask subscribing apps to refresh hourly (not all of them listen).
        calendar.add(
            "refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", datetime.timedelta(hours=1))
    stamp = timezone.now().astimezone(datetime.UTC)
    starts = []
    for appointment in appointments:
        calendar.add_component(appointment_event(appointment, audience=audience, stamp=stamp))
        starts.append(appointment.start)
    if starts:
        # A VTIMEZONE covering just the years in use keeps the file small.
        first = datetime.date(min(starts).year - 1, 1, 1)
        last = datetime.date(max(starts).year + 2, 1, 1)
        calendar.subcomponents.insert(0, _vtimezone(settings.TIME_ZONE, first, last))
    return calendar


@functools.lru_cache(maxsize=16)
def _vtimezone(tzid, first, last):
    """The clinic zone's VTIMEZONE for those years (every event's TZID is the clinic's),
    worked out once per process: icalendar derives it from the zone's rules each time,
    which cost more than the rest of an email."""
    return icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)


def appointment_ics(appointment, *, audience, method="REQUEST"):
    """The .ics bytes for one appointment: an invitation (REQUEST) or a CANCEL."""
    return build_calendar([appointment], audience=audience, method=method).to_ical()


def audience_for(user, appointment):
    """How `user` sees the appointment in a calendar: as its doctor or as the patient."""
    return DOCTOR if appointment.doctor.user_id == user.pk else PATIENT


def feed_ics(appointments, *, audience, name):
    """A subscription feed: the person's appointments, no METHOD (it is not a message)."""
    return build_calendar(appointments, audience=audience, name=name).to_ical()
