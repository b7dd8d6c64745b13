"""Writes to accounts that carry a rule."""

import logging

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User, UserManager
from appointments.models import Appointment
from appointments.services import cancel_appointment
from healthcare.core.errors import NotAllowed
from patients.models import Patient

log = logging.getLogger(__name__)


@transaction.atomic
def register_patient(
    *, email, password, first_name, last_name, phone="", date_of_birth=None, is_active=True
) -> User:
    """Create a patient's login and their Patient profile together, or neither.

    Self-registration always makes a patient: doctors and staff are created by the clinic.
    """
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.PATIENT,
        is_active=is_active,
        # An account made inactive waits for its activation link; one deactivated later
        # by staff keeps email_confirmed and so can never be re-activated by a link.
        email_confirmed=is_active,
    )
    Patient.objects.create(user=user, date_of_birth=date_of_birth)
    return user


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """One-use links that activate a self-registered account (valid PASSWORD_RESET_TIMEOUT)."""

    key_salt = "accounts.services.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Activating the account changes is_active, so the link stops working once used.
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


activation_tokens = ActivationTokenGenerator()


def _is_pending(user):
    """An account made by self-registration whose link has not been followed yet."""
    return not user.is_active and not user.email_confirmed and user.is_patient


def _send(template, user, context):
    context = {"user": user, "clinic_name": settings.CLINIC_NAME, **context}
    subject = render_to_string(f"registration/{template}_subject.txt", context)
    body = render_to_string(f"registration/{template}_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _send_activation(user, absolute_url):
    path = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_tokens.make_token(user),
        },
    )
    _send("activation", user, {"link": absolute_url(path)})


def sign_up_patient(
    *, email, password, first_name, last_name, absolute_url, phone="", date_of_birth=None
) -> None:
    """A person signs themselves up; what they see next never says if the address was free.

    A free address gets an inactive patient account and a link that activates it. An
    address that already has an account gets an email saying so (and, if that account
    is still waiting for activation, its link again); nothing is created or changed. The
    password is hashed in both cases so that the time taken tells nothing either.
    `absolute_url(path)` turns a path into the link put in the email.
    """
    email = UserManager.normalize_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            user = register_patient(
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                date_of_birth=date_of_birth,
                is_active=False,
            )
        except IntegrityError:  # registered by another request since the look-up
            existing = User.objects.get(email__iexact=email)
        else:
            transaction.on_commit(lambda: _send_activation(user, absolute_url))
            return
    make_password(password)
    if _is_pending(existing):
        transaction.on_commit(lambda: _send_activation(existing, absolute_url))
    else:
        login_url = absolute_url(reverse("accounts:login"))
        reset_url = absolute_url(reverse("accounts:password_reset"))
        transaction.on_commit(
            lambda: _send(
                "already_registered", existing, {"login_url": login_url, "reset_url": reset_url}
            )
        )


def activate_account(*, uidb64, token) -> User | None:
    """Follow an activation link: the account it names becomes active, or None if invalid."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    if not _is_pending(user) or not activation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.email_confirmed = True
    user.save(update_fields=["is_active", "email_confirmed"])
    return user


def retire_user(*, user, actor) -> bool:
    """Deactivate a patient's or doctor's login (clinic staff only); their data is kept.

    Their booked visits still to come are cancelled in the same transaction, with the
    reason, through the appointments' own rules (so both sides are emailed): a retired
    doctor's patients learn to book someone else, and a retired patient's slots go back
    to other patients. Returns whether anything changed (retiring twice changes nothing).
    A retired login keeps email_confirmed, so no activation link can bring it back.
    """
    if not actor.is_clinic_staff:
        raise NotAllowed(_("Only clinic staff can retire a %(role)s.") % {"role": user.role})
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, is_active=True).update(is_active=False):
            return False
        _cancel_upcoming_visits(user, actor)
    return True


def _cancel_upcoming_visits(user, actor):
    if user.is_doctor:
        visits = Appointment.objects.filter(doctor__user=user)
        reason = _("Dr %(name)s no longer sees patients at the clinic.")
        reason %= {"name": user.display_name}
    else:
        visits = Appointment.objects.filter(patient__user=user)
        reason = _("The patient's account at the clinic was closed.")
    upcoming = visits.filter(status=Appointment.Status.BOOKED, start__gt=timezone.now())
    for appointment in upcoming.select_related("doctor__user", "patient__user"):
        cancel_appointment(appointment=appointment, actor=actor, reason=reason)
