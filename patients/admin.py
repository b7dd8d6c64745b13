from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.admin_forms import LoginAddForm
from healthcare.core.admin import (
    ReadOnlyAdminMixin,
    ServiceFormMixin,
    column,
    datetime_column,
    local_datetime,
)
from healthcare.core.http import client_ip
from patients.admin_clinical import ClinicalContentAdmin
from patients.admin_forms import PatientChangeForm
from patients.forms import validate_date_of_birth
from patients.models import AccessLog, Guardianship, Patient
from patients.services import log_access_to, register_patient


@admin.register(Patient)
class PatientAdmin(ClinicalContentAdmin, ServiceFormMixin, admin.ModelAdmin):
    """Patients' profiles. Opening or changing one is written to the access log, as it is
    on the doctors' pages, whether or not the medical details are shown (only to staff
    who may read clinical content). The list shows none of them. A patient is added with
    their login, on one page (patients.services.register_patient)."""

    access_target = AccessLog.Target.PATIENT
    log_every_view = True  # the profile is personal data even without its medical part

    list_display = ("name", "email", "date_of_birth", "phone", "is_active")
    list_select_related = ("user",)
    list_filter = ("user__is_active",)
    search_fields = ("user__first_name", "user__last_name", "user__email", "user__phone")
    ordering = ("user__last_name", "user__first_name")
    form = PatientChangeForm
    fieldsets = (
        (None, {"fields": ("user", "shortcuts")}),
        (_("Contact"), {"fields": ("first_name", "last_name", "phone")}),
        (_("Medical"), {"fields": ("date_of_birth", "blood_type", "allergies", "medical_history")}),
        (
            _("Emergency contact"),
            {"fields": ("emergency_contact_name", "emergency_contact_phone")},
        ),
        (_("Family"), {"fields": ("family",)}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("user", "shortcuts", "family", "created_at", "updated_at")

    add_form = LoginAddForm
    add_form_template = "admin/auth/user/add_form.html"  # its password-choice styles
    add_fieldsets = (
        (
            _("Login"),
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Straight on to the new patient's record: their medical details are entered there.
    continue_after_add = True

    def get_queryset(self, request):
        # The user is in every label (lists, autocomplete, the change page).
        return super().get_queryset(request).select_related("user")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "date_of_birth":
            field.validators.append(validate_date_of_birth)
        return field

    def patient_of(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        if change and (contact := form.login_changes()):
            for name, value in contact.items():
                setattr(obj.user, name, value)
            obj.user.save(update_fields=list(contact))
        super().save_model(request, obj, form, change)
        log_access_to(
            obj, actor=request.user, action=AccessLog.Action.UPDATE, ip=client_ip(request)
        )

    name = column("user.display_name", _("name"), ordering="user__last_name")
    email = column("user.email", _("email address"), ordering="user__email")
    phone = column("user.phone", _("phone"))
    is_active = column("user.is_active", _("active"), boolean=True, ordering="user__is_active")

    @admin.display(description=_("family links"))
    def family(self, obj):
        """Whom this patient manages online and who manages them (a patient keeps these on
        their "My family" page), removed links too."""
        links = (
            Guardianship.objects.filter(Q(guardian=obj) | Q(dependant=obj))
            .select_related("guardian__user", "dependant__user")
            .order_by("-created_at")
        )
        rows = []
        for link in links:
            manages = link.guardian_id == obj.pk
            other = link.dependant if manages else link.guardian
            if link.ended_at is None:
                state = _("since %(when)s") % {"when": local_datetime(link.created_at)}
            else:
                state = _("removed %(when)s") % {"when": local_datetime(link.ended_at)}
            rows.append(
                (
                    _("Manages") if manages else _("Managed by"),
                    reverse("admin:patients_patient_change", args=[other.pk]),
                    other.user.display_name,
                    link.get_relationship_display(),
                    state,
                )
            )
        if not rows:
            return _("None")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li>{} <a href="{}">{}</a> ({}, {})</li>', rows),
        )

    @admin.display(description=_("shortcuts"))
    def shortcuts(self, obj):
        appointments = reverse("admin:appointments_appointment_changelist")
        book = reverse("admin:appointments_appointment_add")
        export = reverse("patients:export", args=[obj.pk])
        return format_html(
            '<a href="{}?{}">{}</a> · <a href="{}?{}">{}</a> · <a href="{}?format=pdf">{}</a>',
            appointments,
            urlencode({"q": obj.user.email}),
            _("Appointments"),
            book,
            urlencode({"patient": obj.pk}),
            _("Book an appointment"),
            export,
            _("Their data (PDF, logged)"),
        )

    def has_delete_permission(self, request, obj=None):
        # The record goes with its login: deleting the user (in Users) removes both,
        # so no patient login is ever left without a record.
        return False

    def perform_add(self, request, form):
        data = form.cleaned_data
        user = register_patient(
            email=data["email"],
            password=data["password1"] if data["set_usable_password"] else None,
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
        )
        return user.patient


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who looked at or changed whose data, and when. Rows are only ever appended."""

    list_display = ("when", "actor", "action", "target", "object_id", "patient", "ip_address")
    list_select_related = ("actor", "patient__user")
    list_filter = ("action", "target")
    search_fields = (
        "actor__email",
        "actor__first_name",
        "actor__last_name",
        "patient__user__email",
        "patient__user__first_name",
        "patient__user__last_name",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")

    when = datetime_column("created_at", _("when"), ordering="created_at")
