import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doctors.models import Doctor, Site, Specialty, TimeOff, WorkingHours
from doctors.services import validate_working_hours
from healthcare.core.validators import validate_single_line


class DirectorySearchForm(forms.Form):
    """The directory's GET filters: a name to search for and a specialty (by slug)."""

    q = forms.CharField(
        label=_("Doctor's name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. Patel")}),
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"),
        queryset=Specialty.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any specialty"),
        error_messages={"invalid_choice": _("We have no such specialty. Pick one from the list.")},
    )

    def filters(self):
        """The keyword arguments for Doctor.objects.directory(); invalid fields are ignored."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        specialty = data.get("specialty")
        return {"search": data.get("q", ""), "specialty": specialty.slug if specialty else None}


class SlotLengthForm(forms.ModelForm):
    """The length of one appointment slot; its range comes from the model."""

    class Meta:
        model = Doctor
        fields = ["slot_minutes"]
        labels = {"slot_minutes": _("Length of a consultation (minutes)")}
        help_texts = {
            "slot_minutes": _(
                "Between 5 and 240 minutes. Booked visits keep theirs; other visit types "
                "have the lengths the clinic sets."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A hint for the browser only; the model's validators are the rule.
        self.fields["slot_minutes"].widget.attrs.update(min=5, max=240)


class WorkingIntervalForm(forms.Form):
    """One row of the weekly hours: a weekday and the time from which until which.

    A row left wholly blank is ignored (so is one ticked for removal); a half-filled
    one is an error.
    """

    FIELDS = ("weekday", "start_time", "end_time")

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "—"), *WorkingHours.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_time = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.all(),
        required=False,
        empty_label=_("Main site"),
    )

    def clean(self):
        data = super().clean()
        missing = [name for name in self.FIELDS if data.get(name) is None]
        if len(missing) == len(self.FIELDS) and not self.errors:
            return {}
        for name in missing:
            if name not in self.errors:
                self.add_error(name, _("Please fill this in, or tick “Remove”."))
        return data


class BaseWorkingHoursFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The sites are read once for all rows, not once per row.
        if not hasattr(self, "_site_choices"):
            self._site_choices = list(form.fields["site"].choices)
        form.fields["site"].choices = self._site_choices
        return form

    def intervals(self):
        """The (weekday, start, end, site) rows kept: filled in and not marked for removal
        (a row without a site is at the main site)."""
        return sorted(
            (
                (
                    *(form.cleaned_data[name] for name in WorkingIntervalForm.FIELDS),
                    form.cleaned_data.get("site"),
                )
                for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)
            ),
            key=lambda row: row[:3],
        )

    def clean(self):
        if any(self.errors):
            return
        validate_working_hours(self.intervals())


WorkingHoursFormSet = forms.formset_factory(
    WorkingIntervalForm,
    formset=BaseWorkingHoursFormSet,
    extra=3,
    can_delete=True,
    max_num=7 * 12,
    validate_max=True,
)


class ClinicDateTimeField(forms.DateTimeField):
    """A date and time from a datetime-local input, read in the clinic's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {
        "invalid": _("Enter a date and time, e.g. 2030-03-05 09:30."),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            try:
                result.astimezone(datetime.UTC)
            except (OverflowError, ValueError):  # e.g. year 1 east of Greenwich
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result


class TimeOffForm(forms.Form):
    """New time off. `confirm` is set by the button that accepts cancelling the visits
    listed; `appointment_ids` are the ones that were listed, so that nothing else is
    cancelled if more were booked in the meantime."""

    start = ClinicDateTimeField(label=_("From"))
    end = ClinicDateTimeField(label=_("Until"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=TimeOff._meta.get_field("reason").max_length,
        validators=[validate_single_line],
        help_text=_("Patients whose visits are cancelled see this reason."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    appointment_ids = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_appointment_ids(self):
        """The ids of the appointments listed for confirmation; None if none were named."""
        value = self.cleaned_data["appointment_ids"].strip()
        if not value:
            return None
        try:
            return {int(pk) for pk in value.split(",")}
        except ValueError:
            return set()  # garbled: then no appointment counts as seen


class DoctorBioForm(forms.ModelForm):
    """A doctor's own words on their public profile; the rest is the clinic's to set."""

    class Meta:
        model = Doctor
        fields = ["bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
