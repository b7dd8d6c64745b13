"""The "Family" pages: a patient adds, corrects and removes the family members whose care
they manage (children, a person they care for).

Here, with appointments, because removing a family member cancels their visits to come
(appointments.services.remove_dependant); adding and correcting one are patients'
services. Someone else's family member is a 404 on every page.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required
from appointments.selectors import upcoming_visits_of
from appointments.services import remove_dependant
from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error
from patients.forms import DependantForm
from patients.models import Guardianship
from patients.services import add_dependant, change_dependant, family_link


@require_http_methods(["GET", "POST"])
@patient_required
def family(request, *, patient):
    """The family members the patient manages, and a form to add one."""
    form = DependantForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dependant = add_dependant(guardian=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is added to your family. You can now book visits for them.")
                % {"name": dependant.user.display_name},
            )
            return redirect("accounts:family")
    links = (
        Guardianship.objects.active()
        .filter(guardian=patient)
        .select_related("dependant__user")
        .order_by("dependant__user__first_name", "pk")
    )
    return render(request, "patients/family.html", {"links": links, "form": form})


@require_http_methods(["GET", "POST"])
@patient_required
def family_edit(request, pk, *, patient):
    """Correct a family member's name, date of birth or relationship."""
    link = family_link(guardian=request.user, dependant_pk=pk)
    form = DependantForm.for_link(link, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        dependant = change_dependant(guardian=request.user, dependant_pk=pk, **form.cleaned_data)
        messages.success(
            request, _("%(name)s's details are saved.") % {"name": dependant.user.display_name}
        )
        return redirect("accounts:family")
    return render(request, "patients/family_edit.html", {"link": link, "form": form})


@require_http_methods(["GET", "POST"])
@patient_required
def family_remove(request, pk, *, patient):
    """Confirm removing a family member: their visits to come are cancelled, their
    history kept."""
    link = family_link(guardian=request.user, dependant_pk=pk)
    name = link.dependant.user.display_name
    if request.method == "POST":
        cancelled = remove_dependant(guardian=request.user, dependant_pk=pk)
        messages.success(request, _("%(name)s is removed from your family.") % {"name": name})
        if cancelled:
            messages.info(
                request,
                ngettext(
                    "%(count)d of their appointments was cancelled.",
                    "%(count)d of their appointments were cancelled.",
                    cancelled,
                )
                % {"count": cancelled},
            )
        return redirect("accounts:family")
    return render(
        request,
        "patients/family_remove.html",
        {"link": link, "upcoming": upcoming_visits_of(link.dependant)},
    )
