import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doctors import services
from doctors.models import Doctor, Site, Specialty, TimeOff, WorkingHours
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


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class IntervalForm(forms.Form):
    """One interval of a working day: from, until (24-hour) and, where the clinic has
    several sites, where. A row left wholly blank is ignored (a new row not filled in)."""

    start_time = forms.TimeField(label=_("From"), required=False, widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Until"), required=False, widget=TIME_INPUT)
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.all(),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": _("We have no such site. Pick one from the list.")},
    )

    def __init__(self, *args, site_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if site_choices is None:
            del self.fields["site"]  # one site: nothing to choose
        else:
            self.fields["site"].choices = site_choices

    def is_blank(self):
        data = getattr(self, "cleaned_data", {})
        return data.get("start_time") is None and data.get("end_time") is None

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if self.errors or (start is None and end is None):
            return data
        if start is None:
            self.add_error("start_time", _("Give the start too, or remove this interval."))
        elif end is None:
            self.add_error("end_time", _("Give the end too, or remove this interval."))
        elif end <= start:
            self.add_error("end_time", _("The end must be after the start."))
        return data


IntervalFormSet = forms.formset_factory(IntervalForm, extra=0, max_num=12, validate_max=True)


class DayForm(forms.Form):
    """Whether the doctor works on one weekday."""

    open = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"data-day-open": True})
    )


class WorkingDay:
    """One weekday of the editor: on or off, and its intervals (a formset)."""

    def __init__(self, weekday, data, rows, site_choices, default_site):
        self.weekday = weekday
        self.label = WorkingHours.Weekday(weekday).label
        self.prefix = f"day{weekday}"
        self.form = DayForm(data, prefix=self.prefix, initial={"open": bool(rows)})
        self.form.fields["open"].label = _("I work on %(day)s") % {"day": self.label}
        self.formset = IntervalFormSet(
            data,
            prefix=self.prefix,
            # A day without hours shows one empty interval, to fill in when ticking it. (Posted,
            # every interval is validated as sent: none counts as unchanged and skipped.)
            initial=None if data is not None else rows or [{"site": default_site}],
            form_kwargs={"site_choices": site_choices},
        )
        self.errors = []

    @property
    def is_open(self):
        if self.form.is_bound:
            return bool(self.form.is_valid() and self.form.cleaned_data["open"])
        return self.form.initial["open"]

    def filled(self):
        return [form for form in self.formset.forms if form.is_valid() and not form.is_blank()]

    def check(self):
        """The day's own rules once its rows are valid: on with no hours, or off with some."""
        filled = self.filled()
        if self.is_open and not filled:
            self.errors.append(
                _("Give the hours you work on %(day)s, or untick it.") % {"day": self.label}
            )
        elif not self.is_open and filled:
            self.errors.append(
                _("Tick “I work on %(day)s” to keep these hours, or clear them.")
                % {"day": self.label}
            )


class WeeklyHoursEditor:
    """The doctor's week: each weekday on or off with its intervals, checked as a whole
    by doctors.services.working_hours_problems (each problem shown on its interval).

    Without JavaScript, "Add an interval" and "Remove" are submit buttons that show the
    week again with the change, saving nothing (`with_added`, `with_removed`); with it,
    static/js/hours.js does the same in place.
    """

    def __init__(self, data=None, *, doctor, show_errors=True, added=None):
        self.doctor = doctor
        self.show_errors = show_errors and data is not None
        self.added = added
        self.several_sites = Site.objects.count() > 1
        rows = {}
        current = list(doctor.working_hours.select_related("site").order_by("start_time"))
        for interval in current:
            rows.setdefault(interval.weekday, []).append(
                {
                    "start_time": interval.start_time,
                    "end_time": interval.end_time,
                    "site": interval.site_id,
                }
            )
        site_choices = default_site = None
        if self.several_sites:
            sites = {site.pk: site for site in Site.objects.open_to(doctor)}
            # A site the doctor still works at stays listed, so the page shows the truth.
            sites |= {interval.site_id: interval.site for interval in current}
            site_choices = [
                (site.pk, site.name) for site in sorted(sites.values(), key=lambda s: s.name)
            ]
            default_site = site_choices[0][0] if site_choices else None
        self.days = [
            WorkingDay(weekday, data, rows.get(weekday, []), site_choices, default_site)
            for weekday in WorkingHours.Weekday.values
        ]
        self.non_day_errors = []

    def is_valid(self):
        if not all(day.form.is_valid() and day.formset.is_valid() for day in self.days):
            return False
        for day in self.days:
            day.check()
        if any(day.errors for day in self.days):
            return False
        rows = self._rows()
        problems = services.working_hours_problems(
            [interval for interval, _form in rows], doctor=self.doctor
        )
        for index, field, message in problems:
            rows[index][1].add_error(field, message)
        return not problems

    def _rows(self):
        """((weekday, start, end, site), form) for every filled interval of an open day."""
        return [
            (
                (
                    day.weekday,
                    form.cleaned_data["start_time"],
                    form.cleaned_data["end_time"],
                    form.cleaned_data.get("site"),
                ),
                form,
            )
            for day in self.days
            if day.is_open
            for form in day.filled()
        ]

    def intervals(self):
        """The (weekday, start, end, site) rows to save (site None: the only site)."""
        return [interval for interval, _form in self._rows()]

    def add_error(self, error):
        self.non_day_errors.extend(error.messages)

    @property
    def has_errors(self):
        return self.show_errors and (
            bool(self.non_day_errors)
            or any(
                day.errors or day.form.errors or day.formset.total_error_count()
                for day in self.days
            )
        )

    @staticmethod
    def with_added(data, weekday):
        """The posted week with one more (empty) interval on `weekday`, which is turned on."""
        data = data.copy()
        prefix = f"day{int(weekday)}"
        total = _count(data, prefix)
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
        data[f"{prefix}-open"] = "on"
        return data, f"{prefix}-{total}"

    @staticmethod
    def with_removed(data, row_prefix):
        """The posted week without the interval `row_prefix` ("day<d>-<i>"); the day's
        later intervals move up one place."""
        data = data.copy()
        prefix, _sep, index = row_prefix.rpartition("-")
        total = _count(data, prefix)
        index = int(index)
        for i in range(index, total):
            for name in IntervalForm.base_fields:
                following = data.get(f"{prefix}-{i + 1}-{name}")
                if following is None or i + 1 >= total:
                    data.pop(f"{prefix}-{i}-{name}", None)
                else:
                    data[f"{prefix}-{i}-{name}"] = following
        data[f"{prefix}-TOTAL_FORMS"] = str(max(total - 1, 0))
        return data


def _count(data, prefix):
    try:
        return max(0, min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), IntervalFormSet.max_num))
    except ValueError:
        return 0


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
