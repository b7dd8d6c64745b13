from django.apps import AppConfig
from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Front desk and reports")

    def ready(self):
        # The reports' summary table follows every change to an appointment, in the
        # change's transaction (desk.figures).
        from appointments.models import Appointment
        from desk import figures

        def loaded(sender, instance, **kwargs):
            figures.remember(instance)

        def saving(sender, instance, raw=False, **kwargs):
            if not raw:
                figures.before_save(instance)

        def saved(sender, instance, created, **kwargs):
            figures.after_change(instance, created=created)

        def deleted(sender, instance, **kwargs):
            figures.after_change(instance, deleted=True)

        post_init.connect(loaded, sender=Appointment, weak=False, dispatch_uid="desk_figures_init")
        pre_save.connect(saving, sender=Appointment, weak=False, dispatch_uid="desk_figures_pre")
        post_save.connect(saved, sender=Appointment, weak=False, dispatch_uid="desk_figures_save")
        post_delete.connect(
            deleted, sender=Appointment, weak=False, dispatch_uid="desk_figures_del"
        )
