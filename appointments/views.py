"""Appointments as HTML pages: a doctor's page with free slots, the patient's booking flow
and visits, the doctor's schedule, patients and time off.

Every change goes through appointments.services; these views parse input, call one
service or selector and turn a DomainError into a message or a form error. An
appointment the user may not see is a 404.
"""

from collections import Counter
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import doctor_or_staff_required, doctor_required, patient_required
from appointments import services
from appointments.forms import (
    BookingForm,
    CancelForm,
    DayForm,
    FirstAvailableForm,
    LaterPageForm,
    SlotForm,
    StatusForm,
)
from appointments.models import Appointment
from appointments.selectors import (
    appointment_pages,
    bookable_dates,
    cancellation_policy,
    default_offer,
    find_free_slot,
    first_available,
    free_slots,
    kept_offer,
    next_free_slots,
    next_free_times,
    patient_of,
    schedule_windows,
    slots_by_day,
    takes_patient,
    visible_patients,
    visits_without_record,
    week_of,
    with_visits,
)
from doctors.forms import DirectorySearchForm, TimeOffForm
from doctors.models import Doctor, Specialty, TimeOff
from doctors.services import remove_time_off
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from healthcare.core.ratelimits import limit_posts
from patients.forms import PatientSearchForm
from patients.permissions import acts_for

Status = Appointment.Status
PER_PAGE = 20
PATIENTS_PER_PAGE = 25
WEEK_DAYS = 7
WEEK = timedelta(days=WEEK_DAYS)
WEEK_SPAN = timedelta(days=WEEK_DAYS - 1)  # from a week's Monday to its Sunday
WHEN = "DATETIME_FORMAT"  # the active language's (healthcare/formats)
# The doctor's page looks this far ahead and shows the first few days that have free slots.
SLOT_DAYS_AHEAD = 14
SLOT_DAYS_SHOWN = 5
DOCTORS_PER_PAGE = 20
# Each doctor in the directory shows this many of their next free times (over 14 days).
NEXT_TIMES = 3


def _when(moment):
    return date_format(timezone.localtime(moment), WHEN)


def _bookable_doctor(pk):
    return get_object_or_404(Doctor.objects.directory(), pk=pk)


def _not_taking_context(doctor):
    """What a patient the doctor does not take can do instead (appointments/_not_taking.html)."""
    offer = default_offer(list(doctor.offers.select_related("visit_type")))
    return {
        "doctor": doctor,
        "first_available_type": offer.visit_type_id if offer else None,
    }


def directory(request):
    """Search doctors by name and filter by specialty; each doctor with their next free
    times (of a kind of visit the patient may book with them), each one click from the
    confirmation. The query count is fixed, whatever the number of doctors."""
    form = DirectorySearchForm(request.GET)
    filters = form.filters()
    page = Paginator(Doctor.objects.directory(**filters), DOCTORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    doctors = list(page)
    times = next_free_times(
        doctors, patient=patient_of(request.user), per_doctor=NEXT_TIMES, days=SLOT_DAYS_AHEAD
    )
    return render(
        request,
        "doctors/directory.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [(doctor, times[doctor.pk]) for doctor in doctors],
            "filtered": any(filters.values()),
            "days_ahead": SLOT_DAYS_AHEAD,
            "specialties": Specialty.objects.values("slug", "name"),
            "chosen_specialty": request.GET.get("specialty", ""),
        },
    )


def doctor_detail(request, pk):
    """A doctor's profile, the clinic's rule for changing a visit, and the next free slots
    (each a way into the booking flow) if the doctor takes this patient; otherwise why
    not, and what to do instead."""
    doctor = get_object_or_404(Doctor.objects.directory(), pk=pk)
    takes_you = takes_patient(doctor, patient_of(request.user))
    days = slots_by_day(next_free_slots(doctor, days=SLOT_DAYS_AHEAD)) if takes_you else []
    return render(
        request,
        "doctors/detail.html",
        {
            **({"doctor": doctor} if takes_you else _not_taking_context(doctor)),
            "takes_you": takes_you,
            "days": days[:SLOT_DAYS_SHOWN],
            "more_days": len(days) > SLOT_DAYS_SHOWN,
            "days_ahead": SLOT_DAYS_AHEAD,
            "policy": cancellation_policy(),
        },
    )


def _not_taking(request, doctor, *, status):
    """The answer to a patient the doctor does not take, instead of any slot picker."""
    return render(
        request,
        "appointments/not_taking.html",
        {**_not_taking_context(doctor), "message": services.NotAcceptingPatients.default_message},
        status=status,
    )


def _appointment_for(user, pk):
    """The appointment if `user` may see it (own visit, own schedule, staff), else 404."""
    return get_object_or_404(appointment_pages(user), pk=pk)


