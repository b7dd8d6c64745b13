from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.selectors import patients_in_care_of
from patients.models import Patient
from patients.permissions import can_read_clinical_content


def readable_by(doctor, now=None, *, patient_field="patient"):
    """A Q for the rows whose `patient_field` is a patient whose records `doctor` may read
    now: one they look after (a care relationship), or one whose glass they broke, for as
    long as that access lasts."""
    broken = BreakGlassAccess.objects.lasting(now).filter(doctor=doctor.user).values("patient")
    return Q(**{f"{patient_field}__in": patients_in_care_of(doctor, now)}) | Q(
        **{f"{patient_field}__in": broken}
    )


class MedicalRecordQuerySet(models.QuerySet):
    def visible_to(self, user, now=None):
        """Own records for a patient; for a doctor, the records of the patients they look
        after now (records.permissions: the care relationship, or a broken glass); all for
        staff whose role reads clinical content (records officer), none for other staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_clinic_staff:
            return self.all() if can_read_clinical_content(user) else self.none()
        if (doctor := user.doctor_profile) is not None:
            return self.filter(readable_by(doctor, now))
        if user.is_patient:  # their own, and their dependants'
            return self.filter(patient__in=Patient.objects.managed_by(user))
        return self.none()


class MedicalRecord(models.Model):
    """What the doctor found and prescribed at a visit."""

    # Clinical content: never a filter in the admin, shown only to who may read it, logged.
    CLINICAL_FIELDS = ("diagnosis", "prescription", "notes")

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

    CLINICAL_FIELDS = ("diagnosis", "prescription", "notes", "reason")

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


class BreakGlassAccessQuerySet(models.QuerySet):
    def lasting(self, now=None):
        """The accesses that still open a patient's records now."""
        return self.filter(expires_at__gt=now or timezone.now())


class BreakGlassAccess(models.Model):
    """A doctor outside a care relationship opened a patient's records, giving a reason.

    Made by records.services.break_the_glass, with an access-log entry the patient sees;
    it opens the records until `expires_at`. Staff review each (the reviewer and when are
    all that ever changes).
    """

    class Reason(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency")
        COVERING = "covering", _("Covering for a colleague")

    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("doctor"),
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="break_glass_accesses",
        verbose_name=_("patient"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    explanation = models.CharField(
        _("explanation"), max_length=500, help_text=_("In the doctor's words.")
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("open until"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = BreakGlassAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("break-the-glass access")
        verbose_name_plural = _("break-the-glass accesses")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["doctor", "patient", "expires_at"], name="breakglass_lasting_idx")
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.doctor} → {self.patient}"

    @property
    def given_reason(self):
        """The reason and the explanation as the patient reads them."""
        return f"{self.get_reason_display()}: {self.explanation}"


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
