"""The waitlist as HTML pages: join ("Tell me if something opens", "I'd take an earlier
slot"), see, change and leave entries under My appointments, and claim an offer.

Every change goes through waitlist.services; a claim link is the patient's alone (anyone
else: 404). GET never books: the claim page shows the time and asks to confirm. A claim
that comes too late gets a page with the nearest other free times, never an error.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required
from appointments.models import Appointment
from doctors.models import Doctor, Specialty
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from healthcare.core.ratelimits import limit_posts
from waitlist import selectors, services
from waitlist.forms import EntryForm, JoinForm, PreferencesForm

WHEN = "D j M Y, H:i"


def _when(moment):
    return date_format(timezone.localtime(moment), WHEN)


@patient_required
def mine(request, *, patient):
    """The patient's waitlist entries and the offers open to them now."""
    entries = selectors.entries_visible_to(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "waitlist/mine.html",
        {
            "waiting": [e for e in entries if e.is_open()],
            "closed": [e for e in entries if not e.is_open()][:20],
            "offers": selectors.live_offers(request.user),
        },
    )


def _target(request):
    """The doctor (`?doctor=<id>`) or specialty (`?specialty=<slug>`) to wait for."""
    source = request.POST if request.method == "POST" else request.GET
    if source.get("doctor", "").isdigit():
        return get_object_or_404(Doctor.objects.directory(), pk=source["doctor"]), None
    if source.get("specialty"):
        return None, get_object_or_404(Specialty, slug=source["specialty"])
    return None, None


@require_http_methods(["GET", "POST"])
@patient_required
def join(request, *, patient):
    """ "Tell me if something opens": wait for a doctor or any doctor of a specialty."""
    doctor, specialty = _target(request)
    if doctor is None and specialty is None:
        messages.error(request, _("Choose a doctor first, then join their waitlist."))
        return redirect("doctors:directory")
    # The booking page may pass on the kind of visit and site the patient looked at.
    chosen = {name: request.GET[name] for name in ("type", "site") if request.GET.get(name)}
    form = JoinForm(request.POST or None, initial={**EntryForm.defaults(), **chosen}, doctor=doctor)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.join_waitlist(
                patient=patient,
                actor=request.user,
                doctor=doctor,
                specialty=specialty,
                visit_type=data.pop("type"),
                site=data.pop("site"),
                **data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("You are on the waitlist for %(target)s. We will email you if a time opens.")
                % {"target": doctor or specialty},
            )
            return redirect("waitlist:mine")
    return render(
        request,
        "waitlist/join.html",
        {"form": form, "doctor": doctor, "specialty": specialty},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@patient_required
def join_earlier(request, pk, *, patient):
    """ "I'd take an earlier slot": offers of its type at its site then move this
    appointment earlier."""
    appointment = get_object_or_404(
        Appointment.objects.for_patient(patient), pk=pk, status=Appointment.Status.BOOKED
    )
    form = PreferencesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.wait_for_earlier(
                appointment=appointment, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("We will email you if an earlier time with %(doctor)s opens.")
                % {"doctor": appointment.doctor},
            )
            return redirect("waitlist:mine")
    return render(
        request,
        "waitlist/join_earlier.html",
        {"form": form, "appointment": appointment},
        status=400 if form.errors else 200,
    )


def _own_entry(request, pk):
    return get_object_or_404(selectors.entries_visible_to(request.user), pk=pk)


@require_http_methods(["GET", "POST"])
@patient_required
def edit(request, pk, *, patient):
    entry = _own_entry(request, pk)
    form = EntryForm(request.POST or None, initial=EntryForm.for_entry(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(entry=entry, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your waitlist entry is changed."))
            return redirect("waitlist:mine")
    return render(
        request,
        "waitlist/edit.html",
        {"form": form, "entry": entry},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@patient_required
def leave(request, pk, *, patient):
    entry = _own_entry(request, pk)
    if request.method == "POST":
        try:
            services.leave_waitlist(entry=entry, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("You have left the waitlist for %(target)s.") % {"target": entry.target}
            )
        return redirect("waitlist:mine")
    return render(request, "waitlist/leave.html", {"entry": entry})


@require_http_methods(["GET", "POST"])
@patient_required
@limit_posts("booking-account")
def claim(request, token, *, patient):
    """The claim link: GET shows the time and a confirm button, POST books it."""
    offer = selectors.offer_by_link(request.user, token)
    problem = None
    if request.method == "POST":
        try:
            appointment = services.claim_offer(offer=offer, actor=request.user)
        except DomainError as error:
            problem = error.message
        else:
            messages.success(
                request,
                _("You are booked with %(doctor)s on %(when)s.")
                % {"doctor": offer.doctor, "when": _when(appointment.start)},
            )
            return redirect("appointments:detail", pk=appointment.pk)
    else:
        state = offer.state()
        if state == offer.Status.CLAIMED:
            problem = services.OfferUsed.default_message
        elif state == offer.Status.TAKEN:
            problem = services.OfferTaken.default_message
        elif state == offer.Status.EXPIRED or offer.entry.status != "waiting":
            problem = services.OfferExpired.default_message
    if problem is not None:
        return render(
            request,
            "waitlist/claim_gone.html",
            {
                "offer": offer,
                "problem": problem,
                "slots": selectors.nearest_free_slots(offer.doctor),
            },
        )
    return render(request, "waitlist/claim.html", {"offer": offer})
