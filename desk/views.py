"""The front desk: today's board across every doctor, finding a patient, booking, moving
and cancelling for them, walk-ins and phone callers without an online account.

Every change goes through the services the patients' and doctors' pages use
(appointments.services, patients.services, accounts.services): the desk only parses
input and shows the result or the DomainError. Staff are exempt from the per-patient
booking limit (the patient pages' rate limit is not applied here) and may override the
minimum notice, never the no-overlap rule. htmx swaps one board row after a one-click
change; without JavaScript the same forms post and come back to the board.
"""

import csv
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import invite_to_claim
from appointments import services
from appointments.models import Appointment
from appointments.selectors import booking_window, free_slots, slots_by_day
from desk import selectors
from desk.charts import bar_chart, heat_chart
from desk.decorators import requires
from desk.forms import (
    CancelForm,
    DayForm,
    DeskBookingForm,
    InviteForm,
    ReportForm,
    SearchForm,
    SlotsForm,
    WalkInForm,
)
from desk.permissions import can_see_reports, can_use_desk
from desk.reports import Period, report
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from patients.services import register_walk_in, set_desk_patient_email

Status = Appointment.Status
desk_required = requires(can_use_desk)


def _appointment(user, pk):
    return get_object_or_404(
        Appointment.objects.visible_to(user).select_related(
            "patient__user", "doctor__user", "doctor__specialty"
        ),
        pk=pk,
    )


@desk_required
def board(request):
    """Today's visits across every doctor, at every site or one, with check-in and
    no-show one click away."""
    form = DayForm(request.GET)
    if not form.is_valid():
        context = _board_context(timezone.localdate(), None, search_form=SearchForm(), form=form)
        return render(request, "desk/board.html", context, status=400)
    day = form.cleaned_data["day"] or timezone.localdate()
    context = _board_context(day, form.cleaned_data["site"], search_form=SearchForm(), form=form)
    return render(request, "desk/board.html", context)


def _board_site(data):
    """The site a board was filtered to (carried by its one-click forms), or None."""
    form = DayForm({"site": data.get("site", "")})
    return form.cleaned_data["site"] if form.is_valid() else None


def _board_context(day, site, **extra):
    rows = selectors.board(day, site=site)
    today = timezone.localdate()
    return {
        "rows": rows,
        "counts": selectors.stage_counts(rows),
        "day": day,
        "site": site,
        "is_today": day == today,
        **extra,
    }


