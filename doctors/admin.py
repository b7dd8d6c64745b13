from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from doctors.admin_filters import DoctorListFilter
from doctors.admin_forms import DoctorAddForm, WorkingHoursFormSet
from doctors.models import (
    Doctor,
    Site,
    Specialty,
    TimeOff,
    VisitType,
    VisitTypeOffer,
    WorkingHours,
)
from doctors.services import (
    create_doctor,
    set_slot_length,
    set_working_hours,
)
from healthcare.core.admin import (
    ReadOnlyAdminMixin,
    ServiceFormMixin,
    column,
    datetime_column,
)


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "doctor_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_doctor_count=Count("doctors"))

    @admin.display(description=_("doctors"), ordering="_doctor_count")
    def doctor_count(self, obj):
        return obj._doctor_count


class LabelledDeleteFormSet(BaseInlineFormSet):
    """An inline whose "Delete" boxes are named for screen readers (axe: form elements
    must have labels; the tabular inline shows only a column heading above them)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")


def _choices_once(field, db_field):
    """A foreign key's choices read once for the whole inline, not once per row."""
    if field is not None and db_field.name in ("site", "visit_type"):
        field.choices = list(field.choices)
    return field


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 1

    def get_queryset(self, request):
        # Each row is labelled with str(interval), which names the site.
        return super().get_queryset(request).select_related("site")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A tabular row's fields have only the column heading above them: name each one
        # for screen readers (axe: "form elements must have labels").
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in ("weekday", "start_time", "end_time", "site"):
            field.widget.attrs["aria-label"] = capfirst(db_field.verbose_name)
        if field is not None and db_field.name == "site":
            # Left empty, a row is at the clinic's first site (made if there is none yet).
            field.required = False
            field.empty_label = _("First site")
        return _choices_once(field, db_field)


