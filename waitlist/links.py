"""The claim link's signed token: a link that was tampered with is a 404, not a lookup."""

from django.core import signing

SALT = "waitlist.offer"


def sign(token):
    return signing.Signer(salt=SALT).sign(token)


def unsign(value):
    """The offer token in a claim link, or None if the signature does not match."""
    try:
        return signing.Signer(salt=SALT).unsign(value)
    except signing.BadSignature:
        return None