def _status_action(request, pk, to, done_message):
    """Check in or record a no-show, then show the board again: for htmx just the board
    (counts and rows, a refusal in its row), else back to the board page with a message."""
    appointment = _appointment(request.user, pk)
    error = None
    try:
        appointment = services.change_status(appointment=appointment, to=to, actor=request.user)
    except DomainError as exc:
        error = str(exc)
    day = timezone.localdate(appointment.start)
    site = _board_site(request.POST)
    if request.htmx:
        context = _board_context(day, site, error=error, error_for=appointment.pk)
        response = render(request, "desk/_board.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done_message % {"name": appointment.patient.user.display_name})
    url = reverse("desk:board")
    query = {
        **({"day": day.isoformat()} if day != timezone.localdate() else {}),
        **({"site": site.pk} if site is not None else {}),
    }
    if query:
        url += "?" + urlencode(query)
    return redirect(f"{url}#appointment-{appointment.pk}")


@require_POST
@desk_required
def check_in(request, pk):
    return _status_action(request, pk, Status.CHECKED_IN, _("%(name)s is checked in."))


@require_POST
@desk_required
def no_show(request, pk):
    return _status_action(request, pk, Status.NOSHOW, _("%(name)s is recorded as a no-show."))


@desk_required
def patient_search(request):
    """One box: name, date of birth, phone or email."""
    form = SearchForm(request.GET)
    patients = (
        selectors.find_patients(request.user, form.cleaned_data["q"]) if form.is_valid() else []
    )
    return render(
        request,
        "desk/search.html",
        {
            "form": form,
            "patients": patients,
            "searched": form.is_bound and form.is_valid(),
            "limit": selectors.SEARCH_LIMIT,
        },
    )


@require_http_methods(["GET", "POST"])
@desk_required
def walk_in(request):
    """Register a patient who walked in or phoned: no email or login needed."""
    form = WalkInForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            patient = register_walk_in(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Book their visit now.")
                % {"name": patient.user.display_name},
            )
            return redirect("desk:book", pk=patient.pk)
    return render(request, "desk/walk_in.html", {"form": form})


@desk_required
def patient(request, pk):
    """A patient as the desk sees them: contact details and visits, never clinical content."""
    patient = selectors.desk_patient(request.user, pk)
    upcoming, past = selectors.patient_visits(patient)
    return render(
        request,
        "desk/patient.html",
        {
            "patient": patient,
            "upcoming": upcoming,
            "past": past,
            "invite_form": InviteForm(initial={"email": patient.user.email}),
        },
    )


@require_POST
@desk_required
def invite(request, pk):
    """Email a desk patient the link that lets them claim their online account."""
    patient = selectors.desk_patient(request.user, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["email"] != patient.user.email:
                set_desk_patient_email(
                    patient=patient, email=form.cleaned_data["email"], actor=request.user
                )
            invite_to_claim(user=patient.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("An invitation to claim the online account is on its way to %(email)s.")
                % {"email": patient.user.email},
            )
            return redirect("desk:patient", pk=patient.pk)
    upcoming, past = selectors.patient_visits(patient)
    context = {"patient": patient, "upcoming": upcoming, "past": past, "invite_form": form}
    return render(request, "desk/patient.html", context, status=400)


def _slot_picker(request, *, doctor=None, exclude=None):
    """The doctor and day chosen (GET) and that day's free times, from now on: the desk
    sees the slots inside the minimum notice too, marked, to book by overriding it."""
    initial = {"day": timezone.localdate().isoformat()}
    if doctor is not None:
        initial["doctor"] = doctor.pk
    data = {**initial, **request.GET.dict()}
    picker = SlotsForm(data, doctor=doctor)
    slots, chosen_doctor, day = [], None, None
    if picker.is_valid():
        chosen_doctor, day = picker.cleaned_data["doctor"], picker.cleaned_data["day"]
        found = free_slots(chosen_doctor, day, day, exclude=exclude, notice=timedelta(0))
        earliest, _latest = booking_window()
        slots = [(slot, slot.start < earliest) for slot in dict(slots_by_day(found)).get(day, [])]
    return {"picker": picker, "slots": slots, "doctor": chosen_doctor, "day": day}


def _book_or_move(request, *, patient, appointment=None):
    doctor = appointment.doctor if appointment is not None else None
    context = _slot_picker(request, doctor=doctor, exclude=appointment)
    form = DeskBookingForm(request.POST or None)
    if request.method == "POST" and context["doctor"] is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if appointment is None:
                result = services.book_appointment(
                    patient=patient,
                    doctor=context["doctor"],
                    start=data["start"],
                    reason=data["reason"],
                    booked_by=request.user,
                    override_notice=data["override_notice"],
                )
                done = _("Booked %(name)s with %(doctor)s.")
            else:
                result = services.reschedule_appointment(
                    appointment=appointment,
                    start=data["start"],
                    actor=request.user,
                    override_notice=data["override_notice"],
                )
                done = _("Moved %(name)s's visit with %(doctor)s.")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, done % {"name": patient.user.display_name, "doctor": result.doctor}
            )
            return redirect("desk:patient", pk=patient.pk)
    context.update({"patient": patient, "appointment": appointment, "form": form})
    status = 400 if request.method == "POST" else 200
    return render(request, "desk/book.html", context, status=status)


@require_http_methods(["GET", "POST"])
@desk_required
def book(request, pk):
    """Book a visit for a patient: pick the doctor and day, then a free time."""
    return _book_or_move(request, patient=selectors.desk_patient(request.user, pk))


@require_http_methods(["GET", "POST"])
@desk_required
def move(request, pk):
    """Move a patient's visit to another free time of the same doctor."""
    appointment = _appointment(request.user, pk)
    return _book_or_move(request, patient=appointment.patient, appointment=appointment)


@require_http_methods(["GET", "POST"])
@desk_required
def cancel(request, pk):
    """Cancel a patient's visit for them, with the reason they are told."""
    appointment = _appointment(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Cancelled %(name)s's visit.") % {"name": appointment.patient.user.display_name},
            )
            return redirect("desk:patient", pk=appointment.patient_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "desk/cancel.html", {"appointment": appointment, "form": form}, status=status
    )


# -- reports ----------------------------------------------------------------------------

reports_required = requires(can_see_reports)

CSV_FIGURES = {
    "utilisation": _lazy("Utilisation"),
    "attendance": _lazy("No-shows and cancellations"),
    "cancellation-lead-time": _lazy("Cancellation lead time"),
    "waits": _lazy("Days to the first free slot by specialty"),
    "patients": _lazy("New and returning patients"),
    "busiest-hours": _lazy("Busiest hours"),
}


def _report_period(request):
    """The period, site and doctor asked for, or the last 30 days for all; the form."""
    start, end = ReportForm.default_period()
    data = {"start": start.isoformat(), "end": end.isoformat(), **request.GET.dict()}
    form = ReportForm(data)
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    period = Period(start=data["start"], end=data["end"], doctor=data["doctor"], site=data["site"])
    return period, form


def _percent(ratio):
    return "" if ratio is None else f"{ratio * 100:.1f}"


# A chart by doctor shows at most this many (those with the most booked time); the table
# under it has every doctor.
CHART_DOCTORS = 20


def _charts(result):
    rows = result.doctors
    if len(rows) > CHART_DOCTORS:
        busiest = sorted(rows, key=lambda row: -row.booked)[:CHART_DOCTORS]
        rows = sorted(busiest, key=lambda row: row.name)
    return {
        "utilisation": bar_chart(
            _("Booked minutes within available minutes, by doctor"),
            [
                (
                    row.name,
                    row.available or row.booked,
                    f"{_percent(row.utilisation) or '–'}%",
                    row.booked,
                )
                for row in rows
            ],
        ),
        "noshow": bar_chart(
            _("No-show rate by doctor"),
            [(row.name, row.noshow_rate, f"{_percent(row.noshow_rate) or '–'}%") for row in rows],
            scale_max=max((row.noshow_rate or 0 for row in rows), default=0) or 1,
        ),
        "cancelled": bar_chart(
            _("Cancellation rate by doctor"),
            [
                (row.name, row.cancellation_rate, f"{_percent(row.cancellation_rate) or '–'}%")
                for row in rows
            ],
            scale_max=max((row.cancellation_rate or 0 for row in rows), default=0) or 1,
        ),
        "lead": bar_chart(
            _("Cancellations by how long before the visit"),
            [(str(label), count, str(count)) for _key, label, count in result.lead_times.bands],
        ),
        "waits": bar_chart(
            _("Median days to the first free slot, by specialty"),
            [(row.specialty, row.median_days, f"{row.median_days}") for row in result.waits],
        ),
        "patients": bar_chart(
            _("New and returning patients"),
            [
                (_("New"), result.patients.new, str(result.patients.new)),
                (_("Returning"), result.patients.returning, str(result.patients.returning)),
            ],
        ),
        "heat": heat_chart(_("Visits by weekday and hour"), result.heat_map),
    }


@reports_required
def reports(request):
    """The clinic's figures for a period and doctor: each a chart and the table behind it."""
    period, form = _report_period(request)
    if period is None:
        return render(request, "desk/reports.html", {"form": form}, status=400)
    result = report(period, doctors=form.doctors)
    query = urlencode(
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            **({"site": period.site.pk} if period.site else {}),
            **({"doctor": period.doctor.pk} if period.doctor else {}),
        }
    )
    return render(
        request,
        "desk/reports.html",
        {
            "form": form,
            "report": result,
            "charts": _charts(result),
            "query": query,
            "charted_doctors": min(len(result.doctors), CHART_DOCTORS),
            "median_lead_hours": (
                None
                if result.lead_times.median is None
                else round(result.lead_times.median.total_seconds() / 3600, 1)
            ),
        },
    )


