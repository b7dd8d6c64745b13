"""Forms of the doctors' admin: adding a doctor, the working-hours formset."""

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from doctors.models import Doctor
from doctors.services import validate_working_hours
from healthcare.core.validators import validate_single_line


class DoctorAddForm(SetPasswordMixin, forms.ModelForm):
    """A new doctor's login and profile on one page (saved by doctors.services.create_doctor)."""

    # The login's fields. Not Doctor's, so the model's validation does not check them.
    email = User._meta.get_field("email").formfield()
    first_name = User._meta.get_field("first_name").formfield(
        required=True, validators=[validate_single_line]
    )
    last_name = User._meta.get_field("last_name").formfield(
        required=True, validators=[validate_single_line]
    )
    phone = User._meta.get_field("phone").formfield(validators=[validate_single_line])
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the doctor is emailed an invitation and chooses their own.
        for name in ("password1", "password2"):
            self.fields[name].required = False
        self.fields["password1"].help_text = _(
            "Leave both empty to email the doctor an invitation: they choose their own "
            "password (recommended)."
        )

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
        if bool(self.cleaned_data.get("password1")) != bool(self.cleaned_data.get("password2")):
            self.add_error("password2", _("Enter the password twice, or leave both empty."))
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

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")

    def intervals(self):
        """The (weekday, start, end, site) rows kept: filled in and not marked for removal."""
        return [
            (data["weekday"], data["start_time"], data["end_time"], data["site"])
            for form in self.forms
            if (data := form.cleaned_data) and not self._should_delete_form(form)
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        validate_working_hours(self.intervals(), doctor=self.instance)
