"""The admin's form for putting a patient on the waitlist (saved by waitlist.services)."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from doctors.models import Doctor, Site, Specialty, VisitType, WorkingHours
from patients.models import Patient
from waitlist.models import WaitlistEntry


class EntryAddForm(forms.Form):
    patient = forms.ModelChoiceField(
        label=_("Patient"), queryset=Patient.objects.select_related("user")
    )
    doctor = forms.ModelChoiceField(
        label=_("Doctor"),
        queryset=Doctor.objects.select_related("user"),
        required=False,
        help_text=_("Leave empty to wait for any doctor of the specialty."),
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Specialty.objects.all(), required=False
    )
    type = forms.ModelChoiceField(
        label=_("Visit type"),
        queryset=VisitType.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "With a doctor, one they offer (may be left empty when they offer one); with a "
            "specialty, empty: each doctor's usual visit."
        ),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.all(), required=False, empty_label=_("Any site")
    )
    earliest = forms.DateField(label=_("From"), widget=AdminDateWidget)
    latest = forms.DateField(label=_("Until"), widget=AdminDateWidget)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Only on these days"),
        choices=WorkingHours.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any day."),
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=WaitlistEntry.TimeOfDay.choices,
        initial=WaitlistEntry.TimeOfDay.ANY,
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            for name in ("patient", "doctor"):
                field = self.fields[name]
                field.widget = AutocompleteSelect(WaitlistEntry._meta.get_field(name), admin_site)
                field.widget.choices = field.choices
