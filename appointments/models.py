import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.permissions import can_see_all_appointments
from doctors.models import Site, VisitType
from patients.models import Patient


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        """Appointments that hold their time: everything but cancelled ones."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(
            end__gt=now, status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]
        ).order_by("start")

    def past(self, now=None):
        now = now or timezone.now()
        return self.exclude(
            end__gt=now, status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]
        ).order_by("-start")

    def managed_by(self, user):
        """The visits of the patient `user` and of their dependants ("My appointments")."""
        return self.filter(patient__in=Patient.objects.managed_by(user)).select_related(
            "doctor__user",
            "doctor__specialty",
            "cancelled_by",
            "visit_type",
            "site",
            "patient__user",
        )

    def for_patient(self, patient):
        return self.filter(patient=patient).select_related(
            "doctor__user", "doctor__specialty", "cancelled_by", "visit_type", "site"
        )

    def for_doctor(self, doctor):
        return self.filter(doctor=doctor).select_related(
            "patient__user", "cancelled_by", "visit_type", "site"
        )

    def visible_to(self, user):
        """What a user may see: own appointments, own schedule, or all for staff whose
        role works with the calendar."""
        if not user.is_authenticated:
            return self.none()
        if can_see_all_appointments(user):
            return self.all()
        if (doctor := user.doctor_profile) is not None:
            return self.filter(doctor=doctor)
        if user.patient_profile is not None:
            return self.filter(patient__in=Patient.objects.managed_by(user))
        return self.none()


class Appointment(models.Model):
    """A patient's visit to a doctor. Status names follow HL7 FHIR Appointment.status."""

    # Clinical content: never a filter in the admin, shown only to who may read it, logged.
    CLINICAL_FIELDS = ("reason", "cancellation_reason")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked-in", _("Checked in")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")
        NOSHOW = "noshow", _("No-show")

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("patient"),
    )
    doctor = models.ForeignKey(
        "doctors.Doctor",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("doctor"),
    )
    visit_type = models.ForeignKey(
        "doctors.VisitType",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("visit type"),
    )
    site = models.ForeignKey(
        "doctors.Site",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("site"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The doctor's time the visit holds: its end plus the visit type's buffer. The
    # doctor's exclusion constraint (PostgreSQL) guards [start, busy_until).
    busy_until = models.DateTimeField(
        _("doctor busy until"), help_text=_("The end plus the visit type's buffer.")
    )
    reason = models.TextField(_("reason for the visit"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancellation_reason = models.TextField(_("cancellation reason"), max_length=1000, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    sequence = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Grows with every change of time or status.")
    )
    reminder_sent_at = models.DateTimeField(
        _("reminder sent at"),
        null=True,
        blank=True,
        help_text=_("When the reminder for the current time went out; cleared when moved."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["doctor", "start"], name="appt_doctor_start_idx"),
            models.Index(fields=["patient", "start"], name="appt_patient_start_idx"),
            models.Index(fields=["start"], name="appt_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="appointments_appointment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(busy_until__gte=models.F("end")),
                name="appointments_appointment_busy_until_after_end",
            ),
            # The no-overlap guarantee itself is an exclusion constraint added by
            # migration 0002 on PostgreSQL (SQLite serializes writers instead).
        ]

    def __str__(self):
        local = timezone.localtime(self.start)
        status = self.get_status_display()
        return f"{local:%Y-%m-%d %H:%M} {self.patient} with {self.doctor} ({status})"

    def save(self, *args, **kwargs):
        # Rows written straight, not by booking (seeds, fixtures, code from before visit
        # types): the doctor's first visit type, the default site, no buffer.
        if self.busy_until is None and self.end is not None:
            self.busy_until = self.end
        if self.visit_type_id is None and self.doctor_id is not None:
            offer = self.doctor.offers.select_related("visit_type").first()
            self.visit_type = offer.visit_type if offer else VisitType.objects.default()
        if self.site_id is None:
            self.site = Site.objects.default()
        super().save(*args, **kwargs)

    @property
    def length_minutes(self):
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def buffer_minutes(self):
        return int((self.busy_until - self.end).total_seconds() // 60)

    @property
    def record_deadline(self):
        """Until when its doctor may write the record of this visit once it is marked
        fulfilled without one (RECORD_WRITING_WINDOW after its end; records.services)."""
        return self.end + settings.RECORD_WRITING_WINDOW

    @property
    def is_active(self):
        return self.status != self.Status.CANCELLED

    @property
    def is_open(self):
        """Booked or checked in: the visit has not been closed yet."""
        return self.status in (self.Status.BOOKED, self.Status.CHECKED_IN)


def new_feed_token():
    return secrets.token_urlsafe(32)


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A secret address at which a calendar app reads one person's appointments.

    Whoever knows the address can read the calendar, so it can be revoked (and a new one
    made) at any time; a person has at most one address that works.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]
        constraints = [
            # Named after the app the feeds were made in (accounts); the name stays.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_calendarfeed_one_active_per_user",
            ),
        ]

    def __str__(self):
        state = _("revoked") if self.revoked_at else _("active")
        return f"{self.user.email} ({state})"
