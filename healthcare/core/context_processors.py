from django.conf import settings


def clinic(request):
    """Expose the clinic's name, address, phone and time zone to every template."""
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_ADDRESS": settings.CLINIC_ADDRESS,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "TIME_ZONE_NAME": settings.TIME_ZONE,
    }
