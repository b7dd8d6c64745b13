import secrets
import uuid
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthcare.core.phone import PhoneNumberField
from healthcare.core.validators import validate_single_line


def profile_picture_path(instance, filename):
    """Store pictures under a random name: the upload's own name may identify the person."""
    suffix = PurePath(filename).suffix.lower()
    return f"profile-pictures/{uuid.uuid4().hex}{suffix}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra_fields)

    @classmethod
    def normalize_email(cls, email):
        return (email or "").strip().lower()


class User(AbstractUser):
    """A person who logs in: a patient, a doctor or a member of the clinic's staff."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        DOCTOR = "doctor", _("Doctor")
        ADMIN = "admin", _("Clinic staff")

    username = None
    # AbstractUser's names, on one line: they go into emails, calendar files and logs.
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[validate_single_line]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[validate_single_line]
    )
    # Empty (NULL) only for a patient registered at the front desk who has given none yet.
    email = models.EmailField(
        _("email address"),
        max_length=254,
        unique=True,
        null=True,
        blank=True,
        error_messages={"unique": _("A user with this email address already exists.")},
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.PATIENT)
    phone = PhoneNumberField(_("phone"))
    email_confirmed = models.BooleanField(
        _("email confirmed"),
        default=True,
        help_text=_("False while a self-registered account waits for its activation link."),
    )
    picture = models.ImageField(
        _("profile picture"), upload_to=profile_picture_path, blank=True, max_length=255
    )
    # One of settings.LANGUAGES (not declared as choices: they are the clinic's setting, and
    # a language the clinic stops offering falls back to LANGUAGE_CODE in `language_code`).
    # A database default too: code that does not know the column yet still inserts users.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text=_("The language of the pages and emails; empty for the clinic's default."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with this email address already exists."),
            ),
        ]

    def __str__(self):
        full_name = self.get_full_name()
        if full_name and self.email:
            return f"{full_name} <{self.email}>"
        return full_name or self.email or f"#{self.pk}"

    def save(self, *args, **kwargs):
        # No address is NULL, not "": unique lets any number of desk patients have none.
        self.email = UserManager.normalize_email(self.email) or None
        super().save(*args, **kwargs)

    @property
    def language_code(self):
        """The language to address this person in (their pages and the emails the task
        worker sends them): their own choice while the clinic offers it, else the default."""
        if self.language in dict(settings.LANGUAGES):
            return self.language
        return settings.LANGUAGE_CODE

    @property
    def display_name(self):
        return self.get_full_name() or self.email or f"#{self.pk}"

    @property
    def has_online_account(self):
        """Whether the person can log in: false for a patient registered at the front desk
        (no password yet) until they claim their account by the emailed link."""
        return self.has_usable_password()

    @property
    def awaits_claim(self):
        """A patient record made at the desk whose owner has not set a password yet."""
        return self.is_patient and self.is_active and not self.has_usable_password()

    @property
    def is_patient(self):
        return self.role == self.Role.PATIENT

    @property
    def is_doctor(self):
        return self.role == self.Role.DOCTOR

    @property
    def awaits_activation(self):
        """Made by self-registration, and its activation link has not been followed yet."""
        return not self.is_active and not self.email_confirmed and self.is_patient

    @property
    def is_clinic_staff(self):
        """Staff work in the admin; Django's is_staff is what lets them in."""
        return self.is_staff

    @property
    def doctor_profile(self):
        """The user's doctor profile if they are a doctor and it exists, else None."""
        return getattr(self, "doctor", None) if self.is_doctor else None

    @property
    def patient_profile(self):
        """The user's patient record if they are a patient and it exists, else None."""
        return getattr(self, "patient", None) if self.is_patient else None


def new_feed_token():
    # Kept for migration 0002, which made the calendar feeds here; they live in
    # appointments now (appointments.models.CalendarFeed).
    return secrets.token_urlsafe(32)


class UserSessionQuerySet(models.QuerySet):
    def active(self, now):
        """The sessions that still work at `now`: web sessions within their idle timeout,
        API log-ins whose refresh token has not expired."""
        web = models.Q(
            kind=UserSession.Kind.WEB,
            last_used_at__gt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
        )
        api = models.Q(
            kind=UserSession.Kind.API,
            last_used_at__gt=now - settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"],
        )
        return self.filter(web | api)


class UserSession(models.Model):
    """One place a user is logged in: a browser's session or an app's API log-in.

    Written at log-in, and touched when used (a web session at most once a minute by the
    idle-timeout middleware; an API log-in at each token refresh), so the user's sessions
    page lists them without scanning the session table. Deleting the row is part of
    ending the session (accounts.services.end_session): an API log-in's access tokens
    stop working with it.
    """

    class Kind(models.TextChoices):
        WEB = "web", _("Browser")
        API = "api", _("App (API)")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="user_sessions", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    # A browser: Django's session key. An app: the `sid` claim its tokens carry.
    key = models.CharField(_("key"), max_length=64, unique=True)
    # An app: the refresh token it holds now (rotated at each refresh), to blacklist.
    refresh_jti = models.CharField(_("refresh token id"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("logged in"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_used_at", "-pk"]
        indexes = [models.Index(fields=["user", "-last_used_at"], name="usersession_user_idx")]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SecurityEvent(models.Model):
    """Append-only: log-ins, failed log-ins, log-outs, password changes, staff changes in the admin.

    Rows are written by accounts.audit and never updated or deleted: the model refuses it,
    and so does the database (healthcare.core.appendonly, for every role). A failed log-in
    keeps the address that was tried (whether or not an account has it) and no account.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        LOGOUT = "logout", _("Logged out")
        TOKEN_ISSUED = "token_issued", _("API log-in (token pair issued)")
        TOKEN_REVOKED = "token_revoked", _("API log-out (refresh token revoked)")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by emailed link")
        ACCOUNT_ACTIVATED = "account_activated", _("Account activated")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted (password set)")
        SECOND_FACTOR_ENROLLED = "otp_enrolled", _("Second factor set up")
        SECOND_FACTOR_VERIFIED = "otp_verified", _("Second factor given")
        SECOND_FACTOR_FAILED = "otp_failed", _("Wrong second-factor code")
        RECOVERY_CODES_MADE = "otp_recovery_codes", _("New recovery codes made")
        SECOND_FACTOR_REMOVED = "otp_removed", _("Second factor turned off")
        SECOND_FACTOR_RESET = "otp_reset", _("Second factor reset by staff")
        SESSION_ENDED = "session_ended", _("A session ended by hand")
        SESSIONS_ENDED = "sessions_ended", _("Sessions ended by hand")
        ADMIN_ADDITION = "admin_addition", _("Admin: added")
        ADMIN_CHANGE = "admin_change", _("Admin: changed")
        ADMIN_DELETION = "admin_deletion", _("Admin: deleted")
        ACCOUNT_CLOSED = "account_closed", _("Account closed by its owner")
        ACCOUNT_PURGED = "account_purged", _("Account purged after the retention period")

    kind = models.CharField(_("event"), max_length=32, choices=Kind)
    # PROTECT: the log is append-only (database triggers refuse UPDATE), so an account with
    # entries is never deleted, only deactivated or purged (anonymised in place).
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty for a failed log-in: the email address tried is kept instead."),
    )
    email = models.CharField(_("email address"), max_length=254, blank=True)
    target = models.CharField(_("object"), max_length=255, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="securityevent_actor_idx"),
            models.Index(fields=["email", "-created_at"], name="securityevent_email_idx"),
        ]

    def __str__(self):
        who = self.actor or self.email or "?"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who}: {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Security log entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Security log entries are never deleted.")
