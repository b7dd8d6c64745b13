"""What the apps' admins share: service-backed add pages, read-only pages, columns that
show an attribute of a related object, how a date and time is shown to staff, and the
guard around clinical content."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from healthcare.core.errors import DomainError
from healthcare.core.forms import add_domain_error


def local_datetime(value):
    """A datetime as staff read it: in the clinic's zone, in the site's format
    (healthcare/formats), e.g. "Tue 8 Jan 2030, 09:30"."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def column(path, description, *, ordering=None, boolean=False, show=None):
    """A ModelAdmin column (for list_display or readonly_fields): the attribute at the
    dotted `path` of each object, passed through `show` if given; None where an object on
    the way is missing. E.g. `patient_name = column("patient.user.display_name",
    _("patient"), ordering="patient__user__last_name")`."""

    @admin.display(description=description, ordering=ordering, boolean=boolean)
    def display(model_admin, obj):
        value = obj
        for name in path.split("."):
            if value is None:
                break
            value = getattr(value, name)
        return show(value) if show else value

    return display


def datetime_column(path, description, *, ordering=None):
    """A column showing a date and time as staff read it (local_datetime; "—" if none)."""
    return column(path, description, ordering=ordering, show=local_datetime)


class ServiceFormMixin:
    """Admin add pages whose save is one call to a service instead of `form.save()`.

    The admin's own save path (save_form, then save_model) writes the row itself and
    cannot turn an error raised while saving into a form error. Services check and
    write in one transaction and raise DomainError, so these pages make the call
    themselves and show its error on the same form, with nothing saved.

    A subclass sets `add_form` and `add_fieldsets` and implements `perform_add`; with
    `continue_after_add`, "Save" goes on to the new object's change page (for what is
    entered once it exists), as "Save and continue editing" does.
    """

    add_form = None
    add_fieldsets = None
    continue_after_add = False

    def get_add_form(self, request, **kwargs):
        return self.add_form(**kwargs)

    def perform_add(self, request, form):
        """Create the object from `form.cleaned_data` through a service and return it.

        Raise DomainError or ValidationError to show an error on the form.
        """
        raise NotImplementedError

    def response_add(self, request, obj, post_url_continue=None):
        if (
            self.continue_after_add
            and "_addanother" not in request.POST
            and IS_POPUP_VAR not in request.POST
        ):
            request.POST = request.POST.copy()
            request.POST["_continue"] = 1
        return super().response_add(request, obj, post_url_continue)

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
                    add_domain_error(form, error)
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


class ReadOnlyAdminMixin:
    """Staff may look, nobody may add, change or delete here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperusersOnlyAdminMixin:
    """The site's machinery (background task rows, the staff roles' own definitions): IT's,
    that is superusers', whatever permissions a member of staff has been given; clinic
    staff see only the models they work with."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return self.has_module_permission(request) and allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return self.has_module_permission(request) and allowed


def clinical_fields(model):
    """The names of `model`'s fields that hold clinical content (its CLINICAL_FIELDS)."""
    return getattr(model, "CLINICAL_FIELDS", ())


def reaches_clinical_content(model, lookup):
    """Whether a query-string lookup on `model` reaches a clinical field, on the model
    itself (`diagnosis__icontains`) or through relations (`patient__allergies`)."""
    for part in lookup.split(LOOKUP_SEP):
        if part in clinical_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or a lookup type: no field further on
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class ClinicalLookupsMixin:
    """No list is filtered by clinical content: a lookup in the query string that reaches a
    clinical field (a model's CLINICAL_FIELDS), on the model or through relations, is
    refused (Django answers 400). For admins of models that have such fields or reach them
    where Django's own check would let the lookup through (a local field, a list filter)."""

    def lookup_allowed(self, lookup, value, request):
        if reaches_clinical_content(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


class ClinicalContentMixin(ClinicalLookupsMixin):
    """The admin of a model with clinical content (declared by the model's CLINICAL_FIELDS).

    - No list is filtered by clinical content: a lookup in the query string that reaches a
      clinical field, here or through relations, is refused (Django answers 400), so staff
      cannot find patients by their diagnosis without opening (and so logging) anything.
    - Staff who may not read clinical content see the pages without it: its fields and
      `clinical_columns` are left out.
    - Each page that shows clinical content logs it: a change page its object, a list one
      entry per row whose clinical columns it shows (`log_views`). With `log_every_view`,
      a change page is logged whether or not its clinical part is shown.

    A subclass says who may read clinical content and how a view is logged; both belong
    to the apps (healthcare.core knows neither permissions nor the access log).
    """

    clinical_columns = ()
    log_every_view = False

    def can_read_clinical_content(self, request):
        raise NotImplementedError

    def log_views(self, request, objects):
        """Write one access-log entry per object shown to `request.user`."""
        raise NotImplementedError

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if self.can_read_clinical_content(request):
            return columns
        return [column for column in columns if column not in self.clinical_columns]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.can_read_clinical_content(request):
            return fieldsets
        hidden = set(clinical_fields(self.model))
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if (
            self.clinical_columns
            and isinstance(response, TemplateResponse)
            and "cl" in (response.context_data or {})
            and self.can_read_clinical_content(request)
        ):
            self.log_views(request, list(response.context_data["cl"].result_list))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and isinstance(response, TemplateResponse)
            and (obj := (response.context_data or {}).get("original")) is not None
            and (self.log_every_view or self.can_read_clinical_content(request))
        ):
            self.log_views(request, [obj])
        return response
