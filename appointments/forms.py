"""Input parsing for the booking pages. The rules themselves live in appointments.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from appointments.services import REASON_MAX_LENGTH
from doctors.models import Site, Specialty, VisitType
from patients.models import Patient


class SlotStartField(forms.DateTimeField):
    """A slot's start as an ISO 8601 date-time; a naive one is read in the clinic's zone."""

    default_error_messages = {
        "required": _("Please pick a time from the list."),
        "invalid": _("That time could not be understood. Please pick a time from the list."),
    }

    def to_python(self, value):
        if isinstance(value, str) and "T" in value:
            # An unencoded "+01:00" in a query string arrives as " 01:00".
            value = value.strip().replace(" ", "+")
        result = super().to_python(value)
        if result is not None:
            try:
                timezone.localtime(result)
            except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result


class DayForm(forms.Form):
    """`?day=YYYY-MM-DD` on the day pickers."""

    day = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("That is not a valid date.")},
    )


class SlotForm(forms.Form):
    start = SlotStartField(widget=forms.HiddenInput)
    # From "first available" (or a type chosen on the doctor's page); left out, the
    # doctor's default visit type at whichever site they are that day.
    type = forms.ModelChoiceField(
        queryset=VisitType.objects.filter(is_active=True),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("We have no such kind of visit.")},
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("We have no such site.")},
    )


class PatientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, patient):
        if patient.user_id == self.myself:
            return _("Myself (%(name)s)") % {"name": patient.user.display_name}
        return patient.user.display_name


class BookingForm(SlotForm):
    reason = forms.CharField(
        label=_("Reason for the visit"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. A few words help the doctor prepare."),
    )

    WHO_ERROR = _("Please choose yourself or a family member.")

    def __init__(self, *args, user=None, **kwargs):
        """With `user` who manages family members: "Who is the visit for?", themself first
        (and by default); the booking rules then apply to whoever is chosen."""
        super().__init__(*args, **kwargs)
        self.user = user
        if user is None:
            return
        patients = list(
            Patient.objects.managed_by(user).select_related("user").order_by("user__first_name")
        )
        if len(patients) < 2:
            return
        patients.sort(key=lambda patient: patient.user_id != user.pk)
        field = PatientChoiceField(
            queryset=Patient.objects.managed_by(user),
            label=_("Who is the visit for?"),
            empty_label=None,
            error_messages={"invalid_choice": self.WHO_ERROR},
        )
        field.myself = user.pk
        field.choices = [(patient.pk, field.label_from_instance(patient)) for patient in patients]
        self.fields = {"patient": field, **self.fields}
        self.initial.setdefault("patient", user.patient_profile.pk)

    def clean(self):
        data = super().clean()
        # A page from before the family member was removed: never book someone else.
        chosen = self.data.get("patient")
        only_themself = self.user is not None and "patient" not in self.fields
        if only_themself and chosen and chosen != str(self.user.patient_profile.pk):
            raise ValidationError(self.WHO_ERROR)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reason_expected=False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_expected:
            self.fields["reason"].help_text = _("The patient will see this reason.")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Appointment.Status.choices)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)


class LaterPageForm(forms.Form):
    """`?later=N` on the doctor's dashboard: which page of appointments after this week."""

    later = forms.IntegerField(required=False, min_value=1, max_value=10_000)


def online_visit_types():
    """The visit types a patient may look for online (not staff-only), by name."""
    return VisitType.objects.filter(is_active=True).exclude(
        online_booking=VisitType.OnlineBooking.STAFF_ONLY
    )


class FirstAvailableForm(forms.Form):
    """ "I need: <type> · at: <site or any> · earliest first" (GET)."""

    type = forms.ModelChoiceField(
        label=_("I need"),
        queryset=online_visit_types(),
        empty_label=None,
        error_messages={
            "invalid_choice": _("We have no such kind of visit. Pick one from the list.")
        },
    )
    site = forms.ModelChoiceField(
        label=_("At"),
        queryset=Site.objects.all(),
        required=False,
        empty_label=_("Any site"),
        error_messages={"invalid_choice": _("We have no such site. Pick one from the list.")},
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"),
        queryset=Specialty.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any specialty"),
        error_messages={"invalid_choice": _("We have no such specialty. Pick one from the list.")},
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("That is not a valid date.")},
    )
