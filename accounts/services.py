"""Writes to accounts that carry a rule: activating a self-registered login and the emails
about it.

A patient's sign-up itself (login and patient record together) is patients.services;
retiring a login, which cancels visits, is appointments.services.
"""

import logging

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User

log = logging.getLogger(__name__)


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


def send_activation(user, absolute_url):
    """Email `user` the link that activates their account; `absolute_url(path)` makes it."""
    path = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_tokens.make_token(user),
        },
    )
    _send("activation", user, {"link": absolute_url(path)})


def tell_existing_account(user, absolute_url):
    """Someone signed up with the address of `user`: tell its owner, once the transaction
    commits, and nobody else.

    An account still waiting for activation gets its link again; any other is told that
    it exists, with the addresses to log in and to reset the password.
    """
    if _is_pending(user):
        transaction.on_commit(lambda: send_activation(user, absolute_url))
    else:
        login_url = absolute_url(reverse("accounts:login"))
        reset_url = absolute_url(reverse("accounts:password_reset"))
        transaction.on_commit(
            lambda: _send(
                "already_registered", user, {"login_url": login_url, "reset_url": reset_url}
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
