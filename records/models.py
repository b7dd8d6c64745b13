from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from appointments.selectors import visible_patients
from patients.models import Patient


class MedicalRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Own records for a patient; their patients' records for a doctor; all for staff."""
        return self.filter(patient__in=visible_patients(user))


class MedicalRecord(models.Model):
    """What the doctor found and prescribed at a visit."""

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="medical_records",
        verbose_name=_("patient"),
    )
    doctor = models.ForeignKey(
        "doctors.Doctor",
        on_delete=models.PROTECT,
        related_name="medical_records",
        verbose_name=_("doctor"),
    )
    appointment = models.OneToOneField(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="medical_record",
        verbose_name=_("appointment"),
    )
    diagnosis = models.TextField(_("diagnosis"), max_length=5000)
    prescription = models.TextField(_("prescription"), max_length=5000, blank=True)
    notes = models.TextField(_("notes"), max_length=10000, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    purged_at = models.DateTimeField(
        _("purged"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the retention period ended and the content was erased."),
    )

    objects = MedicalRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("medical record")
        verbose_name_plural = _("medical records")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="record_patient_created_idx")
        ]

    def __str__(self):
        return f"{self.patient} — {self.created_at:%Y-%m-%d}: {self.diagnosis[:60]}"


class MedicalRecordVersion(models.Model):
    """One kept state of a record: the original and every amendment, never changed.

    Append-only in the database too (healthcare.core.appendonly): the one change its
    triggers allow is the retention purge's tombstone, which blanks the text and sets
    `purged_at` once; who wrote which version when stays.
    """

    record = models.ForeignKey(
        MedicalRecord, on_delete=models.PROTECT, related_name="versions", verbose_name=_("record")
    )
    version = models.PositiveIntegerField(_("version"))
    diagnosis = models.TextField(_("diagnosis"))
    prescription = models.TextField(_("prescription"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    reason = models.CharField(
        _("reason for the change"), max_length=500, blank=True, help_text=_("Why it was amended.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("record version")
        verbose_name_plural = _("record versions")
        ordering = ["record", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="record_version_unique"),
        ]

    def __str__(self):
        return f"{self.record} (v{self.version})"

    FIELDS = ("diagnosis", "prescription", "notes")

    def changed_fields(self, previous):
        """The names of the fields that differ from the previous version."""
        if previous is None:
            return list(self.FIELDS)
        return [f for f in self.FIELDS if getattr(self, f) != getattr(previous, f)]


class ClosedAccountManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(closed_at__isnull=False, purged_at__isnull=True)


class ClosedAccount(Patient):
    """A patient whose account is closed: their records' retention, for staff to review."""

    objects = ClosedAccountManager()

    class Meta:
        proxy = True
        verbose_name = _("closed account (retention)")
        verbose_name_plural = _("closed accounts (retention)")
