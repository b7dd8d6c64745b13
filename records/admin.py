"""Medical records, for clinic staff to read.

Records are written and amended only by the visit's doctor (records.services), each
amendment kept as a version, so nobody edits one here, superusers included. Only staff
who may read clinical content reach them. Opening a record is a view of a patient's data
and goes into the access log (patients.admin shows it); the list names the visit, not
the diagnosis, so that reading one is always logged, and no list is filtered by what a
record says (patients.admin_clinical).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from doctors.admin_filters import DoctorListFilter
from healthcare.core.admin import ReadOnlyAdminMixin, column, datetime_column
from patients.admin_clinical import ClinicalContentAdmin
from patients.models import AccessLog
from patients.permissions import can_read_clinical_content
from records.models import MedicalRecord, MedicalRecordVersion


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MedicalRecordVersion
    fields = ("version", "written", "author", "reason", "diagnosis", "prescription", "notes")
    readonly_fields = fields
    ordering = ("-version",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    written = datetime_column("created_at", _("written at"))


@admin.register(MedicalRecord)
class MedicalRecordAdmin(ClinicalContentAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    access_target = AccessLog.Target.RECORD

    list_display = ("visit", "patient_name", "doctor_name", "version", "created")
    list_select_related = ("patient__user", "doctor__user", "appointment")
    list_filter = (DoctorListFilter, "doctor__specialty", "created_at")
    search_fields = (
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
        "doctor__user__first_name",
        "doctor__user__last_name",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "patient",
        "doctor",
        "appointment",
        "diagnosis",
        "prescription",
        "notes",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = (VersionInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("patient__user", "doctor__user", "appointment")
        )

    visit = datetime_column("appointment.start", _("visit"), ordering="appointment__start")
    patient_name = column(
        "patient.user.display_name", _("patient"), ordering="patient__user__last_name"
    )
    doctor_name = column("doctor", _("doctor"), ordering="doctor__user__last_name", show=str)
    created = datetime_column("created_at", _("created"), ordering="created_at")

    def has_view_permission(self, request, obj=None):
        # A record is clinical content through and through: its list too is for staff
        # who may read clinical content.
        return can_read_clinical_content(request.user) and super().has_view_permission(request, obj)
