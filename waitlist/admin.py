"""The waitlist in the back office: entries by doctor, specialty and status (staff put a
patient on it through waitlist.services), the offers sent, claimed and expired, and the
freed time with the per-doctor "freed minutes refilled" figure."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from doctors.admin_filters import DoctorListFilter
from healthcare.core.admin import ReadOnlyAdminMixin, ServiceFormMixin, column, datetime_column
from healthcare.core.errors import DomainError
from waitlist import selectors, services
from waitlist.admin_forms import EntryAddForm
from waitlist.models import FreedTime, Offer, WaitlistEntry


class EntryStateFilter(admin.SimpleListFilter):
    """Waiting, expired (window over), fulfilled or left."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting")),
            ("expired", _("Expired")),
            ("fulfilled", WaitlistEntry.Status.FULFILLED.label),
            ("left", WaitlistEntry.Status.LEFT.label),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        waiting = Q(status=WaitlistEntry.Status.WAITING)
        match self.value():
            case "waiting":
                return queryset.filter(waiting, latest__gte=today)
            case "expired":
                return queryset.filter(waiting, latest__lt=today)
            case "fulfilled" | "left":
                return queryset.filter(status=self.value())
        return queryset


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ServiceFormMixin, admin.ModelAdmin):
    list_display = (
        "patient_name",
        "waits_for",
        "visit_type",
        "site",
        "earliest",
        "latest",
        "time_of_day",
        "state",
        "joined",
        "offers_sent",
    )
    list_select_related = ("patient__user", "doctor__user", "specialty", "visit_type", "site")
    list_filter = (EntryStateFilter, DoctorListFilter, "specialty", "visit_type", "site")
    search_fields = ("patient__user__first_name", "patient__user__last_name")
    ordering = ("created_at", "pk")
    readonly_fields = (
        "patient",
        "doctor",
        "specialty",
        "visit_type",
        "site",
        "appointment",
        "earliest",
        "latest",
        "weekdays",
        "time_of_day",
        "status",
        "added_by",
        "last_offered_at",
        "created_at",
    )
    actions = ("take_off",)

    add_form = EntryAddForm

    def get_add_form(self, request, **kwargs):
        return self.add_form(admin_site=self.admin_site, **kwargs)

    def perform_add(self, request, form):
        data = form.cleaned_data
        return services.join_waitlist(
            patient=data["patient"],
            actor=request.user,
            doctor=data["doctor"],
            specialty=None if data["doctor"] else data["specialty"],
            visit_type=data["type"],
            site=data["site"],
            earliest=data["earliest"],
            latest=data["latest"],
            weekdays=data["weekdays"],
            time_of_day=data["time_of_day"],
        )

    def has_delete_permission(self, request, obj=None):
        return False  # taken off (kept, as left), not deleted

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("offers")

    @admin.action(description=_("Take the selected patients off the waitlist"))
    def take_off(self, request, queryset):
        done = 0
        for entry in queryset.select_related("patient"):
            try:
                services.leave_waitlist(entry=entry, actor=request.user)
            except DomainError:
                continue
            done += 1
        self.message_user(
            request,
            ngettext("Took %(n)d entry off.", "Took %(n)d entries off.", done) % {"n": done},
            messages.SUCCESS,
        )

    patient_name = column(
        "patient.user.display_name", _("patient"), ordering="patient__user__last_name"
    )
    joined = datetime_column("created_at", _("joined"), ordering="created_at")

    @admin.display(description=_("waits for"))
    def waits_for(self, entry):
        return entry.target

    @admin.display(description=_("status"))
    def state(self, entry):
        return entry.state()

    @admin.display(description=_("offers"))
    def offers_sent(self, entry):
        return len(entry.offers.all())


class OfferStateFilter(admin.SimpleListFilter):
    """Open (sent, link working), claimed, expired or taken by someone else."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("claimed", Offer.Status.CLAIMED.label),
            ("expired", Offer.Status.EXPIRED.label),
            ("taken", Offer.Status.TAKEN.label),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        sent = Offer.Status.SENT
        match self.value():
            case "open":
                return queryset.filter(status=sent, expires_at__gt=now)
            case "expired":
                return queryset.filter(
                    Q(status=Offer.Status.EXPIRED) | Q(status=sent, expires_at__lte=now)
                )
            case "claimed" | "taken":
                return queryset.filter(status=self.value())
        return queryset


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Offers are made by the worker and claimed by patients: staff look only (no token shown)."""

    list_display = (
        "slot",
        "doctor",
        "visit_type",
        "site",
        "patient_name",
        "state",
        "sent",
        "expires",
        "claimed",
    )
    list_select_related = ("doctor__user", "entry__patient__user", "visit_type", "site")
    list_filter = (OfferStateFilter, DoctorListFilter)
    date_hierarchy = "start"
    fields = (
        "entry",
        "doctor",
        "visit_type",
        "site",
        "start",
        "end",
        "status",
        "freed_at",
        "created_at",
        "expires_at",
        "emailed_at",
        "claimed_at",
        "appointment",
    )

    slot = datetime_column("start", _("time offered"), ordering="start")
    sent = datetime_column("created_at", _("offered"), ordering="created_at")
    expires = datetime_column("expires_at", _("expires"), ordering="expires_at")
    claimed = datetime_column("claimed_at", _("claimed"), ordering="claimed_at")
    patient_name = column("entry.patient.user.display_name", _("patient"))

    @admin.display(description=_("status"))
    def state(self, offer):
        return offer.state_label()


@admin.register(FreedTime)
class FreedTimeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Time freed by cancelled or moved visits, and whether the waitlist refilled it; above
    the list, per doctor: the minutes freed and the share refilled."""

    list_display = ("doctor", "starts", "minutes", "freed", "refilled")
    list_select_related = ("doctor__user",)
    list_filter = (DoctorListFilter,)
    date_hierarchy = "freed_at"
    fields = ("doctor", "start", "end", "freed_at", "refilled_at")

    starts = datetime_column("start", _("start"), ordering="start")
    freed = datetime_column("freed_at", _("freed"), ordering="freed_at")
    refilled = datetime_column("refilled_at", _("refilled"), ordering="refilled_at")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "refill": selectors.refill_by_doctor()}
        return super().changelist_view(request, extra_context)
