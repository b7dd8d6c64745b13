"""The public side of the clinic's doctors: the directory and each doctor's page."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from appointments.selectors import next_free_slots, slots_by_day
from doctors.forms import DirectorySearchForm
from doctors.models import Doctor

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
