"""The clinic's back office for appointments, and the admin pages of other apps whose
saves cancel visits (retiring a login, a doctor's time off).

Every write goes through appointments.services, exactly as for patients and doctors:
adding books (book_appointment), changing the time reschedules, and status changes
are admin actions calling change_status / cancel_appointment. So staff cannot create
an overlapping or off-hours appointment either, and the status only moves along the
allowed transitions.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin import UserAdmin
from accounts.models import User
from appointments.admin_forms import (
    AppointmentAddForm,
    AppointmentChangeForm,
    CancelAppointmentsForm,
    ClosureAddForm,
    TimeOffAddForm,
)
from appointments.models import Appointment
from appointments.selectors import free_slots
from appointments.services import (
    PatientInactive,
    SlotUnavailable,
    TimeOffConflict,
    add_closure,
    add_time_off,
    allowed_transitions,
    book_appointment,
    cancel_appointment,
    change_status,
    reschedule_appointment,
    retire_user,
)
from doctors.admin_filters import DoctorListFilter
from doctors.models import Closure, TimeOff
from doctors.services import remove_closure, remove_time_off
from healthcare.core.admin import ServiceFormMixin, column, datetime_column, local_datetime
from healthcare.core.errors import DomainError
from patients.admin_clinical import ClinicalContentAdmin
from patients.models import AccessLog

Status = Appointment.Status
BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def free_times_hint(doctor, start):
    """A line naming the doctor's free times on that day, to pick another slot from."""
    day = timezone.localdate(start)
    times = [f"{timezone.localtime(slot.start):%H:%M}" for slot in free_slots(doctor, day, day)]
    if not times:
        return _("%(doctor)s has no free time that day.") % {"doctor": doctor}
    return _("Free times that day: %(times)s.") % {"times": ", ".join(times)}


