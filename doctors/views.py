"""The clinic's doctors: the public directory and each doctor's page, and the doctor's
own calendar settings (weekly working hours, slot length and time off).

Calendar changes go through doctors.services; a doctor only ever edits their own, and
for anyone who is not a doctor those pages do not exist (404).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import doctor_required
from appointments.selectors import next_free_slots, slots_by_day
from doctors import services
from doctors.forms import DirectorySearchForm, SlotLengthForm, TimeOffForm, WorkingHoursFormSet
from doctors.models import Doctor, TimeOff
from healthcare.core.errors import DomainError

DOCTORS_PER_PAGE = 20
# The doctor's page looks this far ahead and shows the first few days that have free slots.
SLOT_DAYS_AHEAD = 14
SLOT_DAYS_SHOWN = 5


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


def detail(request, pk):
    """A doctor's profile and the next free slots, each a way into the booking flow."""
    doctor = get_object_or_404(Doctor.objects.directory(), pk=pk)
    days = slots_by_day(next_free_slots(doctor, days=SLOT_DAYS_AHEAD))
    return render(
        request,
        "doctors/detail.html",
        {
            "doctor": doctor,
            "days": days[:SLOT_DAYS_SHOWN],
            "more_days": len(days) > SLOT_DAYS_SHOWN,
            "days_ahead": SLOT_DAYS_AHEAD,
        },
    )


WHEN = "D j M Y, H:i"


def _when(moment):
    return date_format(timezone.localtime(moment), WHEN)


@doctor_required
@require_http_methods(["GET", "POST"])
def working_hours(request, *, doctor):
    """The doctor's weekly hours as editable rows, and their slot length, saved together."""
    if request.method == "POST":
        slot_form = SlotLengthForm(request.POST, instance=doctor)
        formset = WorkingHoursFormSet(request.POST, prefix="hours")
        if slot_form.is_valid() and formset.is_valid():
            with transaction.atomic():
                slot_form.save()
                services.set_working_hours(doctor=doctor, intervals=formset.intervals())
            messages.success(request, _("Your working hours are saved."))
            return redirect("doctors:hours")
    else:
        slot_form = SlotLengthForm(instance=doctor)
        formset = WorkingHoursFormSet(
            prefix="hours",
            initial=[
                {"weekday": row.weekday, "start_time": row.start_time, "end_time": row.end_time}
                for row in doctor.working_hours.order_by("weekday", "start_time")
            ],
        )
    return render(request, "doctors/hours.html", {"slot_form": slot_form, "formset": formset})


@doctor_required
@require_http_methods(["GET", "POST"])
def time_off(request, *, doctor):
    """The doctor's upcoming time off, and a form to add more.

    Time off over booked appointments first lists them and asks to confirm; confirmed,
    they are cancelled with the time off's reason, which their patients see. The
    confirmation names the appointments it was shown: if more were booked meanwhile,
    the doctor is asked again rather than cancelling visits they never saw.
    """
    conflict = []
    form = TimeOffForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added, cancelled = services.add_time_off(
                doctor=doctor,
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                actor=request.user,
                cancel_appointments=data["confirm"],
                confirmed_ids=data["appointment_ids"],
            )
        except services.TimeOffConflict as error:
            form.add_error(None, error.message)
            conflict = error.appointments if error.can_confirm else []
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Time off added from %(start)s until %(end)s.")
                % {"start": _when(added.start), "end": _when(added.end)},
            )
            if cancelled:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d appointment was cancelled; the patient sees your reason.",
                        "%(count)d appointments were cancelled; the patients see your reason.",
                        len(cancelled),
                    )
                    % {"count": len(cancelled)},
                )
            return redirect("doctors:time_off")
    upcoming = TimeOff.objects.filter(doctor=doctor, end__gt=timezone.now()).order_by("start")
    return render(
        request,
        "doctors/time_off.html",
        {
            "form": form,
            "conflict": conflict,
            "conflict_ids": ",".join(str(appointment.pk) for appointment in conflict),
            "upcoming": upcoming,
        },
    )


@doctor_required
@require_POST
def time_off_remove(request, pk, *, doctor):
    """Remove one of the doctor's own time off periods (someone else's is a 404)."""
    period = get_object_or_404(TimeOff, pk=pk, doctor=doctor)
    services.remove_time_off(time_off=period, actor=request.user)
    messages.success(
        request,
        _("Time off from %(start)s until %(end)s removed.")
        % {"start": _when(period.start), "end": _when(period.end)},
    )
    return redirect("doctors:time_off")
