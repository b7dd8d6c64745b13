from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from doctors.admin import DoctorListFilter, local_datetime
from records.models import MedicalRecord


@admin.register(MedicalRecord)
class MedicalRecordAdmin(admin.ModelAdmin):
    """Staff read records here; doctors write them from their own pages.

    Records are never silently edited or deleted, so only superusers may change one
    here (a later change keeps every version).
    """

    list_display = ("created_at", "patient_name", "doctor_name", "visit", "short_diagnosis")
    list_select_related = ("patient__user", "doctor__user", "appointment")
    list_filter = (DoctorListFilter, "doctor__specialty", "created_at")
    search_fields = (
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
        "doctor__user__first_name",
        "doctor__user__last_name",
        "diagnosis",
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
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("patient", "doctor", "appointment")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("patient__user", "doctor__user", "appointment")
        )

    @admin.display(description=_("patient"), ordering="patient__user__last_name")
    def patient_name(self, obj):
        return obj.patient.user.display_name

    @admin.display(description=_("doctor"), ordering="doctor__user__last_name")
    def doctor_name(self, obj):
        return str(obj.doctor)

    @admin.display(description=_("visit"), ordering="appointment__start")
    def visit(self, obj):
        return local_datetime(obj.appointment.start) if obj.appointment else "—"

    @admin.display(description=_("diagnosis"))
    def short_diagnosis(self, obj):
        return Truncator(obj.diagnosis).chars(80)

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)
