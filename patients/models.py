from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthcare.core.phone import PhoneNumberField
from healthcare.core.validators import validate_single_line


class PatientQuerySet(models.QuerySet):
    def managed_by(self, user):
        """The patients `user` acts for: themself and their dependants (family members
        whose care they manage, linked by an active Guardianship)."""
        return self.filter(models.Q(user=user) | models.Q(pk__in=_dependant_ids(user)))

    def dependants_of(self, user):
        """The patients whose care `user` manages now (not `user` themself)."""
        return self.filter(pk__in=_dependant_ids(user))

    def matching(self, search):
        """Patients whose name or email address contains every word of `search`."""
        patients = self
        for word in search.split():
            patients = patients.filter(
                models.Q(user__first_name__icontains=word)
                | models.Q(user__last_name__icontains=word)
                | models.Q(user__email__icontains=word)
            )
        return patients

    def desk_search(self, query):
        """The front desk's one box: every word must match the name, the email address,
        the phone number (spaces ignored) or, if it is a date, the date of birth."""
        patients = self
        for word in query.split():
            born = _as_date(word)
            if born is not None:
                patients = patients.filter(date_of_birth=born)
                continue
            digits = word.replace("-", "")
            phone = Replace(Replace("user__phone", Value(" "), Value("")), Value("-"), Value(""))
            patients = patients.annotate(_phone=phone).filter(
                models.Q(user__first_name__icontains=word)
                | models.Q(user__last_name__icontains=word)
                | models.Q(user__email__icontains=word)
                | models.Q(_phone__contains=digits)
            )
        return patients


def _dependant_ids(user):
    return Guardianship.objects.active().filter(guardian__user=user).values("dependant")


def _as_date(word):
    """A date of birth as staff type it: 1980-03-14, 14/03/1980 or 14.03.1980; else None."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(word, fmt).date()
        except ValueError:
            continue
    return None


class Patient(models.Model):
    """The medical side of a patient's account: what a doctor needs to know before a visit."""

    # Clinical content: never a filter in the admin, shown only to who may read it, logged.
    CLINICAL_FIELDS = ("blood_type", "allergies", "medical_history")

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
    emergency_contact_name = models.CharField(
        _("emergency contact"), max_length=150, blank=True, validators=[validate_single_line]
    )
    emergency_contact_phone = PhoneNumberField(_("emergency contact phone"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(
        _("account closed"),
        null=True,
        blank=True,
        help_text=_("When the patient closed their account; their records are kept until purged."),
    )
    purged_at = models.DateTimeField(
        _("purged"),
        null=True,
        blank=True,
        help_text=_("When the retention period ended and the clinical data were erased."),
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["user__last_name", "user__first_name"]
        permissions = [
            (
                "view_clinical_content",
                _("Can read clinical content (records, medical details, reasons for visits)"),
            ),
        ]
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


class GuardianshipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Guardianship(models.Model):
    """A patient manages the care of another patient: a child, or a person they care for.

    The dependant is a patient of their own (own appointments, own records) without an
    online account (no password, no email address: the front desk's walk-in kind), so
    only the guardian acts for them. Removing the link ends it (`ended_at`); it and the
    dependant's history are kept.
    """

    class Relationship(models.TextChoices):
        CHILD = "child", _("My child")
        PARTNER = "partner", _("My partner")
        PARENT = "parent", _("My parent")
        CARED_FOR = "cared_for", _("Someone I care for")

    guardian = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="dependant_links",
        verbose_name=_("guardian"),
        help_text=_("The patient whose account manages the dependant."),
    )
    dependant = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="guardian_links",
        verbose_name=_("dependant"),
    )
    relationship = models.CharField(
        _("relationship"), max_length=16, choices=Relationship, default=Relationship.CHILD
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    ended_at = models.DateTimeField(
        _("removed"),
        null=True,
        blank=True,
        help_text=_("When the guardian removed the dependant; their history is kept."),
    )

    objects = GuardianshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("family link")
        verbose_name_plural = _("family links")
        ordering = ["guardian", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "dependant"],
                condition=models.Q(ended_at__isnull=True),
                name="patients_guardianship_one_active_link",
            ),
            models.CheckConstraint(
                condition=~models.Q(guardian=models.F("dependant")),
                name="patients_guardianship_not_self",
            ),
        ]

    def __str__(self):
        return _("%(dependant)s, in the care of %(guardian)s") % {
            "dependant": self.dependant,
            "guardian": self.guardian,
        }

    @property
    def is_active(self):
        return self.ended_at is None


class AccessLogQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient).select_related("actor")


class AccessLog(models.Model):
    """Append-only: who viewed or changed a patient's data, when and from where.

    Rows are written by patients.services and never updated or deleted: the model refuses
    it, and so does the database (healthcare.core.appendonly, for every role). The
    log belongs with the patient whose data it guards: every app that shows a patient's
    data (patients' admin, appointments, records) writes to it.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        AMEND = "amend", _("Amended")
        UPDATE = "update", _("Changed")
        # A doctor outside a care relationship opened the records, giving `reason`.
        BREAK_GLASS = "break_glass", _("Broke the glass to open the records")
        EXPORT = "export", _("Downloaded a copy")
        PURGE = "purge", _("Erased after the retention period")

    class Target(models.TextChoices):
        RECORD = "record", _("Medical record")
        PATIENT = "patient", _("Patient profile")
        APPOINTMENT = "appointment", _("Appointment")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty for the clinic's own retention purge."),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action)
    target = models.CharField(_("what"), max_length=16, choices=Target)
    object_id = models.PositiveBigIntegerField(_("object id"))
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="access_log",
        verbose_name=_("patient"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    reason = models.CharField(
        _("reason given"),
        max_length=600,
        blank=True,
        help_text=_("Why the glass was broken, as the doctor gave it; the patient sees it."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="accesslog_patient_idx")]

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or _('the clinic')} "
            f"{self.get_action_display().lower()} {self.get_target_display().lower()} "
            f"#{self.object_id}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Access log entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access log entries are never deleted.")
