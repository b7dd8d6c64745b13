from django import forms
from django.utils.translation import gettext_lazy as _

from doctors.models import Specialty


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
