"""Writes to accounts that carry a rule: activating a self-registered login, the emails
about a login, ending sessions and resetting a second factor (each in the security log).

The emails are queued here and sent by the worker (accounts/tasks.py). A patient's
sign-up itself (login and patient record together) is patients.services; retiring a
login, which cancels visits, is appointments.services.
"""

from django.db import transaction
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import audit, second_factor, tasks
from accounts.models import SecurityEvent, User, UserSession
from accounts.sessions import delete_web_session, describe_device
from accounts.tokens import activation_tokens, claim_tokens
from healthcare.core.errors import DomainError


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


class NoEmailAddress(DomainError):
    code = "no_email_address"
    default_message = gettext_lazy("Add the patient's email address first.")


class AlreadyClaimed(DomainError):
    code = "already_claimed"
    default_message = gettext_lazy("This patient already has an online account.")


def invite_to_claim(*, user, site_url):
    """Queue the email that lets a patient registered at the desk set their password.

    Their record, visits and history stay as they are: claiming only gives the same
    login a password (accounts.tasks.send_claim_invite makes the link as it sends).
    """
    if not user.awaits_claim:
        raise AlreadyClaimed()
    if not user.email:
        raise NoEmailAddress()
    tasks.send_claim_invite.enqueue(user.pk, user.email, site_url)


def claimable_user(*, uidb64, token) -> User | None:
    """The desk patient a claim link names, if the link is genuine and still unused."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    if not user.awaits_claim or not user.email or not claim_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def claim_account(*, user, password) -> User:
    """Give a desk patient's login its password: the link that led here stops working,
    and the address it came to is confirmed."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.awaits_claim:
        raise AlreadyClaimed()
    user.set_password(password)
    user.email_confirmed = True
    user.save(update_fields=["password", "email_confirmed"])
    audit.record(SecurityEvent.Kind.ACCOUNT_ACTIVATED, actor=user, detail="claimed")
    return user


def _end(rows):
    """Delete the web sessions and blacklist the API refresh tokens of `rows`, and the rows."""
    rows = list(rows)
    for row in rows:
        if row.kind == UserSession.Kind.WEB:
            delete_web_session(row.key)
        elif row.refresh_jti:
            for token in OutstandingToken.objects.filter(jti=row.refresh_jti):
                BlacklistedToken.objects.get_or_create(token=token)
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _described(row):
    return f"{row.get_kind_display()}, {describe_device(row.user_agent)}, {row.ip_address or '?'}"


def _end_all(user, *, keep=None):
    ended = _end(UserSession.objects.filter(user=user).exclude(pk=keep))
    if keep is None:
        for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True):
            BlacklistedToken.objects.get_or_create(token=token)
    return ended


def end_session(*, session, actor, request=None):
    """End one of `actor`'s own sessions (a browser's or an app's), logged."""
    with transaction.atomic():
        _end([session])
        audit.record(
            SecurityEvent.Kind.SESSION_ENDED,
            request=request,
            actor=actor,
            target=str(session.user),
            detail=_described(session),
        )


def end_sessions(*, user, actor, request=None, keep=None):
    """End every session of `user` but the one whose row id is `keep`, logged; returns
    how many ended.

    Browsers are logged out (their sessions deleted) and apps' refresh tokens
    blacklisted, so neither can come back; an app's access tokens stop at once too (they
    carry their log-in's key, accounts.authentication). Every refresh token still
    outstanding is blacklisted as well, including any issued before logins were rows.
    """
    with transaction.atomic():
        ended = _end_all(user, keep=keep)
        audit.record(
            SecurityEvent.Kind.SESSIONS_ENDED,
            request=request,
            actor=actor,
            target=str(user),
            detail=f"{ended} ended" + ("" if keep is None else ", this one kept"),
        )
    return ended


def reset_second_factor(*, user, actor, request=None):
    """Staff, for someone who lost their phone: their authenticator and recovery codes are
    removed and their sessions ended, so their next log-in sets up a new one. Logged."""
    with transaction.atomic():
        second_factor.remove_devices(user)
        _end_all(user)
        audit.record(
            SecurityEvent.Kind.SECOND_FACTOR_RESET,
            request=request,
            actor=actor,
            target=str(user),
        )
