"""The clinic's phone number as a link that dials it on a phone."""

import re

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def phone_link(number):
    """`number` as a tel: link (spaces and punctuation dropped from the address)."""
    if not number:
        return ""
    dial = re.sub(r"[^\d+]", "", str(number))
    return format_html('<a href="tel:{}">{}</a>', dial, number)
