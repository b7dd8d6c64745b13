"""The security log: who logged in, failed to, logged out, or changed something in the admin.

Django's own signals report every log-in, failed log-in and log-out, whatever the page
(the site's log-in, the admin's, the test client's), so the log cannot miss one; the
admin's change history (LogEntry) reports every addition, change and deletion made by
staff. The API's token endpoints, which Django's signals do not see, call `record`.
"""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import SecurityEvent, User, UserManager
from healthcare.core.http import client_ip

Kind = SecurityEvent.Kind
ADMIN_KINDS = {
    ADDITION: Kind.ADMIN_ADDITION,
    CHANGE: Kind.ADMIN_CHANGE,
    DELETION: Kind.ADMIN_DELETION,
}


def record(kind, *, request=None, actor=None, email="", target="", detail=""):
    """Append one row to the security log."""
    if actor is not None and not email:
        email = actor.email or ""
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor if isinstance(actor, User) and actor.pk else None,
        email=str(email)[:254],
        target=str(target)[:255],
        detail=detail,
        ip_address=client_ip(request),
        user_agent=user_agent[:300],
    )


@receiver(user_logged_in, dispatch_uid="security_log_login")
def _logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        record(Kind.LOGOUT, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the address is kept.
    tried = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    record(Kind.LOGIN_FAILED, request=request, email=UserManager.normalize_email(str(tried)))


def _admin_target(entry_or_obj, model=None):
    if isinstance(entry_or_obj, LogEntry):
        ct = entry_or_obj.content_type
        label = f"{ct.app_label}.{ct.model}" if ct else "?"
        return f"{label} #{entry_or_obj.object_id}: {entry_or_obj.object_repr}"
    opts = model._meta
    return f"{opts.app_label}.{opts.model_name} #{entry_or_obj.pk}: {entry_or_obj}"


@receiver(post_save, sender=LogEntry, dispatch_uid="security_log_admin_change")
def _admin_logged(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    record(
        ADMIN_KINDS.get(instance.action_flag, Kind.ADMIN_CHANGE),
        actor=instance.user,
        target=_admin_target(instance),
        detail=instance.get_change_message(),
    )


def audited_delete_selected(modeladmin, request, queryset):
    """Django's "delete selected" action, with each deleted object in the security log.

    For more than one object the admin writes its history with bulk_create, which sends
    no post_save, so those deletions are recorded here (one is recorded like any other).
    """
    objects = list(queryset) if request.POST.get("post") else []
    response = delete_selected(modeladmin, request, queryset)
    if response is None and len(objects) > 1:
        for obj in objects:
            record(
                Kind.ADMIN_DELETION,
                request=request,
                actor=request.user,
                target=_admin_target(obj, queryset.model),
            )
    return response


audited_delete_selected.allowed_permissions = delete_selected.allowed_permissions
audited_delete_selected.short_description = delete_selected.short_description


def install():
    """Connect the receivers (by importing this module) and audit the admin's bulk deletion."""
    admin.site.add_action(audited_delete_selected, "delete_selected")