@admin.register(Appointment)
class AppointmentAdmin(ClinicalContentAdmin, ServiceFormMixin, admin.ModelAdmin):
    """Appointments. The reason for a visit and for its cancellation are clinical content:
    shown (and logged, a list row by row) only to staff who may read it."""

    access_target = AccessLog.Target.APPOINTMENT
    clinical_columns = ("short_reason",)
    list_display = (
        "when",
        "patient_name",
        "doctor_name",
        "specialty",
        "visit_type",
        "site",
        "status",
        "short_reason",
    )
    list_select_related = (
        "patient__user",
        "doctor__user",
        "doctor__specialty",
        "visit_type",
        "site",
    )
    list_filter = ("status", DoctorListFilter, "doctor__specialty", "visit_type", "site")
    search_fields = (
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
        "doctor__user__first_name",
        "doctor__user__last_name",
        "doctor__user__email",
    )
    date_hierarchy = "start"
    ordering = ("-start",)
    actions = ("cancel_selected", "check_in", "mark_fulfilled", "mark_noshow")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "patient",
                    "doctor",
                    "visit_type",
                    "site",
                    "start",
                    "end",
                    "busy_until",
                    "status",
                    "reason",
                )
            },
        ),
        (
            gettext_lazy("Cancellation"),
            {"fields": ("cancelled_by", "cancelled_at", "cancellation_reason")},
        ),
        (
            gettext_lazy("History"),
            {"fields": ("booked_by", "sequence", "created_at", "updated_at")},
        ),
    )

    add_form = AppointmentAddForm
    add_fieldsets = (
        (None, {"fields": ("patient", "doctor", "visit_type", "site", "start", "reason")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "patient__user",
                "doctor__user",
                "doctor__specialty",
                "booked_by",
                "cancelled_by",
                "visit_type",
                "site",
            )
        )

    # -- the list -------------------------------------------------------------------------

    when = datetime_column("start", gettext_lazy("when"), ordering="start")
    patient_name = column(
        "patient.user.display_name", gettext_lazy("patient"), ordering="patient__user__last_name"
    )
    doctor_name = column(
        "doctor", gettext_lazy("doctor"), ordering="doctor__user__last_name", show=str
    )
    specialty = column(
        "doctor.specialty.name", gettext_lazy("specialty"), ordering="doctor__specialty__name"
    )

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj):
        return Truncator(obj.reason).chars(60)

    # -- permissions ----------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        # Appointments are cancelled, not deleted: the history stays.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Not even IT deletes appointments in bulk: one at a time, on its own page.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        readonly = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        if obj is not None and obj.status == Status.BOOKED:
            readonly.remove("start")  # only a booked appointment can be moved
        return readonly

    # -- adding: book_appointment ---------------------------------------------------------

    def get_add_form(self, request, **kwargs):
        return self.add_form(admin_site=self.admin_site, **kwargs)

    def perform_add(self, request, form):
        data = form.cleaned_data
        try:
            return book_appointment(
                patient=data["patient"],
                doctor=data["doctor"],
                start=data["start"],
                reason=data["reason"],
                booked_by=request.user,
                visit_type=data["visit_type"],
                site=data["site"],
            )
        except SlotUnavailable as error:
            hint = free_times_hint(data["doctor"], data["start"])
            raise ValidationError({"start": f"{error.message} {hint}"}) from error
        except PatientInactive as error:
            raise ValidationError({"patient": error.message}) from error

    # -- changing: reschedule_appointment -------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            # Not through modelform_factory: that would copy the new time onto the
            # appointment while validating; only the service may move it.
            return AppointmentChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def _is_action(self, request):
        """Whether this POST to the change page runs an admin action (as Django decides)."""
        action_field = self.action_form(prefix=ActionLocation.CHANGE_FORM.value)["action"]
        return action_field.html_name in request.POST and not any(
            button in request.POST for button in ("_save", "_continue", "_addanother")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "POST" or self._is_action(request):
            return super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        readonly_fields = self.get_readonly_fields(request, obj)
        if "start" in readonly_fields:
            return HttpResponseRedirect(request.path)  # nothing on this page can change
        form = AppointmentChangeForm(request.POST, instance=obj)
        if form.is_valid():
            if not form.has_changed():
                return self.response_change(request, obj)
            try:
                obj = reschedule_appointment(
                    appointment=obj, start=form.cleaned_data["start"], actor=request.user
                )
            except DomainError as error:
                message = error.message
                if isinstance(error, SlotUnavailable):
                    message = f"{message} {free_times_hint(obj.doctor, form.cleaned_data['start'])}"
                form.add_error("start", message)
            else:
                self.log_change(request, obj, self.construct_change_message(request, form, []))
                return self.response_change(request, obj)
        return self.render_service_form(
            request,
            form,
            obj=obj,
            fieldsets=self.get_fieldsets(request, obj),
            readonly_fields=readonly_fields,
            form_url=form_url,
            extra_context=extra_context,
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and obj.status != Status.BOOKED:
            # Nothing to save on a closed appointment; its status moves through actions.
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # Every save path of this admin calls a service; refuse any that would not.
        raise NotImplementedError("Appointments are written through appointments.services.")

    # -- status actions: change_status / cancel_appointment --------------------------------

    def _change_status(self, request, queryset, to, done_message):
        done = 0
        for appointment in queryset:
            try:
                updated = change_status(appointment=appointment, to=to, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{appointment}: {error.message}", messages.ERROR)
            else:
                done += 1
                self.log_change(request, updated, [{"changed": {"fields": ["status"]}}])
        if done:
            self.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Check the patient in"),
        description_plural=gettext_lazy("Check in the selected patients"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def check_in(self, request, queryset):
        self._change_status(
            request,
            queryset,
            Status.CHECKED_IN,
            lambda n: ngettext(
                "Checked in %(count)d appointment.", "Checked in %(count)d appointments.", n
            ),
        )

    @admin.action(
        description=gettext_lazy("Mark the visit as fulfilled"),
        description_plural=gettext_lazy("Mark the selected visits as fulfilled"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def mark_fulfilled(self, request, queryset):
        self._change_status(
            request,
            queryset,
            Status.FULFILLED,
            lambda n: ngettext(
                "Marked %(count)d appointment as fulfilled.",
                "Marked %(count)d appointments as fulfilled.",
                n,
            ),
        )

    @admin.action(
        description=gettext_lazy("Record a no-show"),
        description_plural=gettext_lazy("Record a no-show for the selected appointments"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def mark_noshow(self, request, queryset):
        self._change_status(
            request,
            queryset,
            Status.NOSHOW,
            lambda n: ngettext("Recorded %(count)d no-show.", "Recorded %(count)d no-shows.", n),
        )

    @admin.action(
        description=gettext_lazy("Cancel this appointment"),
        description_plural=gettext_lazy("Cancel selected appointments"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def cancel_selected(self, request, queryset):
        """Ask for the reason the patient will see, then cancel each appointment."""
        appointments = list(queryset.order_by("start"))
        form = CancelAppointmentsForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            cancelled = 0
            for appointment in appointments:
                try:
                    updated = cancel_appointment(
                        appointment=appointment,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except DomainError as error:
                    self.message_user(
                        request,
                        _("Not cancelled: %(appointment)s. %(error)s")
                        % {"appointment": appointment, "error": error.message},
                        messages.ERROR,
                    )
                else:
                    cancelled += 1
                    self.log_change(request, updated, [{"changed": {"fields": ["status"]}}])
            if cancelled:
                self.message_user(
                    request,
                    ngettext(
                        "Cancelled %(count)d appointment.",
                        "Cancelled %(count)d appointments.",
                        cancelled,
                    )
                    % {"count": cancelled},
                    messages.SUCCESS,
                )
            return None

        # Which form posted here: the list's action menu or the one on a change page.
        change_form_action = self.action_form(prefix=ActionLocation.CHANGE_FORM.value)["action"]
        action_field_name = (
            change_form_action.html_name
            if change_form_action.html_name in request.POST
            else "action"
        )
        rows = [
            (appointment, Status.CANCELLED in allowed_transitions(appointment, request.user))
            for appointment in appointments
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel appointments"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "rows": rows,
            "any_cancellable": any(cancellable for _appointment, cancellable in rows),
            "action_field_name": action_field_name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/appointments/appointment/cancel_selected.html", context
        )


def add_with_confirmation(model_admin, request, form, add):
    """Add time off or a closure: the first save lists the booked visits it hits (nothing
    saved), the next, with the box ticked, cancels exactly those (the service checks)."""
    data = form.cleaned_data
    try:
        added, cancelled = add(
            # Only ever what staff were shown: the first save lists, the next confirms.
            cancel_appointments=data["cancel_appointments"] and bool(data["confirmed"]),
            confirmed_ids=data["confirmed"],
        )
    except TimeOffConflict as conflict:
        form.list_conflict(conflict.appointments)
        hit = "; ".join(
            f"{local_datetime(appointment.start)} {appointment.patient.user.display_name}"
            for appointment in conflict.appointments
        )
        message = f"{conflict.message} ({hit})"
        if conflict.can_confirm:
            message += " " + _(
                "Tick the box and save again to add it and cancel them; "
                "the patients are told the reason."
            )
        raise ValidationError({"cancel_appointments": message}) from conflict
    if cancelled:
        model_admin.message_user(
            request,
            ngettext(
                "Cancelled %(count)d appointment.",
                "Cancelled %(count)d appointments.",
                len(cancelled),
            )
            % {"count": len(cancelled)},
            messages.WARNING,
        )
    return added


class ClosedTimeAdmin(ServiceFormMixin, admin.ModelAdmin):
    """The admin of a time that cancels the visits in it (time off, closures): added
    through its service, which lists the booked visits first and cancels them only once
    staff confirm; never edited (a new time could hit other bookings: delete and re-add).
    A subclass names its service call in `add_closed_time`."""

    date_hierarchy = "start"
    ordering = ("-start",)

    def add_closed_time(self, data, actor, **confirmation):
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        return False

    def get_add_form(self, request, **kwargs):
        return self.add_form(admin_site=self.admin_site, **kwargs)

    def perform_add(self, request, form):
        return add_with_confirmation(
            self,
            request,
            form,
            lambda **confirmation: self.add_closed_time(
                form.cleaned_data, request.user, **confirmation
            ),
        )

    starts = datetime_column("start", gettext_lazy("from"), ordering="start")
    ends = datetime_column("end", gettext_lazy("until"), ordering="end")


@admin.register(TimeOff)
class TimeOffAdmin(ClosedTimeAdmin):
    """Time off is added through appointments.services.add_time_off: booked appointments
    in it are listed first and cancelled only once staff confirm. An entry is not edited
    (a new time could hit other bookings): delete it and add the right one.

    Registered here for doctors.TimeOff, because adding one cancels visits."""

    list_display = ("doctor", "starts", "ends", "reason")
    list_select_related = ("doctor__user",)
    list_filter = (DoctorListFilter, "doctor__specialty")
    search_fields = ("doctor__user__first_name", "doctor__user__last_name", "reason")
    fields = ("doctor", "start", "end", "reason")

    add_form = TimeOffAddForm
    add_fieldsets = (
        (
            None,
            {"fields": ("doctor", "start", "end", "reason", "cancel_appointments", "confirmed")},
        ),
    )

    def add_closed_time(self, data, actor, **confirmation):
        return add_time_off(
            doctor=data["doctor"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            actor=actor,
            **confirmation,
        )

    def delete_model(self, request, obj):
        remove_time_off(time_off=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for time_off in queryset.select_related("doctor"):
            remove_time_off(time_off=time_off, actor=request.user)


admin.site.unregister(User)


@admin.register(User)
class RetiringUserAdmin(UserAdmin):
    """The user admin, where unticking "active" retires the login as the API does.

    Retiring cancels the login's visits still to come (appointments.services.retire_user),
    which accounts, below appointments, cannot do; so this app registers the user admin
    again with that one behaviour added, and accounts' UserAdmin stays free of it.
    """

    def save_model(self, request, obj, form, change):
        # Unticking "active" retires the login as the API does, upcoming visits and all.
        retiring = change and "is_active" in form.changed_data and not obj.is_active
        if retiring:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if retiring:
            retire_user(user=obj, actor=request.user)


@admin.register(Closure)
class ClosureAdmin(ClosedTimeAdmin):
    """Closures of the clinic or a site (bank holidays), added through
    appointments.services.add_closure exactly as time off: the booked visits in it are
    listed first and cancelled only once staff confirm. Registered here for
    doctors.Closure, because adding one cancels visits; not edited (delete and re-add)."""

    list_display = ("where", "starts", "ends", "reason")
    list_select_related = ("site",)
    list_filter = ("site",)
    fields = ("site", "start", "end", "reason")

    add_form = ClosureAddForm
    add_fieldsets = (
        (
            None,
            {"fields": ("site", "start", "end", "reason", "cancel_appointments", "confirmed")},
        ),
    )

    def add_closed_time(self, data, actor, **confirmation):
        return add_closure(
            site=data["site"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            actor=actor,
            **confirmation,
        )

    def delete_model(self, request, obj):
        remove_closure(closure=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for closure in queryset:
            remove_closure(closure=closure, actor=request.user)

    @admin.display(description=gettext_lazy("where"), ordering="site__name")
    def where(self, obj):
        return obj.site or _("Whole clinic")
