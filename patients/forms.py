from django import forms
from django.utils.translation import gettext_lazy as _


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
