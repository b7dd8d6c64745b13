from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = _("Waitlist")

    def ready(self):
        # Freed time (doctors.signals.time_freed, sent inside the freeing transaction)
        # becomes an offer task written in that same transaction.
        from doctors.signals import time_freed
        from waitlist import receivers

        time_freed.connect(receivers.time_freed, dispatch_uid="waitlist.time_freed")
