"""Input parsing for the waitlist pages. The rules themselves live in waitlist.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doctors.models import Site, VisitType, WorkingHours
from waitlist.models import WaitlistEntry

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEFAULT_WEEKS = 4


class PreferencesForm(forms.Form):
    """Weekdays and time of day: all that an "earlier time" entry asks."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Only on these days"),
        choices=WorkingHours.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for any day."),
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=WaitlistEntry.TimeOfDay.choices,
        initial=WaitlistEntry.TimeOfDay.ANY,
        widget=forms.RadioSelect,
    )


class EntryForm(PreferencesForm):
    """The window and preferences of an entry."""

    earliest = forms.DateField(label=_("From"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])
    latest = forms.DateField(label=_("Until"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])

    field_order = ["earliest", "latest", "weekdays", "time_of_day"]

    @classmethod
    def defaults(cls):
        today = timezone.localdate()
        return {
            "earliest": today,
            "latest": today + datetime.timedelta(weeks=DEFAULT_WEEKS),
            "time_of_day": WaitlistEntry.TimeOfDay.ANY,
        }

    @classmethod
    def for_entry(cls, entry):
        return {
            "earliest": entry.earliest,
            "latest": entry.latest,
            "weekdays": entry.weekdays,
            "time_of_day": entry.time_of_day,
        }


class JoinForm(EntryForm):
    """Joining: what kind of visit and where, then the window and preferences.

    With a doctor, the types they offer (the field may be left empty when they offer one)
    and the sites they work at; with a specialty, any type patients book online (empty:
    each doctor's usual one) and any site. The rules are waitlist.services'.
    """

    type = forms.ModelChoiceField(
        label=_("Kind of visit"),
        queryset=VisitType.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("We have no such kind of visit. Pick one from the list.")
        },
    )
    site = forms.ModelChoiceField(
        label=_("At"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Any site"),
        error_messages={"invalid_choice": _("We have no such site. Pick one from the list.")},
    )

    field_order = ["type", "site", "earliest", "latest", "weekdays", "time_of_day"]

    def __init__(self, *args, doctor=None, **kwargs):
        super().__init__(*args, **kwargs)
        online = VisitType.objects.filter(is_active=True).exclude(
            online_booking=VisitType.OnlineBooking.STAFF_ONLY
        )
        if doctor is not None:
            types = online.filter(offers__doctor=doctor)
            sites = Site.objects.filter(working_hours__doctor=doctor).distinct()
        else:
            types, sites = online, Site.objects.all()
        self.fields["type"].queryset = types
        self.fields["site"].queryset = sites
        # Each list is read once, for its choices and to see whether there is a choice.
        types, sites = list(types), list(sites)
        if doctor is None:
            empty = [("", _("Each doctor's usual visit"))]
        else:
            empty = [] if len(types) == 1 else [("", _("Choose…"))]
        self.fields["type"].choices = empty + [(t.pk, t.name) for t in types]
        self.fields["site"].choices = [("", _("Any site"))] + [(s.pk, s.name) for s in sites]
        if len(sites) < 2:
            # One site (or none yet): nothing to choose.
            self.fields["site"].widget = forms.HiddenInput()
