"""How patients reach the clinic: its name, address and phone, or a site's own.

Pages (through the context processor), emails and calendar events all take them from
here, so a "please call the clinic" always carries the number.
"""

from django.conf import settings


def contact(site=None):
    """The name, address and phone to show: `site`'s own where it has them (any object
    with `name`, `one_line_address` and `phone`, e.g. doctors.Site), else the clinic's."""
    address = (site.one_line_address if site is not None else "") or settings.CLINIC_ADDRESS
    phone = (site.phone if site is not None else "") or settings.CLINIC_PHONE
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": address,
        "clinic_phone": phone,
    }
