"""Forms of the appointments admin. None of them saves: the admin passes their data
to appointments.services, which decides."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from appointments.services import REASON_MAX_LENGTH, TIME_OFF_REASON_MAX_LENGTH
from doctors.models import Doctor, Site, TimeOff, VisitType
from healthcare.core.validators import validate_single_line
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
    visit_type = forms.ModelChoiceField(
        label=_("Visit type"),
        queryset=VisitType.objects.filter(is_active=True),
        required=False,
        help_text=_("Needed when the doctor offers several; staff may book any type."),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.all(),
        required=False,
        help_text=_("Empty: where the doctor works at that time."),
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


class TimeOffAddForm(forms.Form):
    """Time off for a doctor (saved by appointments.services.add_time_off)."""

    doctor = forms.ModelChoiceField(
        label=_("Doctor"), queryset=Doctor.objects.select_related("user")
    )
    start = forms.SplitDateTimeField(label=_("From"), widget=AdminSplitDateTime)
    end = forms.SplitDateTimeField(label=_("Until"), widget=AdminSplitDateTime)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TIME_OFF_REASON_MAX_LENGTH,
        required=False,
        validators=[validate_single_line],
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


class ClosureAddForm(forms.Form):
    """A closure of the clinic or one site (saved by appointments.services.add_closure)."""

    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.all(),
        required=False,
        empty_label=_("Whole clinic (every site)"),
    )
    start = forms.SplitDateTimeField(label=_("From"), widget=AdminSplitDateTime)
    end = forms.SplitDateTimeField(label=_("Until"), widget=AdminSplitDateTime)
    reason = TimeOffAddForm.base_fields["reason"]
    cancel_appointments = forms.BooleanField(
        label=_("Cancel the booked appointments listed"),
        required=False,
        help_text=_(
            "If the closure hits booked appointments, they are listed here first and "
            "nothing is saved; tick this and save again to cancel them."
        ),
    )
    confirmed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)

    clean_confirmed = TimeOffAddForm.clean_confirmed
    list_conflict = TimeOffAddForm.list_conflict
