"""The tokens in the links that account emails carry.

Activation has its own generator; a password reset uses Django's `default_token_generator`,
which the reset pages check.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


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
