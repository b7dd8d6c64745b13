"""Medical records, for clinic staff to read.

Records are written and amended only by the visit's doctor (records.services), each
amendment kept as a version, so nobody edits one here, superusers included. Opening a
record is a view of a patient's data and goes into the access log (patients.admin shows
it); the list names the visit, not the diagnosis, so that reading one is always logged.
Closed accounts are listed with the day their records become due for purge.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doctors.admin_filters import DoctorListFilter
from healthcare.core.admin import ReadOnlyAdminMixin, column, datetime_column
from healthcare.core.http import client_ip
from patients.services import log_access_to
from records.models import ClosedAccount, MedicalRecord, MedicalRecordVersion
from records.selectors import closed_accounts, due_for_purge, kept_until


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
class MedicalRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if isinstance(response, TemplateResponse) and (
            record := response.context_data.get("original")
        ):
            log_access_to(record, actor=request.user, ip=client_ip(request))
        return response


class RetentionFilter(admin.SimpleListFilter):
    title = _("retention")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [("due", _("due for purge")), ("kept", _("still kept"))]

    def queryset(self, request, queryset):
        due = due_for_purge().values("pk")
        if self.value() == "due":
            return queryset.filter(pk__in=due)
        if self.value() == "kept":
            return queryset.exclude(pk__in=due)
        return queryset


@admin.register(ClosedAccount)
class ClosedAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Closed accounts not purged yet: when each one's records become due for purge.

    Read only: the purge itself is the scheduled task (`manage.py purge_due_records`),
    which acts on exactly the accounts listed here as due.
    """

    list_display = ("account", "closed", "last_contact_at", "kept_until_day", "is_due")
    list_filter = (RetentionFilter,)
    fields = ("account", "closed", "last_contact_at", "kept_until_day", "is_due")
    readonly_fields = fields

    def get_queryset(self, request):
        return closed_accounts()

    account = column("user.display_name", _("patient"))
    closed = datetime_column("closed_at", _("account closed"), ordering="closed_at")
    last_contact_at = datetime_column("last_contact", _("last visit"), ordering="last_contact")

    @admin.display(description=_("kept until"))
    def kept_until_day(self, obj):
        return kept_until(obj.last_contact)

    @admin.display(description=_("due for purge"), boolean=True)
    def is_due(self, obj):
        return kept_until(obj.last_contact) <= timezone.localdate()
