"""The tokens in the links that account emails carry.

Activation has its own generator; a password reset uses Django's `default_token_generator`,
which the reset pages check; an invitation is a signed value (`make_invitation`).
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

INVITATION_SALT = "accounts.tokens.invitation"


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """One-use links that activate a self-registered account (valid PASSWORD_RESET_TIMEOUT)."""

    # Where the class lived first: changing the salt would end every link already sent.
    key_salt = "accounts.services.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Activating the account changes is_active, so the link stops working once used.
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


activation_tokens = ActivationTokenGenerator()


class ClaimTokenGenerator(PasswordResetTokenGenerator):
    """One-use links that let a patient registered at the front desk set their password.

    The hash holds the password (unusable until claimed) and the address the link went
    to: claiming, or staff changing the address, ends every link sent before.
    """

    key_salt = "accounts.tokens.ClaimTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.email}{user.is_active}{timestamp}"


claim_tokens = ClaimTokenGenerator()


def _password_mark(user):
    # Changes as soon as the invited person sets a password: the link then stops working.
    return salted_hmac(INVITATION_SALT, user.password, algorithm="sha256").hexdigest()[:32]


def make_invitation(user):
    """The token of the link that lets an invited doctor or member of staff set their
    password: signed, valid INVITATION_DAYS, and only until a password is set."""
    return signing.dumps({"user": user.pk, "mark": _password_mark(user)}, salt=INVITATION_SALT)


def invitation_user_id(token):
    """The id of the user the token invites if it is genuine and not expired, else None."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.INVITATION_DAYS * 24 * 3600
        )
    except signing.BadSignature:  # also an expired one (SignatureExpired)
        return None
    return data.get("user") if isinstance(data, dict) else None


def invitation_is_unused(user, token):
    """Whether `user` has set no password since the invitation `token` was made."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return False
    return constant_time_compare(str(data.get("mark", "")), _password_mark(user))
