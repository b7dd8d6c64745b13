"""The waitlist: patients waiting for earlier or any time with a doctor (or a specialty),
the offers of freed time made to them, and the freed time itself (for the refill figure).

An entry waits for a visit type (empty: each doctor's usual type, the one booked without
naming one) at a site (empty: any site), from `earliest` to `latest` (local dates; it
expires at the end of `latest`), optionally only on some weekdays and at a time of day.
An entry made from an appointment the patient holds waits for an earlier time with that
appointment's doctor, of its type at its site: claiming an offer moves the appointment
instead of booking a second one.

An offer is one freed slot offered to one entry, by email, with a single-use claim link
that stops working at `expires_at`. The unique (entry, doctor, start) constraint is what
makes an offer happen exactly once however many workers race for the same freed time.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from doctors.models import WorkingHours
from waitlist import links

# Mornings end and afternoons start at noon, clinic time.
NOON = 12


def new_offer_token():
    return secrets.token_urlsafe(32)


class WaitlistEntryQuerySet(models.QuerySet):
    def waiting(self, now=None):
        """Entries still waiting: not left, not fulfilled, their window not over."""
        today = timezone.localdate(now or timezone.now())
        return self.filter(status=WaitlistEntry.Status.WAITING, latest__gte=today)

    def for_doctor(self, doctor):
        """Entries that wait for this doctor by name or for any doctor of their specialty."""
        return self.filter(
            Q(doctor=doctor) | Q(doctor__isnull=True, specialty_id=doctor.specialty_id)
        )

    def in_fairness_order(self):
        """First come, first offered."""
        return self.order_by("created_at", "pk")


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        FULFILLED = "fulfilled", _("Booked from an offer")
        LEFT = "left", _("Left the waitlist")

    class TimeOfDay(models.TextChoices):
        ANY = "any", _("Any time")
        MORNING = "morning", _("Mornings (before noon)")
        AFTERNOON = "afternoon", _("Afternoons (from noon)")

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("patient"),
    )
    doctor = models.ForeignKey(
        "doctors.Doctor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("doctor"),
        help_text=_("Empty: any doctor of the specialty."),
    )
    specialty = models.ForeignKey(
        "doctors.Specialty",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("specialty"),
        help_text=_("Only when waiting for any doctor of a specialty."),
    )
    visit_type = models.ForeignKey(
        "doctors.VisitType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("visit type"),
        help_text=_("Empty: the doctor's usual visit type."),
    )
    site = models.ForeignKey(
        "doctors.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("site"),
        help_text=_("Empty: any site."),
    )
    earliest = models.DateField(_("from"))
    latest = models.DateField(_("until"), help_text=_("The entry expires at the end of this day."))
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        help_text=_("Monday is 0, Sunday 6; empty: any day."),
    )
    time_of_day = models.CharField(
        _("time of day"), max_length=16, choices=TimeOfDay, default=TimeOfDay.ANY
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("appointment to move earlier"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.WAITING)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    last_offered_at = models.DateTimeField(_("last offer emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("joined"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "latest"], name="waitlist_entry_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(doctor__isnull=False, specialty__isnull=True)
                | Q(doctor__isnull=True, specialty__isnull=False),
                name="waitlist_entry_doctor_or_specialty",
            ),
            models.CheckConstraint(
                condition=Q(latest__gte=models.F("earliest")),
                name="waitlist_entry_latest_after_earliest",
            ),
        ]

    def __str__(self):
        target = self.doctor or self.specialty
        return f"{self.patient} waiting for {target} ({self.earliest}–{self.latest})"

    @property
    def target(self):
        """Whom the entry waits for, as a patient reads it."""
        return self.doctor if self.doctor_id else self.specialty

    @property
    def weekday_names(self):
        return [WorkingHours.Weekday(day).label for day in self.weekdays]

    def is_expired(self, now=None):
        return self.latest < timezone.localdate(now or timezone.now())

    def is_open(self, now=None):
        """Still waiting: not left or fulfilled, its window not over, and its appointment
        (if it came from one) still booked."""
        if self.status != self.Status.WAITING or self.is_expired(now):
            return False
        return self.appointment_id is None or self.appointment.status == Appointment.Status.BOOKED

    def state(self, now=None):
        """The status as a patient reads it, with "expired" for a window that is over."""
        if self.status == self.Status.WAITING and self.is_expired(now):
            return _("Expired")
        if self.status == self.Status.WAITING and not self.is_open(now):
            return _("Closed: the appointment changed")
        return self.get_status_display()

    def wants(self, doctor, start, *, visit_type=None, site=None):
        """Whether a slot with `doctor` starting at `start` (of `visit_type` at `site`, when
        given) is what this entry waits for: doctor or specialty, visit type, site, dates,
        weekdays, time of day; earlier than its appointment. A slot of no named type is the
        doctor's usual one, which an entry without a type waits for."""
        if self.visit_type_id and visit_type is not None and visit_type.pk != self.visit_type_id:
            return False
        if self.site_id is not None and site is not None and site.pk != self.site_id:
            return False
        if self.doctor_id is not None:
            if self.doctor_id != doctor.pk:
                return False
        elif self.specialty_id != doctor.specialty_id:
            return False
        local = timezone.localtime(start)
        if not self.earliest <= local.date() <= self.latest:
            return False
        if self.weekdays and local.weekday() not in self.weekdays:
            return False
        if self.time_of_day == self.TimeOfDay.MORNING and local.hour >= NOON:
            return False
        if self.time_of_day == self.TimeOfDay.AFTERNOON and local.hour < NOON:
            return False
        if self.appointment_id is not None:
            appointment = self.appointment
            if appointment.status != Appointment.Status.BOOKED or start >= appointment.start:
                return False
        return True