class VisitTypeOfferInline(admin.TabularInline):
    """The visit types the doctor offers, each with the doctor's own length if it differs."""

    model = VisitTypeOffer
    formset = LabelledDeleteFormSet
    extra = 1
    fields = ("visit_type", "length_minutes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("visit_type")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.fields:
            field.widget.attrs["aria-label"] = capfirst(db_field.verbose_name)
        return _choices_once(field, db_field)


class TimeOffInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The doctor's time off, to read. It is added on its own page, which first shows
    the appointments it would cancel (appointments.services.add_time_off; the page is
    appointments.admin's)."""

    model = TimeOff
    fields = ("starts", "ends", "reason")
    readonly_fields = fields
    ordering = ("-start",)
    extra = 0

    def get_queryset(self, request):
        # Each row is labelled with str(time_off), which names the doctor.
        return super().get_queryset(request).select_related("doctor__user")

    starts = datetime_column("start", _("from"))
    ends = datetime_column("end", _("until"))


@admin.register(Doctor)
class DoctorAdmin(ServiceFormMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "specialty",
        "license_number",
        "years_of_experience",
        "slot_minutes",
        "accepting_new_patients",
        "is_active",
    )
    list_select_related = ("user", "specialty")
    list_filter = ("specialty", "accepting_new_patients", "user__is_active")
    search_fields = ("user__first_name", "user__last_name", "user__email", "license_number")
    ordering = ("user__last_name", "user__first_name")
    fieldsets = (
        (None, {"fields": ("user", "shortcuts")}),
        (_("Profile"), {"fields": ("specialty", "license_number", "years_of_experience", "bio")}),
        (_("Calendar"), {"fields": ("slot_minutes", "accepting_new_patients")}),
    )
    readonly_fields = ("user", "shortcuts")
    inlines = (WorkingHoursInline, VisitTypeOfferInline, TimeOffInline)

    add_form = DoctorAddForm
    # Straight on to the new doctor's page: their working hours are entered there.
    continue_after_add = True
    add_fieldsets = (
        (_("Login"), {"fields": ("email", "password1", "password2")}),
        (_("Person"), {"fields": ("first_name", "last_name", "phone")}),
        (_("Profile"), {"fields": ("specialty", "license_number", "years_of_experience", "bio")}),
        (_("Calendar"), {"fields": ("slot_minutes", "accepting_new_patients")}),
    )

    def get_queryset(self, request):
        # The user is in every label (lists, autocomplete, the change page).
        return super().get_queryset(request).select_related("user", "specialty")

    name = column("user.display_name", _("name"), ordering="user__last_name")
    email = column("user.email", _("email address"), ordering="user__email")
    is_active = column("user.is_active", _("active"), boolean=True, ordering="user__is_active")

    @admin.display(description=_("shortcuts"))
    def shortcuts(self, obj):
        return format_html(
            '<a href="{}?{}">{}</a> · <a href="{}?{}">{}</a> · <a href="{}?{}">{}</a>',
            reverse("admin:appointments_appointment_changelist"),
            urlencode({DoctorListFilter.parameter_name: obj.pk}),
            _("Appointments"),
            reverse("admin:appointments_appointment_add"),
            urlencode({"doctor": obj.pk}),
            _("Book an appointment"),
            reverse("admin:doctors_timeoff_add"),
            urlencode({"doctor": obj.pk}),
            _("Add time off"),
        )

    def has_delete_permission(self, request, obj=None):
        # The profile goes with its login: deleting the user (in Users) removes both,
        # so no doctor login is ever left without a profile.
        return False

    def get_inline_instances(self, request, obj=None):
        # Working hours and time off are entered once the doctor exists.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slot_minutes" in form.changed_data:
            # The length of the doctor's consultations (their default visit type).
            set_slot_length(doctor=obj, minutes=obj.slot_minutes)

    def save_formset(self, request, form, formset, change):
        if formset.model is not WorkingHours:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # writes nothing; notes the changes for the history
        if formset.has_changed():
            set_working_hours(doctor=form.instance, intervals=formset.intervals())
        return None

    def perform_add(self, request, form):
        data = form.cleaned_data
        try:
            doctor = create_doctor(
                actor=request.user,
                request=request,
                email=data["email"],
                password=data["password1"] or None,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                specialty=data["specialty"],
                license_number=data["license_number"],
                years_of_experience=data["years_of_experience"],
                bio=data["bio"],
                slot_minutes=data["slot_minutes"],
                accepting_new_patients=data["accepting_new_patients"],
            )
        except IntegrityError as error:
            # Another request took the email or licence number since the form checked it.
            raise ValidationError(
                _("A user with this email or a doctor with this licence number already exists.")
            ) from error
        if not doctor.user.has_usable_password():
            self.message_user(
                request,
                _("An invitation to choose a password was emailed to %s.") % doctor.user.email,
            )
        return doctor


@admin.register(WorkingHours)
class WorkingHoursAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Everyone's week at a glance. Hours are edited on the doctor's page, where the whole
    week is checked for overlaps at once."""

    list_display = ("doctor", "weekday", "start_time", "end_time", "site")
    list_select_related = ("doctor__user", "site")
    list_filter = ("weekday", "site", "doctor__specialty", DoctorListFilter)
    search_fields = ("doctor__user__first_name", "doctor__user__last_name")
    ordering = ("doctor__user__last_name", "doctor__user__first_name", "weekday", "start_time")


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    """What visits the clinic offers. Lengths, spacing and hours are checked by the model;
    a type with booked visits cannot be deleted (make it inactive instead)."""

    list_display = (
        "name",
        "length_minutes",
        "spacing_minutes",
        "buffer_minutes",
        "bookable_from",
        "bookable_until",
        "online_booking",
        "is_active",
    )
    list_filter = ("is_active", "online_booking")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active")}),
        (
            _("Time"),
            {
                "fields": (
                    "length_minutes",
                    "spacing_minutes",
                    "buffer_minutes",
                    "bookable_from",
                    "bookable_until",
                )
            },
        ),
        (_("Booking"), {"fields": ("online_booking",)}),
    )


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    """The clinic's locations (all in the clinic's one time zone)."""

    list_display = ("name", "phone", "address")
    search_fields = ("name", "address")
    filter_horizontal = ("visit_types",)
