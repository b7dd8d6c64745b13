"""The doctor's own weekly working hours and slot length.

Calendar changes go through doctors.services; a doctor only ever edits their own, and
for anyone who is not a doctor those pages do not exist (404). The directory and a
doctor's page (with free times) and the doctor's time off (which cancels visits) are
appointments.views.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import doctor_required
from doctors import services
from doctors.forms import SlotLengthForm, WorkingHoursFormSet


@doctor_required
@require_http_methods(["GET", "POST"])
def working_hours(request, *, doctor):
    """The doctor's weekly hours as editable rows, and their slot length, saved together."""
    if request.method == "POST":
        slot_form = SlotLengthForm(request.POST, instance=doctor)
        formset = WorkingHoursFormSet(request.POST, prefix="hours")
        if slot_form.is_valid() and formset.is_valid():
            with transaction.atomic():
                services.set_slot_length(
                    doctor=doctor, minutes=slot_form.cleaned_data["slot_minutes"]
                )
                services.set_working_hours(doctor=doctor, intervals=formset.intervals())
            messages.success(request, _("Your working hours are saved."))
            return redirect("doctors:hours")
    else:
        slot_form = SlotLengthForm(instance=doctor)
        formset = WorkingHoursFormSet(
            prefix="hours",
            initial=[
                {
                    "weekday": row.weekday,
                    "start_time": row.start_time,
                    "end_time": row.end_time,
                    "site": row.site_id,
                }
                for row in doctor.working_hours.order_by("weekday", "start_time")
            ],
        )
    return render(request, "doctors/hours.html", {"slot_form": slot_form, "formset": formset})
