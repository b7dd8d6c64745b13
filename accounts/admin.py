from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.admin_forms import UserAddForm, UserAdminChangeForm
from accounts.models import SecurityEvent, User
from healthcare.core.admin import (
    ReadOnlyAdminMixin,
    ServiceFormMixin,
    SuperusersOnlyAdminMixin,
    datetime_column,
)

# No admin page shows a token or a secret. simplejwt's pages show whole refresh tokens
# (staff could use the API as anyone) and let staff delete blacklist rows (reviving a
# logged-out token); django-otp's show authenticator secrets and recovery codes. Ending
# someone's sessions and resetting their second factor are the user admin's actions.
for _model in (OutstandingToken, BlacklistedToken, TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# The background tasks' rows and the roles' definitions are IT's (superusers'): clinic
# staff see only what they work with, whatever permissions a role was given.
admin.site.unregister(Group)
admin.site.unregister(DBTaskResult)  # registered on import of its admin module, above


@admin.register(Group)
class RoleAdmin(SuperusersOnlyAdminMixin, GroupAdmin):
    pass


@admin.register(DBTaskResult)
class TaskResultAdmin(SuperusersOnlyAdminMixin, DBTaskResultAdmin):
    pass


@admin.register(User)
class UserAdmin(ServiceFormMixin, DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAddForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "phone",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone", "picture")}),
        (_("Role"), {"fields": ("role", "profile")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("email", "first_name", "last_name", "role", "phone", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name", "phone")
    ordering = ("last_name", "first_name", "email")
    actions = ["end_all_sessions", "reset_second_factor"]

    def _for_each_user(self, request, queryset, service, done):
        """Call `service` for each selected user that this staff member may change (a
        superuser only by a superuser) and say how many (`done`, counting "count")."""
        users = [user for user in queryset if self.has_change_permission(request, user)]
        for user in users:
            service(user=user, actor=request.user, request=request)
        self.message_user(request, done % {"count": len(users)}, messages.SUCCESS)

    @admin.action(description=_("End all sessions (log out everywhere)"), permissions=["change"])
    def end_all_sessions(self, request, queryset):
        self._for_each_user(
            request,
            queryset,
            services.end_sessions,
            ngettext_lazy(
                "Ended every session of %(count)d user: browsers and apps must log in again.",
                "Ended every session of %(count)d users: browsers and apps must log in again.",
                "count",
            ),
        )

    @admin.action(
        description=_("Reset second factor (lost phone): set up anew at next log-in"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        self._for_each_user(
            request,
            queryset,
            services.reset_second_factor,
            ngettext_lazy(
                "Reset the second factor of %(count)d user and ended their sessions.",
                "Reset the second factor of %(count)d users and ended their sessions.",
                "count",
            ),
        )

    def has_change_permission(self, request, obj=None):
        # Otherwise staff allowed to edit users could take over a superuser's login.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A role goes with a profile (a doctor's or a patient's), so it is set once, when
        # the account is made. Only superusers hand out admin rights.
        readonly = ["role", "profile", "last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    @admin.display(description=_("profile"))
    def profile(self, obj):
        for profile, label in (
            (obj.doctor_profile, _("Doctor profile")),
            (obj.patient_profile, _("Patient record")),
        ):
            if profile is not None:
                opts = profile._meta
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[profile.pk])
                return format_html('<a href="{}">{}</a>', url, label)
        return "—"

    def add_view(self, request, form_url="", extra_context=None):
        # As in Django's own user admin: whoever adds users must be able to change them.
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().add_view(request, form_url, extra_context)

    def perform_add(self, request, form):
        # Clinic staff only: patients and doctors are added with their record or profile.
        user = form.save(commit=False)
        user.role = User.Role.ADMIN
        user.is_staff = True
        user.save()
        if not user.has_usable_password():
            services.invite(user=user, actor=request.user, request=request)
            self.message_user(
                request, _("An invitation to choose a password was emailed to %s.") % user.email
            )
        return user


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Log-ins, failed log-ins, log-outs and staff changes. Rows are only ever appended."""

    list_display = ("when", "kind", "actor", "email", "ip_address", "target")
    list_select_related = ("actor",)
    list_filter = ("kind", "created_at")
    search_fields = ("email", "actor__email", "ip_address", "target")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "created_at",
        "kind",
        "actor",
        "email",
        "ip_address",
        "user_agent",
        "target",
        "detail",
    )
    readonly_fields = fields

    when = datetime_column("created_at", _("when"), ordering="created_at")