def _with_day(url, day):
    return f"{url}?{urlencode({'day': day.isoformat()})}"


def _week_picker(request, doctor, *, day=None, exclude=None, offer=None):
    """One week (Monday to Sunday) of the booking window, the chosen day and its slots.

    The week is that of `day`, else of `?day=` or `?week=`, else the first week with
    free slots; weeks before the first bookable day or after the horizon are never shown
    (a date outside is brought to the nearest week inside). Without a day inside the
    window, the week's first day with free slots is chosen. A malformed date says so in a
    message. Only the shown week's slots are laid out.
    """
    week = None
    if day is None:
        form = DayForm(request.GET)
        if form.is_valid():
            day, week = form.cleaned_data["day"], form.cleaned_data["week"]
        else:
            messages.error(
                request,
                _("That is not a valid date. Showing the first day with free times instead."),
            )
    first, last = bookable_dates()
    if day is not None and not first <= day <= last:
        week, day = day, None
    if day is not None:
        week = day
    searched_ahead = week is None
    if searched_ahead:
        week = first
        slots = free_slots(
            doctor, week_of(week), week_of(week) + WEEK_SPAN, exclude=exclude, offer=offer
        )
        if not slots:
            later = free_slots(doctor, week_of(week) + WEEK, last, exclude=exclude, offer=offer)
            if later:
                week = later[0].local_date
                slots = [slot for slot in later if week_of(slot.local_date) == week_of(week)]
    else:
        slots = None
    week = min(max(week_of(week), week_of(first)), week_of(last))
    if slots is None:
        slots = free_slots(doctor, week, week + WEEK_SPAN, exclude=exclude, offer=offer)
    by_day = dict(slots_by_day(slots))
    if day is None and by_day:
        day = min(by_day)
    strip = [
        {"date": date, "bookable": first <= date <= last, "count": len(by_day.get(date, []))}
        for date in (week + timedelta(days=n) for n in range(WEEK_DAYS))
    ]
    return {
        "week": week,
        "week_end": week + WEEK_SPAN,
        "strip": strip,
        "previous_week": week - WEEK if week > week_of(first) else None,
        "next_week": week + WEEK if week + WEEK <= last else None,
        "day": day,
        "slots": by_day.get(day, []),
        # Only known when the first week was looked for: nothing free in the whole window.
        "nothing_ahead": searched_ahead and not by_day,
    }


def _render_picker(request, template, context, *, status=200):
    """The whole page, or just its slot picker when an htmx day link asks for it.

    A history restore (htmx's Back button on a cache miss) needs the whole page.
    """
    if request.htmx and not request.htmx.history_restore_request:
        template = "appointments/_slot_picker_swap.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _render_book(request, doctor, *, day=None, status=200):
    context = {
        "doctor": doctor,
        "day_url": reverse("appointments:book", args=[doctor.pk]),
        **_week_picker(request, doctor, day=day),
    }
    return _render_picker(request, "appointments/book.html", context, status=status)


@patient_required
def book_pick_slot(request, doctor_pk, *, patient):
    """Booking, steps 1 and 2: pick a day that has free slots, then one of its slots."""
    doctor = _bookable_doctor(doctor_pk)
    if not takes_patient(doctor, patient):
        return _not_taking(request, doctor, status=403)
    return _render_book(request, doctor)


@require_http_methods(["GET", "POST"])
@patient_required
@limit_posts("booking-account")
def book_confirm(request, doctor_pk, *, patient):
    """Booking, step 3: give a reason and confirm; a lost slot shows that day's fresh slots."""
    doctor = _bookable_doctor(doctor_pk)
    if not takes_patient(doctor, patient):
        return _not_taking(request, doctor, status=403 if request.method == "GET" else 409)
    book_url = reverse("appointments:book", args=[doctor.pk])
    slot_form = SlotForm(request.POST if request.method == "POST" else request.GET)
    if not slot_form.is_valid():
        messages.error(request, slot_form.errors["start"][0])
        return redirect(book_url)
    start = slot_form.cleaned_data["start"]
    site = slot_form.cleaned_data["site"]
    offers = list(doctor.offers.select_related("visit_type"))
    chosen = slot_form.cleaned_data["type"]
    offer = (
        next((o for o in offers if o.visit_type_id == chosen.pk), None)
        if chosen
        else default_offer(offers)
    )
    if offer is None:
        messages.error(request, services.VisitTypeNotOffered().message)
        return redirect(book_url)

    if request.method == "GET":
        slot = find_free_slot(doctor, start, offer=offer, site=site)
        if slot is None:
            messages.error(request, services.SlotUnavailable.default_message)
            return redirect(_with_day(book_url, timezone.localdate(start)))
        form = BookingForm(
            initial={
                "start": slot.start.isoformat(),
                "type": offer.visit_type_id,
                "site": slot.site.pk,
            },
            user=request.user,
        )
        site = slot.site
    else:
        form = BookingForm(request.POST, user=request.user)
        if form.is_valid():
            # Themself, or a family member they chose: the rules are the patient's.
            patient = form.cleaned_data.get("patient") or patient
            try:
                appointment = services.book_appointment(
                    patient=patient,
                    doctor=doctor,
                    start=start,
                    reason=form.cleaned_data["reason"],
                    booked_by=request.user,
                    visit_type=offer.visit_type,
                    site=site,
                )
            except services.NotAcceptingPatients:
                return _not_taking(request, doctor, status=409)
            except DomainError as error:
                messages.error(request, error.message)
                return _render_book(request, doctor, day=timezone.localdate(start), status=409)
            if patient.user_id == request.user.pk:
                booked = _("You are booked with %(doctor)s on %(when)s.")
            else:
                booked = _("%(patient)s is booked with %(doctor)s on %(when)s.")
            messages.success(
                request,
                booked
                % {
                    "doctor": doctor,
                    "when": _when(appointment.start),
                    "patient": patient.user.display_name,
                },
            )
            return redirect("appointments:detail", pk=appointment.pk)
    return render(
        request,
        "appointments/book_confirm.html",
        {
            "doctor": doctor,
            "start": start,
            "offer": offer,
            "site": site,
            "form": form,
            "back_url": _with_day(book_url, timezone.localdate(start)),
            "policy": cancellation_policy(site),
            "locked_at_once": services.inside_cutoff(start),
        },
    )


