"""Emails about a login, sent by the background worker: the activation link, "you already
have an account", the invitation of a new doctor or member of staff, and the password
reset link.

The request only enqueues one of these tasks, in its own transaction (the same outbox as
the appointment emails, appointments/tasks.py), so a slow or dead mail server never slows
or fails a sign-up or a reset request; a send that fails is kept as a failed task, with
its traceback.

A task carries the user's id, never a link (made on the site's one address,
healthcare.core.http.absolute_url): task rows are kept and shown to staff in the admin,
and a link with a token is a key to the account. The worker makes the token as it sends,
from the account as it is then, and sends nothing if the account no longer qualifies.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import activation_tokens, claim_tokens, make_invitation
from healthcare.core.clinic import contact
from healthcare.core.http import absolute_url

# `_queued_site_url`: tasks queued before links came from SITE_URL alone carry the address
# the person used; it is ignored.


def _send(template, user, context):
    context = {"user": user, **contact(), **context}
    # The worker has no request to take a language from: the clinic's, as for appointments.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"registration/{template}_subject.txt", context)
        body = render_to_string(f"registration/{template}_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _link(view, user, token):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return absolute_url(reverse(view, kwargs={"uidb64": uidb64, "token": token}))


@task()
def send_activation(user_id, _queued_site_url=None):
    """Email the link that activates a self-registered account, unless it is active by now."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.awaits_activation:
        return False
    link = _link("accounts:activate", user, activation_tokens.make_token(user))
    _send("activation", user, {"link": link})
    return True


@task()
def send_already_registered(user_id, _queued_site_url=None):
    """Tell the owner of an address that someone tried to sign up with it."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    login_url = absolute_url(reverse("accounts:login"))
    reset_url = absolute_url(reverse("accounts:password_reset"))
    _send("already_registered", user, {"login_url": login_url, "reset_url": reset_url})
    return True


@task()
def send_invitation(user_id):
    """Email an invited doctor or member of staff the link that sets their password,
    unless they have set one by now."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False
    link = absolute_url(reverse("accounts:invitation", args=[make_invitation(user)]))
    _send(
        "invitation",
        user,
        {"link": link, "role": user.get_role_display(), "days": settings.INVITATION_DAYS},
    )
    return True


@task()
def send_password_reset(user_id, email, _queued_site_url=None):
    """Email the link that sets a new password, to the address it was asked for.

    As when it was asked for (Django's PasswordResetForm.get_users), only an active
    account with a usable password gets one; and only while its address is still `email`.
    """
    user = User.objects.filter(pk=user_id, email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    token = default_token_generator.make_token(user)
    link = _link("accounts:password_reset_confirm", user, token)
    _send("password_reset", user, {"email": user.email, "link": link})
    return True


@task()
def send_claim_invite(user_id, email):
    """Invite a patient registered at the front desk to claim their online account.

    Only while they still have none and their address is still `email`: a claimed
    account, or an address changed since, gets nothing.
    """
    user = User.objects.filter(pk=user_id, email=email, is_active=True).first()
    if user is None or not user.awaits_claim:
        return False
    link = _link("accounts:claim", user, claim_tokens.make_token(user))
    _send("claim_invite", user, {"link": link})
    return True
