"""Download one appointment as an .ics file, to add it to any calendar app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from appointments import calendar
from appointments.models import Appointment
from healthcare.core.http import NO_STORE


@login_required
def appointment_ics(request, pk):
    """The appointment as an iCalendar file; someone else's is a 404."""
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "patient__user", "doctor__user", "visit_type", "site"
        ),
        pk=pk,
    )
    # PUBLISH: a copy for the reader's calendar, not an invitation to answer.
    body = calendar.appointment_ics(
        appointment, audience=calendar.audience_for(request.user, appointment), method="PUBLISH"
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    response["Cache-Control"] = NO_STORE
    return response
