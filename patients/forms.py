"""Forms about patients: signing up, their health details, and the doctor's search."""

import datetime

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserManager
from healthcare.core.phone import PhoneNumberFormField
from healthcare.core.validators import validate_single_line
from patients.models import Guardianship, Patient

EARLIEST_DATE_OF_BIRTH = datetime.date(1900, 1, 2)


def validate_date_of_birth(value):
    """A date of birth must be in the past and plausible (the database refuses 1900 and before)."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value < EARLIEST_DATE_OF_BIRTH:
        raise ValidationError(_("Please check the date of birth."), code="implausible")


def date_input():
    # An ISO value is what <input type="date"> understands in every browser.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "autocomplete": "bday"})


class RegistrationForm(SetPasswordMixin, forms.Form):
    """A patient signing themselves up. There is deliberately no way to choose a role."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = PhoneNumberFormField(label=_("Phone"), required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=date_input(),
        validators=[validate_date_of_birth],
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean_email(self):
        # Whether the address already has an account is never said here: see sign_up_patient.
        return UserManager.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned_data = super().clean()
        self.validate_passwords("password1", "password2")
        # Checked against the would-be user, so a password like one's own name is refused.
        would_be_user = User(
            email=cleaned_data.get("email", ""),
            first_name=cleaned_data.get("first_name", ""),
            last_name=cleaned_data.get("last_name", ""),
        )
        self.validate_password_for_user(would_be_user, "password2")
        return cleaned_data


class PatientDetailsForm(forms.ModelForm):
    """What a patient tells the clinic about their health and who to call."""

    class Meta:
        model = Patient
        fields = [
            "date_of_birth",
            "blood_type",
            "allergies",
            "medical_history",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
        widgets = {
            "date_of_birth": date_input(),
            "allergies": forms.Textarea(attrs={"rows": 3}),
            "medical_history": forms.Textarea(attrs={"rows": 5}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].validators.append(validate_date_of_birth)


class PatientSearchForm(forms.Form):
    """The doctor's patient list filter: words matched against name and email."""

    q = forms.CharField(
        label=_("Name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. Smith")}),
    )

    def search(self):
        """The words to search for; an invalid query searches for nothing."""
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class DependantForm(forms.Form):
    """A family member whose care the patient manages: who they are and how related."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "autocomplete": "off"}),
        validators=[validate_date_of_birth],
    )
    relationship = forms.ChoiceField(label=_("They are"), choices=Guardianship.Relationship.choices)

    @classmethod
    def for_link(cls, link, data=None):
        """The form filled in with a family member as they are now."""
        dependant = link.dependant
        return cls(
            data,
            initial={
                "first_name": dependant.user.first_name,
                "last_name": dependant.user.last_name,
                "date_of_birth": dependant.date_of_birth,
                "relationship": link.relationship,
            },
        )