class OfferQuerySet(models.QuerySet):
    def live(self, now=None):
        """Offers whose link still works: sent, not claimed, not expired."""
        return self.filter(status=Offer.Status.SENT, expires_at__gt=now or timezone.now())

    def for_slot(self, doctor_id, start):
        return self.filter(doctor_id=doctor_id, start=start)


class Offer(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Offered")
        CLAIMED = "claimed", _("Claimed")
        EXPIRED = "expired", _("Expired")
        TAKEN = "taken", _("Taken by someone else")

    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry")
    )
    doctor = models.ForeignKey(
        "doctors.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor")
    )
    visit_type = models.ForeignKey(
        "doctors.VisitType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit type"),
        help_text=_("What claiming books (empty on offers from before visit types)."),
    )
    site = models.ForeignKey(
        "doctors.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_offer_token)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.SENT)
    freed_at = models.DateTimeField(_("time freed"), help_text=_("When the slot became free."))
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["doctor", "start"], name="waitlist_offer_slot_idx")]
        constraints = [
            # Exactly one offer of a slot to an entry, whichever worker gets there first.
            models.UniqueConstraint(
                fields=["entry", "doctor", "start"], name="waitlist_offer_once_per_entry_slot"
            ),
        ]

    def __str__(self):
        when = timezone.localtime(self.start)
        return f"{when:%Y-%m-%d %H:%M} with {self.doctor} to {self.entry.patient}"

    @property
    def signed_token(self):
        """The token as the claim link carries it, signed."""
        return links.sign(self.token)

    def state(self, now=None):
        if self.status == self.Status.SENT and self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.status

    def state_label(self, now=None):
        return self.Status(self.state(now)).label


class FreedTime(models.Model):
    """Time a cancelled or moved appointment gave back, and whether the waitlist refilled it.

    Only for the staff's "freed minutes refilled" figure: nobody is told who freed it or why.
    """

    doctor = models.ForeignKey(
        "doctors.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    freed_at = models.DateTimeField(_("freed"), default=timezone.now)
    refilled_at = models.DateTimeField(_("refilled"), null=True, blank=True)

    class Meta:
        verbose_name = _("freed time")
        verbose_name_plural = _("freed time")
        ordering = ["-freed_at"]
        indexes = [models.Index(fields=["doctor", "start"], name="waitlist_freed_slot_idx")]

    def __str__(self):
        return f"{self.doctor}: {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    @property
    def minutes(self):
        return int((self.end - self.start).total_seconds() // 60)
