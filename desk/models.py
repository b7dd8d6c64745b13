"""The desk keeps no records of its own: it works on patients, doctors and appointments,
and keeps two small tables of figures for the reports (DailyFigures, FirstSlotWait).

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


class DailyFigures(models.Model):
    """One doctor's day at one site, counted: the reports' summary table.

    Kept exact in the same transaction as every change to an appointment (desk.figures,
    from the Appointment's save and delete signals), so a report sums at most days ×
    doctors × sites of these rows instead of reading the appointments. `manage.py
    rebuild_daily_figures` recomputes it from the appointments (after bulk loads that
    bypass save()). Days and hours are the clinic's local time; `h00`…`h23` count the
    visits (not cancelled) starting in that local hour.
    """

    day = models.DateField(_("day"))
    doctor = models.ForeignKey(
        "doctors.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor")
    )
    site = models.ForeignKey(
        "doctors.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    # Plain integers (no CHECK >= 0): a new visit is added by an upsert of increments.
    visits = models.IntegerField(_("visits"), default=0)
    active = models.IntegerField(_("not cancelled"), default=0)
    cancelled = models.IntegerField(_("cancelled"), default=0)
    noshow = models.IntegerField(_("no-shows"), default=0)
    booked_seconds = models.BigIntegerField(_("booked seconds"), default=0)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "day", "site"], name="desk_dailyfigures_one_per_doctor_day_site"
            )
        ]
        indexes = [models.Index(fields=["day"], name="desk_dailyfigures_day_idx")]

    def __str__(self):
        return f"{self.day} {self.doctor_id}@{self.site_id}"


HOURS = [f"h{hour:02d}" for hour in range(24)]
for _name in HOURS:
    DailyFigures.add_to_class(_name, models.IntegerField(default=0))


ALL_SITES = 0


class FirstVisit(models.Model):
    """When a patient first came (a visit not cancelled) to the clinic, and to each site:
    the reports' "new patients" in a period are those whose first visit falls in it.

    `site` is a site's id, or 0 (ALL_SITES) for the clinic as a whole (a plain number,
    so one unique key covers both). Kept with DailyFigures (desk.figures).
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="+", verbose_name=_("patient")
    )
    site = models.PositiveBigIntegerField(_("site (0: every site)"))
    start = models.DateTimeField(_("first visit"))

    class Meta:
        verbose_name = _("first visit")
        verbose_name_plural = _("first visits")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "site"], name="desk_firstvisit_one_per_patient_site"
            )
        ]
        indexes = [models.Index(fields=["site", "start"], name="desk_firstvisit_site_start_idx")]

    def __str__(self):
        return f"{self.patient_id}@{self.site}: {self.start}"


class FirstSlotWait(models.Model):
    """How many days ahead the first free slot of a specialty lay, as seen on a day.

    Recorded once a day per specialty by the task worker (desk.tasks, from the patients'
    "first available" search); the reports show the median over a period.
    """

    day = models.DateField(_("day"))
    specialty = models.ForeignKey(
        "doctors.Specialty", on_delete=models.CASCADE, related_name="+", verbose_name=_("specialty")
    )
    measured_at = models.DateTimeField(_("measured at"))
    # None: no free slot within the booking horizon.
    days = models.FloatField(_("days to the first free slot"), null=True)

    class Meta:
        verbose_name = _("first free slot wait")
        verbose_name_plural = _("first free slot waits")
        constraints = [
            models.UniqueConstraint(
                fields=["specialty", "day"], name="desk_firstslotwait_one_per_specialty_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.specialty_id}: {self.days}"
