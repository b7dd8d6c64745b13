"""Forms of the patients' admin."""

from django import forms

from accounts.models import User
from healthcare.core.validators import validate_single_line
from patients.forms import PatientDetailsForm
from patients.models import Patient

LOGIN_CONTACT_FIELDS = ("first_name", "last_name", "phone")


class PatientChangeForm(forms.ModelForm):
    """A patient's profile with their login's names and phone, so that reception keeps a
    patient's contact details up to date without any right over logins (the user admin
    changes emails, passwords and access: IT's)."""

    first_name = User._meta.get_field("first_name").formfield(
        required=True, validators=[validate_single_line]
    )
    last_name = User._meta.get_field("last_name").formfield(
        required=True, validators=[validate_single_line]
    )
    phone = User._meta.get_field("phone").formfield()

    class Meta:
        model = Patient
        fields = PatientDetailsForm.Meta.fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in LOGIN_CONTACT_FIELDS:
            if name in self.fields:
                self.fields[name].initial = getattr(self.instance.user, name)

    def login_changes(self):
        """{field: value} of the login's contact details this form changes."""
        return {
            name: self.cleaned_data[name]
            for name in LOGIN_CONTACT_FIELDS
            if name in self.changed_data
        }
