"""The desk keeps no data of its own: it works on patients, doctors and appointments.

`Reports` is no table, only the holder of the permission to read the clinic's figures
(a permission needs a model to belong to); the Clinic manager role holds it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reports(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can see the clinic's reports (aggregate figures)"))]
        verbose_name = _("reports")
        verbose_name_plural = _("reports")

    def __str__(self):
        return str(self._meta.verbose_name)
