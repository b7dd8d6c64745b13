"""Writes to accounts that carry a rule: activating a self-registered login and the emails
about a login.

The emails are queued here and sent by the worker (accounts/tasks.py). A patient's
sign-up itself (login and patient record together) is patients.services; retiring a
login, which cancels visits, is appointments.services.
"""

from django.utils.http import urlsafe_base64_decode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import tasks
from accounts.models import User
from accounts.tokens import activation_tokens


def send_activation(*, user, site_url):
    """Queue the email with the link that activates `user`'s account.

    `site_url` is the scheme and host the links point to (healthcare.core.http.site_url).
    Called inside the transaction that creates the account, the email goes out only if
    the account is committed.
    """
    tasks.send_activation.enqueue(user.pk, site_url)


def tell_existing_account(*, user, site_url):
    """Someone signed up with the address of `user`: tell its owner, and nobody else.

    An account still waiting for activation gets its link again; any other is told that
    it exists, with the addresses to log in and to reset the password.
    """
    if user.awaits_activation:
        send_activation(user=user, site_url=site_url)
    else:
        tasks.send_already_registered.enqueue(user.pk, site_url)


def send_password_reset(*, user, site_url):
    """Queue the email with a link that sets a new password for `user`, to their address."""
    tasks.send_password_reset.enqueue(user.pk, user.email, site_url)


def activate_account(*, uidb64, token) -> User | None:
    """Follow an activation link: the account it names becomes active, or None if invalid."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    if not user.awaits_activation or not activation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.email_confirmed = True
    user.save(update_fields=["is_active", "email_confirmed"])
    return user


def revoke_api_tokens(*, user):
    """Blacklist every refresh token `user` was issued, so none can be refreshed again."""
    for token in OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False):
        BlacklistedToken.objects.get_or_create(token=token)