FIRST_AVAILABLE_PER_PAGE = 20
FIRST_AVAILABLE_DAYS = 14


def first_available_page(request):
    """ "Who can see me soonest?": free slots of a visit type across doctors (at a site or
    any), earliest first, each a link to its booking confirmation. Open to everyone;
    booking asks a visitor to log in."""
    form = FirstAvailableForm(request.GET or None)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        first = max(data["start"] or bookable_dates()[0], bookable_dates()[0])
        slots = first_available(
            visit_type=data["type"],
            site=data["site"],
            specialty=data["specialty"],
            start_date=first,
            end_date=first + timedelta(days=FIRST_AVAILABLE_DAYS - 1),
            online=True,
            patient=patient_of(request.user),
        )
        page = Paginator(slots, FIRST_AVAILABLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "appointments/first_available.html",
        {
            "form": form,
            "page_obj": page,
            "days": FIRST_AVAILABLE_DAYS,
        },
    )


@patient_required
def my_appointments(request, *, patient):
    """The patient's upcoming visits and their family members' (each card says whose visit
    it is), with cancel and reschedule where the clinic's rules allow them now, else why not
    and the number to call; and past ones, paginated."""
    appointments = Appointment.objects.managed_by(request.user)
    past = Paginator(appointments.past(), PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    upcoming = list(appointments.upcoming(now))
    for appointment in upcoming:
        appointment.changes = services.changes_allowed(appointment, request.user, now)
        appointment.policy = cancellation_policy(appointment.site)
    return render(
        request,
        "appointments/mine.html",
        {"upcoming": upcoming, "past_page": past, "policy": cancellation_policy()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    """Confirm a cancellation, with a reason (which doctors and staff must give)."""
    appointment = _appointment_for(request.user, pk)
    is_patient = acts_for(request.user, appointment.patient)
    form = CancelForm(request.POST or None, reason_expected=not is_patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ReasonRequired as error:
            form.add_error("reason", error.message)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("appointments:detail", pk=appointment.pk)
        else:
            messages.success(
                request,
                _("The appointment on %(when)s is cancelled.") % {"when": _when(appointment.start)},
            )
            return redirect("appointments:detail", pk=appointment.pk)
    changes = services.changes_allowed(appointment, request.user)
    can_cancel = request.method == "POST" or changes.can_cancel
    return render(
        request,
        "appointments/cancel.html",
        {
            "appointment": appointment,
            "form": form,
            "can_cancel": can_cancel,
            "changes": changes,
            "policy": cancellation_policy(appointment.site),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@limit_posts("booking-account")
def reschedule(request, pk):
    """Move an appointment to another free slot of the same doctor (old one freed atomically)."""
    appointment = _appointment_for(request.user, pk)
    url = reverse("appointments:reschedule", args=[appointment.pk])
    if request.method == "POST":
        form = SlotForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["start"][0])
            return redirect(url)
        start = form.cleaned_data["start"]
        try:
            services.reschedule_appointment(
                appointment=appointment, start=start, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(_with_day(url, timezone.localdate(start)))
        messages.success(
            request,
            _("Your appointment is moved to %(when)s.") % {"when": _when(appointment.start)},
        )
        return redirect("appointments:detail", pk=appointment.pk)

    changes = services.changes_allowed(appointment, request.user)
    context = {
        "appointment": appointment,
        "doctor": appointment.doctor,
        # Choosing a time asks to confirm it (GET); only the confirmation moves the visit.
        "action": reverse("appointments:reschedule_confirm", args=[appointment.pk]),
        "day_url": url,
        "current_start": appointment.start,
        "changes": changes,
        "policy": cancellation_policy(appointment.site),
    }
    if changes.can_reschedule:
        context.update(
            _week_picker(
                request, appointment.doctor, exclude=appointment, offer=kept_offer(appointment)
            )
        )
        context["can_reschedule"] = True
        return _render_picker(request, "appointments/reschedule.html", context)
    return render(request, "appointments/reschedule.html", context)


@login_required
@require_http_methods(["GET"])
def reschedule_confirm(request, pk):
    """Moving a visit, the last step: the old and the new time side by side, and the button
    that moves it (a POST to `reschedule`). Showing this page changes nothing."""
    appointment = _appointment_for(request.user, pk)
    url = reverse("appointments:reschedule", args=[appointment.pk])
    if not services.can_reschedule(appointment, request.user):
        return redirect(url)  # says why it cannot be moved, and whom to call
    form = SlotForm(request.GET)
    if not form.is_valid():
        messages.error(request, form.errors["start"][0])
        return redirect(url)
    slot = find_free_slot(
        appointment.doctor,
        form.cleaned_data["start"],
        exclude=appointment,
        offer=kept_offer(appointment),
    )
    if slot is None or slot.start == appointment.start:
        messages.error(request, services.SlotUnavailable.default_message)
        return redirect(_with_day(url, timezone.localdate(form.cleaned_data["start"])))
    return render(
        request,
        "appointments/reschedule_confirm.html",
        {
            "appointment": appointment,
            "slot": slot,
            "action": url,
            "back_url": _with_day(url, timezone.localdate(slot.start)),
            "policy": cancellation_policy(slot.site),
            "locked_at_once": appointment.patient.user_id == request.user.pk
            and services.inside_cutoff(slot.start),
        },
    )


@login_required
@require_POST
def change_status(request, pk):
    """The doctor's (and staff's) status buttons: check in, fulfil, no-show, cancel."""
    appointment = _appointment_for(request.user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose one of the offered actions."))
        return redirect("appointments:detail", pk=appointment.pk)
    try:
        updated = services.change_status(
            appointment=appointment,
            to=form.cleaned_data["status"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The appointment is now marked “%(status)s”.")
            % {"status": updated.get_status_display()},
        )
    return redirect("appointments:detail", pk=appointment.pk)


# Today's counts on the dashboard, in the order a day goes.
DAY_COUNTS = (Status.BOOKED, Status.CHECKED_IN, Status.FULFILLED, Status.NOSHOW)


@doctor_required
def doctor_schedule(request, *, doctor):
    """The doctor's dashboard: today's agenda and counts, the next 7 days, then later.

    Every list is one query whatever its length; "later" pages by offset without a
    count, so the page costs the same number of queries however full the diary is.
    """
    today = timezone.localdate()
    later_form = LaterPageForm(request.GET)
    later_page = (later_form.cleaned_data["later"] if later_form.is_valid() else None) or 1
    todays, week, later = schedule_windows(
        doctor,
        today,
        days=WEEK_DAYS,
        later_offset=(later_page - 1) * PER_PAGE,
        later_count=PER_PAGE + 1,
    )
    by_status = Counter(appointment.status for appointment in todays)
    return render(
        request,
        "appointments/dashboard.html",
        {
            "doctor": doctor,
            "today": today,
            "todays": todays,
            "today_counts": [(Status(s).label, by_status[s], s) for s in DAY_COUNTS],
            "week": week,
            "week_last_day": today + timedelta(days=WEEK_DAYS),
            "later": later[:PER_PAGE],
            "later_page": later_page,
            "later_has_next": len(later) > PER_PAGE,
            "without_record": visits_without_record(doctor, timezone.now()),
        },
    )


@doctor_or_staff_required("patients.view_patient")
def patient_list(request, *, doctor):
    """The doctor's patients with their last and next visit; the query count is fixed."""
    form = PatientSearchForm(request.GET)
    search = form.search()
    patients = visible_patients(request.user).matching(search)
    patients = with_visits(patients.select_related("user"), doctor, timezone.now()).order_by(
        "user__last_name", "user__first_name", "pk"
    )
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/list.html",
        {"form": form, "page_obj": page, "search": search, "doctor": doctor},
    )


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
            add_domain_error(form, error)
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
    remove_time_off(time_off=period, actor=request.user)
    messages.success(
        request,
        _("Time off from %(start)s until %(end)s removed.")
        % {"start": _when(period.start), "end": _when(period.end)},
    )
    return redirect("doctors:time_off")
