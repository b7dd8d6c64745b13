"""Forms of the appointments admin. None of them saves: the admin passes their data
to appointments.services, which decides."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from appointments.services import REASON_MAX_LENGTH
from doctors.models import Doctor
from patients.models import Patient


class AppointmentAddForm(forms.Form):
    """Book a visit for a patient (appointments.services.book_appointment)."""

    patient = forms.ModelChoiceField(
        label=_("Patient"), queryset=Patient.objects.select_related("user")
    )
    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.select_related("user", "specialty")
    )
    start = forms.SplitDateTimeField(
        label=_("Start"),
        widget=AdminSplitDateTime,
        help_text=_("In the clinic's time zone; one of the doctor's free slots."),
    )
    reason = forms.CharField(
        label=_("Reason for the visit"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            # Search-as-you-type instead of a list of every patient in the clinic.
            for name in ("patient", "doctor"):
                field = self.fields[name]
                field.widget = AutocompleteSelect(Appointment._meta.get_field(name), admin_site)
                field.widget.choices = field.choices


class AppointmentChangeForm(forms.ModelForm):
    """What staff change on an appointment's page: its time (through rescheduling).

    `start` is declared here but is not in Meta.fields, so validating the form never
    writes it to the appointment: appointments.services.reschedule_appointment moves it.
    """

    start = forms.SplitDateTimeField(
        label=_("Start"),
        widget=AdminSplitDateTime,
        help_text=_(
            "In the clinic's time zone. Saving a new time moves the appointment to that "
            "slot, if the doctor is free then."
        ),
    )

    class Meta:
        model = Appointment
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("start", timezone.localtime(self.instance.start))


class CancelAppointmentsForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The patient will see this reason."),
    )
