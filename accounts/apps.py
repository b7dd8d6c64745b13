from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from healthcare.core import appendonly

# The migration that makes the security log append-only in the database.
MIGRATION = ("accounts", "0006_security_log_append_only")


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import audit, languages, second_factor, sessions  # noqa: F401 (receivers)

        audit.install()
        appendonly.protect(self, appendonly.AppendOnly("accounts_securityevent", since=MIGRATION))
