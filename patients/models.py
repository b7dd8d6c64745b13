from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Who a user may see: themself (patient), their patients (doctor), all (staff).

        A doctor's patients are those with an appointment with them that was not cancelled.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_clinic_staff:
            return self.all()
        if (doctor := user.doctor_profile) is not None:
            from appointments.models import Appointment

            return self.filter(
                models.Exists(
                    Appointment.objects.active().filter(
                        patient=models.OuterRef("pk"), doctor=doctor
                    )
                )
            )
        if user.is_patient:
            return self.filter(user=user)
        return self.none()


class Patient(models.Model):
    """The medical side of a patient's account: what a doctor needs to know before a visit."""

    class BloodType(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        A_POS = "A+", "A+"
        A_NEG = "A-", "A−"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B−"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB−"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O−"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="patient",
        verbose_name=_("user"),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    blood_type = models.CharField(
        _("blood type"), max_length=3, choices=BloodType, default=BloodType.UNKNOWN, blank=True
    )
    allergies = models.TextField(
        _("allergies"), blank=True, help_text=_("Known allergies, one per line.")
    )
    medical_history = models.TextField(_("medical history"), blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=32, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True)
                | models.Q(date_of_birth__gt=date(1900, 1, 1)),
                name="patients_patient_plausible_date_of_birth",
            ),
        ]

    def __str__(self):
        return self.user.display_name

    def age(self, on=None):
        if not self.date_of_birth:
            return None
        on = on or timezone.localdate()
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
