"""The clinic's doctors: the public directory, and the doctor's own weekly working hours
and slot length.

Calendar changes go through doctors.services; a doctor only ever edits their own, and
for anyone who is not a doctor those pages do not exist (404). A doctor's page with
free slots and the doctor's time off (which cancels visits) are appointments.views.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import doctor_required
from doctors import services
from doctors.forms import DirectorySearchForm, SlotLengthForm, WeeklyHoursEditor
from doctors.models import Doctor

DOCTORS_PER_PAGE = 20


def directory(request):
    """Search doctors by name and filter by specialty; the query count is fixed."""
    form = DirectorySearchForm(request.GET)
    filters = form.filters()
    doctors = Doctor.objects.directory(**filters)
    page = Paginator(doctors, DOCTORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "doctors/directory.html",
        {"form": form, "page_obj": page, "filtered": any(filters.values())},
    )


@doctor_required
@require_http_methods(["GET", "POST"])
def working_hours(request, *, doctor):
    """The doctor's week (each weekday on or off with its intervals, per site where the
    clinic has several) and their consultation length, saved together.

    "Add an interval" and "Remove" post the week back to show it with that change, saving
    nothing: the editor works without JavaScript (which only does the same in place).
    """
    if request.method == "POST":
        slot_form = SlotLengthForm(request.POST, instance=doctor)
        if request.POST.get("add", "").isdigit() and int(request.POST["add"]) in range(7):
            data, added = WeeklyHoursEditor.with_added(request.POST, request.POST["add"])
            editor = WeeklyHoursEditor(data, doctor=doctor, show_errors=False, added=added)
            return _hours_page(request, slot_form, editor)
        if re.fullmatch(r"day[0-6]-\d{1,2}", request.POST.get("remove", "")):
            data = WeeklyHoursEditor.with_removed(request.POST, request.POST["remove"])
            editor = WeeklyHoursEditor(data, doctor=doctor, show_errors=False)
            return _hours_page(request, slot_form, editor)
        editor = WeeklyHoursEditor(request.POST, doctor=doctor)
        if slot_form.is_valid() and editor.is_valid():
            try:
                with transaction.atomic():
                    services.set_slot_length(
                        doctor=doctor, minutes=slot_form.cleaned_data["slot_minutes"]
                    )
                    services.set_working_hours(doctor=doctor, intervals=editor.intervals())
            except ValidationError as error:
                editor.add_error(error)
            else:
                messages.success(request, _("Your working hours are saved."))
                return redirect("doctors:hours")
        return _hours_page(request, slot_form, editor, status=400)
    slot_form = SlotLengthForm(instance=doctor)
    return _hours_page(request, slot_form, WeeklyHoursEditor(doctor=doctor))


def _hours_page(request, slot_form, editor, *, status=200):
    return render(
        request, "doctors/hours.html", {"slot_form": slot_form, "editor": editor}, status=status
    )
