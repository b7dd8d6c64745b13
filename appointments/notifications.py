"""Emails to the patient and the doctor when an appointment is booked, moved or cancelled.

Each email has a plain-text and an HTML body and carries the appointment as an iCalendar
invitation (METHOD:REQUEST, or METHOD:CANCEL when cancelled), so one click puts it in, or
takes it out of, the reader's calendar. The background worker calls these
(`tasks.announce`, which the services enqueue in the change's own transaction, and the
reminders), so nobody hears of a change that was rolled back and no request waits for
the mail server; they read the appointment afresh, so the email says what the database
says.
"""

import logging
from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from appointments import calendar
from appointments.models import Appointment
from healthcare.core.clinic import contact
from healthcare.core.prepared import PreparedQuery
from patients.models import Guardianship

logger = logging.getLogger(__name__)

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
REMINDER = "reminder"

SUBJECTS = {
    (BOOKED, calendar.PATIENT): lambda: _("Your appointment on %(when)s is booked"),
    (BOOKED, calendar.DOCTOR): lambda: _("New appointment on %(when)s"),
    (RESCHEDULED, calendar.PATIENT): lambda: _("Your appointment has moved to %(when)s"),
    (RESCHEDULED, calendar.DOCTOR): lambda: _("Appointment moved to %(when)s"),
    (CANCELLED, calendar.PATIENT): lambda: _("Your appointment on %(when)s is cancelled"),
    (CANCELLED, calendar.DOCTOR): lambda: _("Appointment on %(when)s cancelled"),
    (REMINDER, calendar.PATIENT): lambda: _("Reminder: your appointment on %(when)s"),
    (REMINDER, calendar.DOCTOR): lambda: _("Reminder: appointment on %(when)s"),
}


# The worker loads one appointment for every email it sends: compiled once per process.
_APPOINTMENT = PreparedQuery(
    Appointment,
    lambda pk: (
        Appointment.objects.select_related(
            "patient__user",
            "doctor__user",
            "doctor__specialty",
            "cancelled_by",
            "visit_type",
            "site",
        )
        .filter(pk=pk)
        .order_by()
    ),
    pk=-730_100_007,
)


def _load(appointment_id):
    appointment = _APPOINTMENT.get(pk=int(appointment_id))
    if appointment is None:
        raise Appointment.DoesNotExist(f"No appointment {appointment_id}.")
    return appointment


def _when(moment):
    """The moment in the active language's format ("Tue 8 Jan 2030, 09:30")."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _ics_part(appointment, audience, method):
    part = MIMEPart()
    part.set_content(
        calendar.appointment_ics(appointment, audience=audience, method=method).decode(),
        subtype="calendar",
        params={"method": method},
        disposition="attachment",
        filename="appointment.ics",
    )
    return part


def _message(event, appointment, recipient, audience, extra):
    method = "CANCEL" if event == CANCELLED else "REQUEST"
    context = {
        "event": event,
        "audience": audience,
        "recipient": recipient,
        "appointment": appointment,
        "patient_name": appointment.patient.user.display_name,
        # A guardian hears of their dependant's visit: the email names whose it is.
        "for_dependant": audience == calendar.PATIENT
        and recipient.pk != appointment.patient.user_id,
        "doctor_name": str(appointment.doctor),
        "when": _when(appointment.start),
        "ends": formats.time_format(timezone.localtime(appointment.end)),
        "visit": calendar.visit_line(appointment),
        "where": calendar.where(appointment),
        **contact(appointment.site),
        "detail_url": calendar.site_url(reverse("appointments:detail", args=[appointment.pk])),
        "book_url": calendar.site_url(reverse("doctors:directory")),
        **extra,
    }
    subject = SUBJECTS[event, audience]() % {"when": context["when"]}
    text = render_to_string(f"emails/appointment_{event}.txt", context)
    html = render_to_string(f"emails/appointment_{event}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html, "text/html")
    message.attach(_ics_part(appointment, audience, method))
    return message


def _patient_side(appointment):
    """Who hears of a visit for the patient: the patient, or, for a family member without
    an address of their own, the guardians who manage them."""
    user = appointment.patient.user
    if user.email:
        return [user]
    links = Guardianship.objects.active().filter(dependant=appointment.patient)
    return [link.guardian.user for link in links.select_related("guardian__user")]


def _send(event, appointment_id, **extra):
    """Email both sides of the appointment about `event`, each in their own language;
    returns how many were sent. `extra`: more of the emails' words, each a function of the
    appointment, called in the recipient's language."""
    appointment = _load(appointment_id)
    recipients = [(user, calendar.PATIENT) for user in _patient_side(appointment)]
    recipients.append((appointment.doctor.user, calendar.DOCTOR))
    messages = []
    for user, audience in recipients:
        if not user.email:
            continue
        with translation.override(user.language_code):
            details = {name: value(appointment) for name, value in extra.items()}
            messages.append(_message(event, appointment, user, audience, details))
    sent = mailers.default.send_messages(messages)
    logger.info("Sent %s emails for appointment %s (%s).", sent, appointment_id, event)
    return sent


def appointment_booked(appointment_id):
    return _send(BOOKED, appointment_id)


def appointment_rescheduled(appointment_id, *, previous_start):
    return _send(RESCHEDULED, appointment_id, previous_when=lambda _: _when(previous_start))


def _cancelled_by(appointment):
    """Who cancelled, as the email names them: the patient, the doctor or the clinic."""
    user = appointment.cancelled_by
    if user is not None and user.pk == appointment.patient.user_id:
        return appointment.patient.user.display_name
    if user is not None and user.pk == appointment.doctor.user_id:
        return str(appointment.doctor)
    return _("the clinic")


def appointment_cancelled(appointment_id):
    return _send(CANCELLED, appointment_id, cancelled_by=_cancelled_by)


def appointment_reminder(appointment_id):
    return _send(REMINDER, appointment_id)
