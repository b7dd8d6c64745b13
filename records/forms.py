"""Input parsing for the record pages. The rules themselves live in records.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from records.models import BreakGlassAccess
from records.services import EXPLANATION_MAX_LENGTH, LIMITS, REASON_MAX_LENGTH


class RecordForm(forms.Form):
    diagnosis = forms.CharField(
        label=_("Diagnosis"),
        max_length=LIMITS["diagnosis"],
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please enter a diagnosis.")},
    )
    prescription = forms.CharField(
        label=_("Prescription"),
        required=False,
        max_length=LIMITS["prescription"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Medicines, doses and how long to take them, if any."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=LIMITS["notes"],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Findings, advice and follow-up."),
    )


class AmendForm(RecordForm):
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with this version and shown in the record's history."),
    )


class BreakGlassForm(forms.Form):
    """Why a doctor outside a care relationship needs a patient's records now."""

    reason = forms.ChoiceField(
        label=_("Why do you need the records?"),
        choices=BreakGlassAccess.Reason.choices,
        widget=forms.RadioSelect,
    )
    explanation = forms.CharField(
        label=_("In your words"),
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Written to the access log with your name; the patient reads it, and staff "
            "review every such access."
        ),
    )
