from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.admin_forms import UserAddForm, UserAdminChangeForm
from accounts.models import SecurityEvent, User
from accounts.services import register_patient, retire_user
from healthcare.errors import DomainError


class ServiceFormMixin:
    """Admin add pages whose save is one call to a service instead of `form.save()`.

    The admin's own save path (save_form, then save_model) writes the row itself and
    cannot turn an error raised while saving into a form error. Services check and
    write in one transaction and raise DomainError, so these pages make the call
    themselves and show its error on the same form, with nothing saved.

    A subclass sets `add_form` and `add_fieldsets` and implements `perform_add`.
    """

    add_form = None
    add_fieldsets = None

    def get_add_form(self, request, **kwargs):
        return self.add_form(**kwargs)

    def perform_add(self, request, form):
        """Create the object from `form.cleaned_data` through a service and return it.

        Raise DomainError or ValidationError to show an error on the form.
        """
        raise NotImplementedError

    @method_decorator(sensitive_post_parameters())
    def add_view(self, request, form_url="", extra_context=None):
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            raise DisallowedModelAdminToField(f"The field {to_field} cannot be referenced.")
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = self.get_add_form(request, data=request.POST, files=request.FILES)
            if form.is_valid():
                try:
                    obj = self.perform_add(request, form)
                except DomainError as error:
                    for field, message in (error.fields or {None: error.message}).items():
                        form.add_error(field if field in form.fields else None, message)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.log_addition(request, obj, [{"added": {}}])
                    return self.response_add(request, obj)
        else:
            form = self.get_add_form(request, initial=self.get_changeform_initial_data(request))
        fieldsets = self.add_fieldsets or [(None, {"fields": list(form.fields)})]
        return self.render_service_form(
            request, form, fieldsets=fieldsets, form_url=form_url, extra_context=extra_context
        )

    def render_service_form(
        self,
        request,
        form,
        *,
        fieldsets,
        obj=None,
        readonly_fields=(),
        form_url="",
        extra_context=None,
    ):
        """Render the standard add/change page for a form this class handles itself."""
        add = obj is None
        admin_form = helpers.AdminForm(form, list(fieldsets), {}, readonly_fields, model_admin=self)
        title = _("Add %s") if add else _("Change %s")
        context = {
            **self.admin_site.each_context(request),
            "title": title % self.opts.verbose_name,
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": None if add else obj.pk,
            "original": obj,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)),
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )


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
        for attribute, label in (("doctor", _("Doctor profile")), ("patient", _("Patient record"))):
            profile = getattr(obj, attribute, None)
            if profile is not None:
                opts = profile._meta
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[profile.pk])
                return format_html('<a href="{}">{}</a>', url, label)
        return "—"

    def save_model(self, request, obj, form, change):
        # Unticking "active" retires the login as the API does, upcoming visits and all.
        retiring = change and "is_active" in form.changed_data and not obj.is_active
        if retiring:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if retiring:
            retire_user(user=obj, actor=request.user)

    def add_view(self, request, form_url="", extra_context=None):
        # As in Django's own user admin: whoever adds users must be able to change them.
        if not self.has_change_permission(request):
            raise PermissionDenied
        return super().add_view(request, form_url, extra_context)

    def perform_add(self, request, form):
        data = form.cleaned_data
        password = data["password1"] if data["set_usable_password"] else None
        if data["role"] == User.Role.PATIENT:
            return register_patient(
                email=data["email"],
                password=password,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
            )
        user = form.save(commit=False)
        user.role = User.Role.ADMIN
        user.is_staff = True
        user.save()
        return user


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("when"), ordering="created_at")
    def when(self, obj):
        return date_format(timezone.localtime(obj.created_at), "D j M Y, H:i")
