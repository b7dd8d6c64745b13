"""Settings for the clinic scheduling project.

Everything that differs between machines is read from the environment (or a `.env`
file beside manage.py) through django-environ; `.env.example` documents each variable.
The defaults are the embedded development set-up: SQLite, LocMem cache, console email.

Read top to bottom: the machine's mode and services (and the flags they switch), the
refusals of production mode, the apps, middleware and templates in their final order,
then each concern. The security choices are described in docs/security/README.md and
tested in tests/security/.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


# == the machine: its mode, its services and the flags they switch ==

# PRODUCTION switches on the strict mode: it refuses to start with unsafe values (below).
PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not PRODUCTION:
    # The embedded development default: a fixed key and local host names only.
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Database: SQLite file by default so that a new user needs no server.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
USE_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
USE_POSTGRESQL = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if USE_SQLITE:
    # IMMEDIATE takes the write lock when a transaction starts, so two bookings
    # serialize instead of failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if "TEST" not in DATABASES["default"] and env.str("TEST_DATABASE_NAME", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
if USE_POSTGRESQL:
    # Fail fast when the database is down: a request waits seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
    if env.int("DB_PREPARE_THRESHOLD", default=0):
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": env.int("DB_PREPARE_THRESHOLD")}
        )

# A shared cache (Redis) wherever more than one process serves; LocMem for the embedded default.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="healthcare"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Fail fast when Redis is down: a request waits a second at most for the cache.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
            "socket_timeout": env.float("REDIS_TIMEOUT", default=1.0),
        }
    )
# Whether every app process sees the same cache: rate limits count together only then.
SHARED_CACHE = CACHES["default"]["BACKEND"] in (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)

# Profile pictures on Cloudinary when CLOUDINARY_URL is set (the cloudinary package reads
# it from the environment); local files under MEDIA_ROOT otherwise. Pictures are health
# data: use Cloudinary only under the clinic's own agreement with the provider.
CLOUDINARY_URL = env.str("CLOUDINARY_URL", default="")
USE_CLOUDINARY = bool(CLOUDINARY_URL)

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if (
        len(SECRET_KEY) < 50
        or SECRET_KEY.startswith("django-insecure")
        or "change-me" in SECRET_KEY
    ):
        raise ImproperlyConfigured("Set SECRET_KEY to a random value of 50+ characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names.")
    if not SHARED_CACHE:
        raise ImproperlyConfigured(
            "Set REDIS_URL in production: rate limits must be shared by every app process."
        )


# == apps, middleware, templates: each declared once, in its final order ==

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    # Its admin pages show whole tokens: accounts/admin.py unregisters them.
    "rest_framework_simplejwt.token_blacklist",
    # Second factors (accounts/second_factor.py): authenticator apps and recovery codes.
    # Their own admin pages show the secrets: accounts/admin.py (after them) unregisters them.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "healthcare.core",  # no models: the operations commands (backups, the SQLite restore)
    "accounts",
    "patients",
    "doctors",
    "appointments",
    "records",
    "waitlist",
    "desk",
    "django_tasks_db",  # the background tasks' rows (TASKS below)
    "django_htmx",  # {% htmx_script %}: django-htmx's bundled copy of htmx, never a CDN
    "django_ratelimit",
]

MIDDLEWARE = [
    # Outermost, to see every final response: `Cache-Control: no-store, private` on answers
    # to logged-in people and on the API's (healthcare/core/http.py).
    "healthcare.core.http.NoStoreMiddleware",
    # The request id and one JSON log line per request, then a quick 503 while the
    # database is unreachable (healthcare/core/ops.py).
    "healthcare.core.ops.RequestLogMiddleware",
    "healthcare.core.ops.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The middleware from healthcare.core.browser and accounts below serves browsers only:
    # API requests (/api/) pass straight through (healthcare.core.http.browser_only;
    # Django's own classes, made so). The API takes no session or cookies; it answers in the
    # language of its Accept-Language header (LANGUAGE_CODE without one).
    "healthcare.core.browser.SessionMiddleware",
    # Moves a session's expiry forward while it is in use (the idle timeout).
    "accounts.sessions.SessionIdleTimeoutMiddleware",
    # The language: the switcher's cookie, else Accept-Language (API: the header only).
    "healthcare.core.browser.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's own (its deploy check looks for it by name); the API's views are exempt.
    "django.middleware.csrf.CsrfViewMiddleware",
    "healthcare.core.browser.AuthenticationMiddleware",
    # A log-in that still owes its second factor reaches only the code and set-up pages;
    # a completed log-in leaves the device cookie that the log-in limit recognises.
    "accounts.second_factor.SecondFactorMiddleware",
    "accounts.devices.LoginDeviceMiddleware",
    # A logged-in user's language is the one kept on their account (accounts/languages.py).
    "accounts.languages.UserLanguageMiddleware",
    "healthcare.core.browser.MessageMiddleware",
    # request.htmx, so that a view can answer an htmx request with a partial.
    "healthcare.core.browser.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A RateLimited raised by a view or a log-in becomes a 429 (503 if Redis is down).
    "healthcare.core.ratelimits.RateLimitMiddleware",
]

ROOT_URLCONF = "healthcare.urls"
WSGI_APPLICATION = "healthcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # {{ LANGUAGE_CODE }}, {{ LANGUAGES }}
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "healthcare.core.context_processors.clinic",
                "accounts.second_factor.context",  # {{ second_factor_pending }}
                "django.template.context_processors.csp",  # {{ csp_nonce }}
            ],
        },
    },
]


# == users and the clinic ==

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"

# Internationalisation and the clinic's time zone: stored in UTC, shown in the clinic's zone.
# The site speaks English and the clinic's second language, CLINIC_SECOND_LANGUAGE (one with
# a catalogue in locale/: Spanish, "es"; "" for English only). English is the default; a
# visitor picks a language with the switcher in every page's footer (or their browser's
# Accept-Language), a logged-in user's choice is kept on their account and their emails go
# out in it, and the API answers in the Accept-Language it is sent (docs/architecture.md).
LANGUAGE_CODE = "en"
SHIPPED_TRANSLATIONS = {"es": "Español"}
CLINIC_SECOND_LANGUAGE = env.str("CLINIC_SECOND_LANGUAGE", default="es").lower()
if CLINIC_SECOND_LANGUAGE and CLINIC_SECOND_LANGUAGE not in SHIPPED_TRANSLATIONS:
    raise ImproperlyConfigured(
        f"CLINIC_SECOND_LANGUAGE must be one of {sorted(SHIPPED_TRANSLATIONS)} or empty."
    )
# Each language by its own name, as the switcher offers it.
LANGUAGES = [
    ("en", "English"),
    *(
        [(CLINIC_SECOND_LANGUAGE, SHIPPED_TRANSLATIONS[CLINIC_SECOND_LANGUAGE])]
        if CLINIC_SECOND_LANGUAGE
        else []
    ),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/London")
USE_I18N = True
# The site's date and time formats, the same on every page and in the admin.
FORMAT_MODULE_PATH = ["healthcare.formats"]
USE_TZ = True

# Clinic rules.
CLINIC_NAME = env.str("CLINIC_NAME", default="Riverside Clinic")
# How patients reach the clinic: in every page's footer, in emails and in "please call"
# messages. A site's own address and phone (doctors.Site) come first where a visit has one.
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="1 River Street, Riverside RV1 2AB")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="020 7946 0000")
# Phone numbers without a country code are read as this region's (ISO 3166, e.g. GB, PL).
CLINIC_PHONE_REGION = env.str("CLINIC_PHONE_REGION", default="GB").upper()
CLINIC_MIN_NOTICE = timedelta(minutes=env.int("CLINIC_MIN_NOTICE_MINUTES", default=120))
CLINIC_BOOKING_HORIZON = timedelta(days=env.int("CLINIC_BOOKING_HORIZON_DAYS", default=60))
CLINIC_CANCELLATION_CUTOFF = timedelta(
    hours=env.int("CLINIC_CANCELLATION_CUTOFF_HOURS", default=24)
)
# Reminders go out this long before an appointment starts (elapsed time, so DST-proof).
CLINIC_REMINDER_BEFORE = timedelta(hours=env.int("CLINIC_REMINDER_HOURS", default=24))
# The waitlist offers freed time to WAITLIST_BATCH_SIZE waiting patients at a time, each
# offer's claim link working WAITLIST_OFFER_MINUTES; a patient gets at most one offer
# email per entry every WAITLIST_EMAIL_INTERVAL_MINUTES.
WAITLIST_BATCH_SIZE = env.int("WAITLIST_BATCH_SIZE", default=3)
WAITLIST_OFFER_TIME = timedelta(minutes=env.int("WAITLIST_OFFER_MINUTES", default=30))
WAITLIST_EMAIL_INTERVAL = timedelta(minutes=env.int("WAITLIST_EMAIL_INTERVAL_MINUTES", default=60))
# A doctor reads a patient's records while they look after them: a visit (not cancelled,
# not a no-show) in the last N calendar months or booked in the next N days. Outside it,
# only by breaking the glass, which opens them for BREAK_GLASS_HOURS (records.services).
CARE_RELATIONSHIP_PAST_MONTHS = env.int("CARE_RELATIONSHIP_PAST_MONTHS", default=18)
CARE_RELATIONSHIP_AHEAD_DAYS = env.int("CARE_RELATIONSHIP_AHEAD_DAYS", default=30)
BREAK_GLASS_HOURS = env.int("BREAK_GLASS_HOURS", default=4)
# An invitation to a new doctor or member of staff (the link that sets their password)
# works for this many days, once (accounts.tokens.make_invitation).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# A doctor writes the record of a visit marked fulfilled without one (notes written after
# the patient left) until this long after the visit's end (records.services.write_record).
RECORD_WRITING_WINDOW = timedelta(hours=env.int("RECORD_WRITING_WINDOW_HOURS", default=72))
# A closed account's clinical records are kept this many years after the last visit, then
# purged (records.services.purge_due; docs/operations.md says what goes and what stays).
RECORD_RETENTION_YEARS = env.int("RECORD_RETENTION_YEARS", default=8)

# The public address of the site: links in emails and calendar feeds, and the domain of
# the iCalendar UIDs (appointment-<pk>@<host>), which must never change once mail went out.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")


# == static and uploaded files ==

STATIC_URL = "static/"
# collectstatic's target: production serves it (whitenoise); development uses the finders.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles") if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": (
            "accounts.storage.CloudinaryStorage"
            if USE_CLOUDINARY
            else "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve static files straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
PROFILE_PICTURE_MAX_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024


# == email and background tasks ==

# Email: console backend unless EMAIL_URL says otherwise (smtp://, smtp+tls://, …).
_email = env.email("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER") or None,
    "password": _email.get("EMAIL_HOST_PASSWORD") or None,
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _smtp_options.items() if v is not None}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clinic@localhost")

# Background tasks are rows in the database (django-tasks-db), run by `manage.py
# db_worker`: every email (appointments booked, moved or cancelled; account activation,
# "already registered" and password reset) and the reminders. A request only writes the
# row, in its own transaction, so it never waits for the mail server; without a worker
# the app still serves but sends nothing (`make run` starts one beside the server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# == the JSON API ==

# JWT bearer tokens only (no session auth, so no CSRF exposure through cookies).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ProfileJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded: API_MAX_BODY_BYTES long and API_MAX_JSON_DEPTH deep (below).
    "DEFAULT_PARSER_CLASSES": ["healthcare.core.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "healthcare.core.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "healthcare.core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "healthcare.core.api.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# A larger body is refused before it is read (413), deeper JSON before it is decoded (400).
# The largest body the API takes is a medical record (20,000 characters of text).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = 32
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Tokens carry a digest of the password hash: a changed or reset password ends every
    # token issued before it at once (access tokens too, not 15 minutes later).
    "CHECK_REVOKE_TOKEN": True,  # nosec B105 (a setting's name, not a password)
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic scheduling API",
    "DESCRIPTION": (
        "Book, move and cancel appointments; wait for freed time on the waitlist; read and "
        "write medical records.\n\n"
        "Log in with `POST /api/auth/token`. Doctors, clinic staff and anyone who set up "
        "two-step verification (on the website's security page) also send `otp`: the code "
        "from their authenticator app, or one of their recovery codes; without it the "
        "answer is 401 `otp_required`. Keep the answer's `device` token and send it with "
        "later log-ins: the log-in limit then lets the right password in even while "
        "strangers' wrong guesses lock the account. Logging out, ending the log-in on the "
        "security page, or staff ending every session stops its tokens at once "
        "(401 `session_ended`).\n\n"
        "Messages are in the language the `Accept-Language` header asks for, among those "
        "the clinic offers (English and the clinic's second language); English without it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Appointments' `status` keeps its StatusEnum; the waitlist's entries have their own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "appointments.models.Appointment.Status",
        "WaitlistStatusEnum": "waitlist.models.WaitlistEntry.Status",
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"


# == logs ==

# Everything to the console; the request log (healthcare/core/ops.py: one JSON line per
# request, with its id) as bare lines on stdout.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"message": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "request_log": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "message",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "healthcare.request": {
            "handlers": ["request_log"],
            "level": env.str("REQUEST_LOG_LEVEL", default="INFO"),
            "propagate": False,
        },
    },
}


# == security (passwords, rate limits, sessions, headers) ==

# Argon2id with OWASP's parameters hashes new passwords, a bounded number at a time
# (accounts/hashers.py); older hashes still verify and are upgraded at the next log-in.
PASSWORD_HASHERS = [
    "accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# CPU-heavy work a machine runs a few of at a time (healthcare/core/concurrency.py):
# {name: (at once, waiting, seconds a waiter waits)}. Password hashing: one check per two
# cores at once, as many waiting for up to 2 s, and a 503 with Retry-After beyond that.
# The slots are lock files in CPU_BOUND_LOCK_DIR, shared by every app process of the machine.
_cores = os.cpu_count() or 1
CPU_BOUND_SLOTS = {
    "password-hashing": (
        env.int("PASSWORD_HASHING_AT_ONCE", default=max(1, _cores // 2)),
        env.int("PASSWORD_HASHING_QUEUE", default=max(1, _cores // 2)),
        env.float("PASSWORD_HASHING_WAIT_SECONDS", default=2.0),
    ),
}
# The CPU priority (nice, 0–19) of each process's password-hashing thread: pages first.
PASSWORD_HASHING_NICE = env.int("PASSWORD_HASHING_NICE", default=10)
CPU_BOUND_LOCK_DIR = env.path(
    "CPU_BOUND_LOCK_DIR", default=Path(tempfile.gettempdir()) / "healthcare-cpu-slots"
)

# Every password check (log-in page, admin log-in, API token) goes through the rate limiter.
AUTHENTICATION_BACKENDS = ["accounts.backends.RateLimitedModelBackend"]

# Rate limits (healthcare/core/ratelimits.py): django-ratelimit counters in the default cache,
# which is Redis wherever more than one process serves. "N/15m" = N per 15 minutes.
RATE_LIMITS = {
    "login-ip": env.str("RATE_LIMIT_LOGIN_IP", default="50/15m"),
    "login-account": env.str("RATE_LIMIT_LOGIN_ACCOUNT", default="10/15m"),
    "login-device": env.str("RATE_LIMIT_LOGIN_DEVICE", default="10/15m"),
    "login-code": env.str("RATE_LIMIT_LOGIN_CODE", default="10/15m"),
    "register-ip": env.str("RATE_LIMIT_REGISTER_IP", default="10/h"),
    "password-reset-ip": env.str("RATE_LIMIT_PASSWORD_RESET_IP", default="10/h"),
    "password-reset-account": env.str("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", default="3/h"),
    "token-refresh-ip": env.str("RATE_LIMIT_TOKEN_REFRESH_IP", default="120/15m"),
    "booking-account": env.str("RATE_LIMIT_BOOKING_ACCOUNT", default="30/h"),
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = "rl:"
# Behind a proxy, the header holding the client's address (e.g. HTTP_X_REAL_IP); it must be
# one the proxy sets itself, or a client could pick its own bucket.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
SILENCED_SYSTEM_CHECKS = [
    # W001 only says Django's own RedisCache is not on django-ratelimit's list; it is
    # atomic where the limiter needs it (add = SET NX, incr = INCRBY).
    "django_ratelimit.W001",
    # E003 says the cache is not shared. Production refuses to start without one (above);
    # the embedded default is one process with LocMem, where per-process counters are
    # exact, so E003 is silenced there and only there.
    *([] if SHARED_CACHE else ["django_ratelimit.E003"]),
]

# The device cookie (accounts/devices.py, OWASP's "device cookies"): a browser that has
# logged in to an account holds it, and gets in with the right password even while that
# account is locked by others' wrong guesses. The API hands out the same as a `device` token.
LOGIN_DEVICE_COOKIE_NAME = "login_device"
LOGIN_DEVICE_COOKIE_AGE = 24 * 3600 * env.int("LOGIN_DEVICE_DAYS", default=365)

# Second factors (accounts/second_factor.py): roles that must log in with a code from an
# authenticator app (or a recovery code); anyone else may opt in on their profile.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["doctor", "admin"])
OTP_TOTP_ISSUER = CLINIC_NAME
OTP_RECOVERY_CODES = 10

# Sessions: HttpOnly, SameSite=Lax, Secure in production; ended after SESSION_IDLE_MINUTES
# without a request (accounts/sessions.py moves the expiry forward while in use).
SESSION_COOKIE_AGE = 60 * env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)

# Transport: HTTPS only in production. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the proxy overwrites it).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP probe
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # addresses carry ids of patients and visits
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (Django's own): scripts and styles from this site, inline ones
# only with the request's nonce ({{ csp_nonce }}); nothing from a CDN.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # data: for the small SVG icons in the admin's and Swagger UI's stylesheets.
    "img-src": [CSP.SELF, "data:", *(["https://res.cloudinary.com"] if USE_CLOUDINARY else [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