def _csv_rows(figure, result):
    if figure == "utilisation":
        yield ["doctor", "available_minutes", "booked_minutes", "utilisation_percent"]
        for row in [*result.doctors, result.total]:
            yield [row.name, row.available, row.booked, _percent(row.utilisation)]
    elif figure == "attendance":
        yield [
            "doctor",
            "visits",
            "cancelled",
            "cancellation_rate_percent",
            "due",
            "noshow",
            "noshow_rate_percent",
        ]
        for row in [*result.doctors, result.total]:
            yield [
                row.name,
                row.visits,
                row.cancelled,
                _percent(row.cancellation_rate),
                row.due,
                row.noshow,
                _percent(row.noshow_rate),
            ]
    elif figure == "cancellation-lead-time":
        yield ["lead_time", "cancellations"]
        for key, _label, count in result.lead_times.bands:
            yield [key, count]
        median = result.lead_times.median
        yield ["median_hours", "" if median is None else round(median.total_seconds() / 3600, 1)]
    elif figure == "waits":
        yield ["specialty", "days_measured", "median_days_to_first_free_slot"]
        for row in result.waits:
            median = "" if row.median_days is None else row.median_days
            yield [row.specialty, row.days_measured, median]
    elif figure == "patients":
        yield ["patients", "count"]
        yield ["new", result.patients.new]
        yield ["returning", result.patients.returning]
    else:
        heat = result.heat_map
        yield ["weekday", *[f"{hour:02d}:00" for hour in heat.hours]]
        for label, counts in heat.rows:
            yield [str(label), *counts]


@reports_required
def report_csv(request, figure):
    """One figure's table as CSV, for the same period, site and doctor as the page."""
    if figure not in CSV_FIGURES:
        raise Http404
    period, form = _report_period(request)
    if period is None:
        return HttpResponseBadRequest(
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{figure}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for row in _csv_rows(figure, report(period, doctors=form.doctors)):
        writer.writerow(row)
    return response
