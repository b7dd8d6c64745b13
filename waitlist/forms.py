"""Input parsing for the waitlist pages. The rules themselves live in waitlist.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doctors.models import WorkingHours
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
