from django.conf import settings


def clinic(request):
    """Expose the clinic's name and time zone to every template."""
    return {"CLINIC_NAME": settings.CLINIC_NAME, "TIME_ZONE_NAME": settings.TIME_ZONE}
