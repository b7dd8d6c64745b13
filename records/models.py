from django.db import models
from django.utils.translation import gettext_lazy as _


class MedicalRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_clinic_staff:
            return self.all()
        if user.is_doctor and hasattr(user, "doctor"):
            # A doctor reads the records of patients they have seen or will see.
            return self.filter(patient__appointments__doctor=user.doctor).distinct()
        if user.is_patient and hasattr(user, "patient"):
            return self.filter(patient=user.patient)
        return self.none()


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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

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
