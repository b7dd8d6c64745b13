"""Medical records, for clinic staff to read.

Records are written and amended only by the visit's doctor (records.services), each
amendment kept as a version, so nobody edits one here, superusers included. Only staff
who may read clinical content reach them. Opening a record is a view of a patient's data
and goes into the access log (patients.admin shows it); the list names the visit, not
the diagnosis, so that reading one is always logged, and no list is filtered by what a
record says (patients.admin_clinical). Closed accounts are listed with the day their
records become due for purge; break-the-glass accesses wait here for review.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from doctors.admin_filters import DoctorListFilter
from healthcare.core.admin import ClinicalLookupsMixin, ReadOnlyAdminMixin, column, datetime_column
from patients.admin_clinical import ClinicalContentAdmin
from patients.models import AccessLog
from patients.permissions import can_read_clinical_content
from records.models import BreakGlassAccess, ClosedAccount, MedicalRecord, MedicalRecordVersion
from records.selectors import closed_accounts, due_for_purge, kept_until
from records.services import mark_reviewed


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


class ReviewedFilter(admin.SimpleListFilter):
    title = _("reviewed")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", _("Not yet")), ("yes", _("Reviewed"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(reviewed_at__isnull=self.value() == "no")
        return queryset


@admin.register(BreakGlassAccess)
class BreakGlassAccessAdmin(admin.ModelAdmin):
    """Every time a doctor broke the glass, for staff to review: who, whose records, why,
    until when. Nothing is edited or deleted here; "mark as reviewed" is the one change
    (records.services.mark_reviewed), written to the security log like any admin change."""

    list_display = ("opened", "doctor", "patient", "reason", "explanation", "until", "reviewed")
    list_select_related = ("doctor", "patient__user", "reviewed_by")
    list_filter = (ReviewedFilter, "reason")
    search_fields = (
        "doctor__email",
        "doctor__last_name",
        "patient__user__email",
        "patient__user__last_name",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "doctor",
        "patient",
        "reason",
        "explanation",
        "created_at",
        "expires_at",
        "reviewed_by",
        "reviewed_at",
    )
    readonly_fields = fields
    actions = ("mark_reviewed",)

    opened = datetime_column("created_at", _("opened at"), ordering="created_at")
    until = datetime_column("expires_at", _("open until"))

    @admin.display(description=_("reviewed"), boolean=True, ordering="reviewed_at")
    def reviewed(self, obj):
        return obj.reviewed_at is not None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Mark the selected accesses as reviewed"),
        permissions=["change"],
    )
    def mark_reviewed(self, request, queryset):
        marked = 0
        for access in queryset:
            if mark_reviewed(access=access, reviewer=request.user):
                marked += 1
                self.log_change(request, access, [{"changed": {"fields": ["reviewed_at"]}}])
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d access as reviewed.",
                "Marked %(count)d accesses as reviewed.",
                marked,
            )
            % {"count": marked},
            messages.SUCCESS,
        )


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
class ClosedAccountAdmin(ClinicalLookupsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
