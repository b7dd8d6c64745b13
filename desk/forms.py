"""Input parsing for the front desk and the reports. The rules live in the services."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.forms import SlotStartField
from appointments.services import REASON_MAX_LENGTH
from doctors.models import Doctor, Site
from healthcare.core.validators import validate_single_line
from patients.forms import date_input, validate_date_of_birth

# The longest period a report covers (a year and a leap day, with room).
REPORT_MAX_DAYS = 400


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a patient"),
        max_length=100,
        help_text=_("Name, date of birth (1980-03-14 or 14/03/1980), phone or email."),
        widget=forms.TextInput(attrs={"type": "search", "accesskey": "f", "autocomplete": "off"}),
    )


def _site_choices(form):
    """The clinic's sites for a filter: one query, kept on the form to hand the chosen one
    back as a Site (a ModelChoiceField would stream it through a cursor)."""
    form.sites = {site.pk: site for site in Site.objects.order_by("name", "pk")}
    form.fields["site"].choices = [("", _("All sites"))] + [
        (pk, site.name) for pk, site in form.sites.items()
    ]


def _site_field():
    return forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)


class DayForm(forms.Form):
    """The board's day (today if none) and, optionally, one site."""

    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"], widget=date_input())
    site = _site_field()

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        _site_choices(self)

    def clean_site(self):
        pk = self.cleaned_data.get("site")
        return None if pk is None else self.sites[pk]


def _doctor_choices():
    return (
        Doctor.objects.filter(user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


class WalkInForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=150, validators=[validate_single_line]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, validators=[validate_single_line]
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=date_input(),
        validators=[validate_date_of_birth],
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, validators=[validate_single_line]
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        required=False,
        help_text=_("Optional. Needed later to invite them to an online account."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and not data.get("date_of_birth"):
            raise ValidationError(
                _("Give a phone number, an email address or a date of birth to tell them apart.")
            )
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class SlotsForm(forms.Form):
    """Which doctor and day to show free times for (GET)."""

    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.none(), empty_label=None
    )
    day = forms.DateField(label=_("Day"), input_formats=["%Y-%m-%d"], widget=date_input())

    def __init__(self, *args, doctor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = _doctor_choices()
        self.fields["day"].widget.attrs.pop("autocomplete", None)
        if doctor is not None:
            self.fields["doctor"].queryset = Doctor.objects.filter(pk=doctor.pk)


class DeskBookingForm(forms.Form):
    """The slot chosen at the desk (POST), with the desk's one exception to the rules."""

    start = SlotStartField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the visit"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput,
    )
    override_notice = forms.BooleanField(
        label=_("Book inside the minimum notice"),
        required=False,
        help_text=_("Only for a patient who is here or on the phone now."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("The patient will see this reason."),
    )


class ReportForm(forms.Form):
    """A report's period (local dates, inclusive) and, optionally, one site and one doctor."""

    start = forms.DateField(label=_("From"), input_formats=["%Y-%m-%d"], widget=date_input())
    end = forms.DateField(label=_("Until"), input_formats=["%Y-%m-%d"], widget=date_input())
    site = _site_field()
    doctor = forms.TypedChoiceField(label=_("Doctor"), required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # One query, listed once (a ModelChoiceField would stream it through a cursor).
        self.doctors = {
            doctor.pk: doctor
            for doctor in Doctor.objects.select_related("user").order_by(
                "user__last_name", "user__first_name", "pk"
            )
        }
        self.fields["doctor"].choices = [("", _("All doctors"))] + [
            (pk, str(doctor)) for pk, doctor in self.doctors.items()
        ]
        for name in ("start", "end"):
            self.fields[name].widget.attrs.pop("autocomplete", None)
        _site_choices(self)

    def clean_doctor(self):
        pk = self.cleaned_data.get("doctor")
        return None if pk is None else self.doctors[pk]

    def clean_site(self):
        pk = self.cleaned_data.get("site")
        return None if pk is None else self.sites[pk]

    @classmethod
    def default_period(cls, today=None):
        """The last 30 days up to today."""
        today = today or timezone.localdate()
        return today - timedelta(days=29), today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end must be on or after the start."))
            elif (end - start).days + 1 > REPORT_MAX_DAYS:
                self.add_error(
                    "end",
                    _("A report covers at most %(days)d days.") % {"days": REPORT_MAX_DAYS},
                )
        return data
