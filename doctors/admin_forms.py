"""Forms of the doctors' admin: adding a doctor, the working-hours formset, time off."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from doctors.models import Doctor, TimeOff
from doctors.services import validate_working_hours


class DoctorAddForm(SetPasswordMixin, forms.ModelForm):
    """A new doctor's login and profile on one page (saved by doctors.services.create_doctor)."""

    email = User._meta.get_field("email").formfield()
    first_name = User._meta.get_field("first_name").formfield(required=True)
    last_name = User._meta.get_field("last_name").formfield(required=True)
    phone = User._meta.get_field("phone").formfield()
    password1, password2 = SetPasswordMixin.create_password_fields()

    class Meta:
        model = Doctor
        fields = (
            "specialty",
            "license_number",
            "years_of_experience",
            "bio",
            "slot_minutes",
            "accepting_new_patients",
        )

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                User._meta.get_field("email").error_messages["unique"], code="unique"
            )
        return email

    def clean(self):
        self.validate_passwords()
        cleaned_data = super().clean()
        # The similarity validator compares the password with the person's names.
        self.validate_password_for_user(
            User(
                email=cleaned_data.get("email", ""),
                first_name=cleaned_data.get("first_name", ""),
                last_name=cleaned_data.get("last_name", ""),
            )
        )
        return cleaned_data


class WorkingHoursFormSet(BaseInlineFormSet):
    """The doctor's week, checked as a whole: intervals on one day must not overlap.

    The admin saves it with doctors.services.set_working_hours(intervals=...).
    """

    def intervals(self):
        """The (weekday, start, end) rows kept: filled in and not marked for removal."""
        return [
            (data["weekday"], data["start_time"], data["end_time"])
            for form in self.forms
            if (data := form.cleaned_data) and not self._should_delete_form(form)
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        validate_working_hours(self.intervals())


class TimeOffAddForm(forms.Form):
    """Time off for a doctor (saved by doctors.services.add_time_off)."""

    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.select_related("user")
    )
    start = forms.SplitDateTimeField(label=_("From"), widget=AdminSplitDateTime)
    end = forms.SplitDateTimeField(label=_("Until"), widget=AdminSplitDateTime)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Patients whose appointments are cancelled for it are told this reason."),
    )
    cancel_appointments = forms.BooleanField(
        label=_("Cancel the booked appointments listed"),
        required=False,
        help_text=_(
            "If the time off hits booked appointments, they are listed here first and "
            "nothing is saved; tick this and save again to cancel them."
        ),
    )
    # The appointments that were listed, so that only those are cancelled.
    confirmed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            field = self.fields["doctor"]
            field.widget = AutocompleteSelect(TimeOff._meta.get_field("doctor"), admin_site)
            field.widget.choices = field.choices

    def clean_confirmed(self):
        try:
            return [int(pk) for pk in self.cleaned_data["confirmed"].split(",") if pk]
        except ValueError:
            return []

    def list_conflict(self, appointments):
        """Show the form again with these appointments as the ones to confirm."""
        self.data = self.data.copy()
        self.data["confirmed"] = ",".join(str(appointment.pk) for appointment in appointments)
