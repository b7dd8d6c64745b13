from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthcare.core.validators import validate_single_line


class Specialty(models.Model):
    name = models.CharField(
        _("name"), max_length=100, unique=True, validators=[validate_single_line]
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DoctorQuerySet(models.QuerySet):
    def directory(self, *, search="", specialty=None):
        """Active doctors for the public directory, matched by name and specialty."""
        qs = self.filter(user__is_active=True).select_related("user", "specialty")
        if specialty:
            qs = qs.filter(specialty__slug=specialty)
        for word in (search or "").split():
            qs = qs.annotate(
                _full_name=Concat("user__first_name", models.Value(" "), "user__last_name")
            ).filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(_full_name__icontains=word)
            )
        return qs.order_by("user__last_name", "user__first_name", "pk")


class Doctor(models.Model):
    """A doctor's professional profile and the rules of their calendar."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="doctor",
        verbose_name=_("user"),
    )
    specialty = models.ForeignKey(
        Specialty, on_delete=models.PROTECT, related_name="doctors", verbose_name=_("specialty")
    )
    license_number = models.CharField(
        _("licence number"), max_length=50, unique=True, validators=[validate_single_line]
    )
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of experience"), default=0, validators=[MaxValueValidator(80)]
    )
    bio = models.TextField(_("biography"), blank=True)
    accepting_new_patients = models.BooleanField(
        _("accepting new patients"),
        default=True,
        help_text=_("When off, only patients who have seen this doctor before can book."),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )

    objects = DoctorQuerySet.as_manager()

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5) & Q(slot_minutes__lte=240),
                name="doctors_doctor_slot_minutes_range",
            ),
        ]

    def __str__(self):
        return f"Dr {self.user.display_name}"

    @property
    def name(self):
        return self.user.display_name


class WorkingHours(models.Model):
    """One interval of a doctor's regular week, in the clinic's local time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="working_hours", verbose_name=_("doctor")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["doctor", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="doctors_workinghours_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end must be after the start.")})


class TimeOffQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)


class TimeOff(models.Model):
    """A period in which a doctor sees no patients (holiday, training, sickness)."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("doctor")
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    # Added to the cancellation reason of the visits it cancels, which patients are emailed.
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, validators=[validate_single_line]
    )

    objects = TimeOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["doctor", "start"]
        indexes = [models.Index(fields=["doctor", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="doctors_timeoff_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self):
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.doctor}: {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
