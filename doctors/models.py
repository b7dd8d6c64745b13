from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
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


DEFAULT_VISIT_TYPE = "Consultation"
DEFAULT_SITE = "Main site"


class VisitTypeManager(models.Manager):
    def default(self):
        """The visit type a new doctor offers unless told otherwise (made if missing)."""
        visit_type, _created = self.get_or_create(
            name=DEFAULT_VISIT_TYPE, defaults={"length_minutes": 30}
        )
        return visit_type


class SiteManager(models.Manager):
    def default(self):
        """The site of working hours given without one: the first site (made if none)."""
        return self.order_by("pk").first() or self.create(name=DEFAULT_SITE)

    def open_to(self, doctor):
        """The sites where `doctor` may work: those that see every visit type, and those
        that see one of the types the doctor offers (elsewhere nothing could be booked)."""
        return self.filter(
            Q(visit_types__isnull=True) | Q(visit_types__offers__doctor=doctor)
        ).distinct()


class VisitType(models.Model):
    """What a visit is ("New patient consultation, 30 min"): its length, where on the clock
    it may start, the time kept free after it, and who may book it online."""

    class OnlineBooking(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        NEW_PATIENTS = "new", _("New patients of the doctor")
        EXISTING_PATIENTS = "existing", _("Existing patients of the doctor")
        STAFF_ONLY = "staff", _("Staff only (not bookable online)")

    name = models.CharField(
        _("name"), max_length=100, unique=True, validators=[validate_single_line]
    )
    description = models.TextField(_("description for patients"), max_length=1000, blank=True)
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    spacing_minutes = models.PositiveSmallIntegerField(
        _("start every (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_(
            "Visits start on this grid from the start of the working hours. "
            "Empty: every visit length."
        ),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_("Time kept free after each visit (cleaning, notes)."),
    )
    bookable_from = models.TimeField(
        _("bookable from"),
        null=True,
        blank=True,
        help_text=_("Earliest start of the day, e.g. 08:00 for procedures in the morning."),
    )
    bookable_until = models.TimeField(
        _("bookable until"),
        null=True,
        blank=True,
        help_text=_("The visit must end by this time of day."),
    )
    online_booking = models.CharField(
        _("who may book online"),
        max_length=10,
        choices=OnlineBooking,
        default=OnlineBooking.ANYONE,
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisitTypeManager()

    class Meta:
        verbose_name = _("visit type")
        verbose_name_plural = _("visit types")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_minutes__gte=5) & Q(length_minutes__lte=240),
                name="doctors_visittype_length_range",
            ),
            models.CheckConstraint(
                condition=Q(spacing_minutes__isnull=True)
                | (Q(spacing_minutes__gte=5) & Q(spacing_minutes__lte=240)),
                name="doctors_visittype_spacing_range",
            ),
            models.CheckConstraint(
                condition=Q(buffer_minutes__lte=120),
                name="doctors_visittype_buffer_range",
            ),
            models.CheckConstraint(
                condition=Q(bookable_from__isnull=True)
                | Q(bookable_until__isnull=True)
                | Q(bookable_until__gt=models.F("bookable_from")),
                name="doctors_visittype_bookable_hours_order",
                violation_error_message=_("'Bookable until' must be after 'bookable from'."),
            ),
        ]

    def __str__(self):
        return self.name


class Site(models.Model):
    """One of the clinic's locations. All sites share the clinic's one time zone."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, validators=[validate_single_line]
    )
    address = models.TextField(_("address"), max_length=500, blank=True)
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, validators=[validate_single_line]
    )
    visit_types = models.ManyToManyField(
        VisitType,
        blank=True,
        related_name="sites",
        verbose_name=_("visit types offered here"),
        help_text=_("Leave empty for every visit type."),
    )

    objects = SiteManager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def one_line_address(self):
        return ", ".join(line.strip() for line in self.address.splitlines() if line.strip())


class DoctorQuerySet(models.QuerySet):
    def with_hours(self):
        """Doctors with working hours: a doctor added without them is not bookable, so
        not listed (or bookable) until their hours are set."""
        return self.filter(Exists(WorkingHours.objects.filter(doctor=OuterRef("pk"))))

    def directory(self, *, search="", specialty=None):
        """Active doctors with working hours for the public directory, matched by name
        and specialty."""
        qs = self.filter(user__is_active=True).with_hours().select_related("user", "specialty")
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


class VisitTypeOffer(models.Model):
    """A visit type a doctor offers, with the doctor's own length if it differs."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="offers", verbose_name=_("doctor")
    )
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, related_name="offers", verbose_name=_("visit type")
    )
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Empty: the visit type's length."),
    )

    class Meta:
        verbose_name = _("visit type offered")
        verbose_name_plural = _("visit types offered")
        ordering = ["doctor", "visit_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "visit_type"], name="doctors_offer_unique_per_doctor"
            ),
            models.CheckConstraint(
                condition=Q(length_minutes__isnull=True)
                | (Q(length_minutes__gte=5) & Q(length_minutes__lte=240)),
                name="doctors_offer_length_range",
            ),
        ]

    def __str__(self):
        return f"{self.visit_type} ({self.length} min)"

    @property
    def length(self):
        return self.length_minutes or self.visit_type.length_minutes

    @property
    def spacing(self):
        return self.visit_type.spacing_minutes or self.length

    @property
    def buffer(self):
        return self.visit_type.buffer_minutes


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
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="working_hours", verbose_name=_("site")
    )
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
        hours = f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"
        # A row entered without a site (the first site) has none until it is saved.
        return f"{hours} ({self.site})" if self.site_id else hours

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


class ClosureQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)

    def affecting(self, site):
        """Closures of the whole clinic and of `site`."""
        return self.filter(Q(site__isnull=True) | Q(site=site))


class Closure(models.Model):
    """A period in which the whole clinic or one site is closed (a bank holiday)."""

    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("site"),
        help_text=_("Empty: every site (the whole clinic)."),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    # Added to the cancellation reason of the visits it cancels, which patients are emailed.
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, validators=[validate_single_line]
    )

    objects = ClosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start"]
        indexes = [models.Index(fields=["start", "end"], name="closure_start_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="doctors_closure_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self):
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        where = self.site or _("whole clinic")
        return f"{where}: {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
