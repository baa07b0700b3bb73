"""Settings, read from the environment here and nowhere else.

With nothing set the app runs on two SQLite files under ``var/``, runs Celery tasks eagerly
and is in development mode (``DEBUG`` on). Setting ``DATABASE_URL`` makes ``DEBUG`` default
to off; with ``DEBUG`` off the app refuses to start without a real ``SECRET_KEY`` and, unless
``HTTPS=false``, requires HTTPS (secure cookies, HSTS, redirects).
See ``.env.example`` for every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.background import BEAT_SCHEDULE, broker_transport_options
from config.env import (
    audit_chain_key,
    database,
    database_identity,
    env_bool,
    env_int,
    env_list,
    secret_key,
)
from config.log_filters import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


# --- mode and secrets -----------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=not os.environ.get("DATABASE_URL"))

SECRET_KEY = secret_key(debug=DEBUG, var_dir=VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "csp",
    # The project's apps, lowest layer first.
    "audit",
    "rules",
    "annotators",
    "safety_labels",
    "annotation",
    "review",
    "compliance",
    "demo",
    # Last, as django-axes asks.
    "axes",
]

MIDDLEWARE = [
    # First: the request's id spans every step below, and the log lines they write.
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After static files, which keep their long cache: nothing else is kept by any cache.
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.RefusedRequestAuditMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the login check: a signed-in person who must give a second factor gives it first.
    "annotators.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, nearest the views: a database out of reach is a 503 page, not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "annotators.context_processors.roles",
    ]},
}]

# --- databases ------------------------------------------------------------------------------

DATABASES = {
    "default": database("DATABASE_URL", VAR_DIR, "main.sqlite3"),
    # Safety labels and their approvals only; see config/db_router.py.
    "safety": database("SAFETY_DATABASE_URL", VAR_DIR, "safety.sqlite3"),
}
if database_identity(DATABASES["default"]) == database_identity(DATABASES["safety"]):
    raise ImproperlyConfigured(
        "DATABASE_URL and SAFETY_DATABASE_URL name the same database; safety labels must be "
        "stored apart, so give SAFETY_DATABASE_URL a database of its own."
    )

DATABASE_ROUTERS = ["config.db_router.SafetyRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- authentication -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: failed logins lock the account that failed, from whatever address they come
# (LOGIN_FAILURE_LIMIT in a row); an address is only throttled after many more failures
# across accounts (LOGIN_ADDRESS_FAILURE_LIMIT), so that one person's typos lock nobody else.
# Both last LOGIN_LOCKOUT_MINUTES; a manager can unlock an account from the person's page.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
if not 0 < AXES_FAILURE_LIMIT < LOGIN_ADDRESS_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        f"LOGIN_ADDRESS_FAILURE_LIMIT={LOGIN_ADDRESS_FAILURE_LIMIT} must be above "
        f"LOGIN_FAILURE_LIMIT={AXES_FAILURE_LIMIT} (and both above 0): an address is throttled "
        "only after failures across several accounts.")
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# django-axes warns that locking by username alone lets an address try account after account;
# the handler above throttles such an address on its own, higher limit.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_HANDLER = "annotators.lockout.AccountLockoutHandler"
AXES_LOCKOUT_CALLABLE = "annotators.lockout.lockout_response"
# Behind reverse proxies, the number of them that append to X-Forwarded-For; without it every
# user would share the proxy's address and one person's failures would lock out everyone.
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"])
AXES_RESET_ON_SUCCESS = True
# What a failed sign-in's record (visible in the admin) keeps masked: the second factor too.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp"]
AXES_VERBOSE = False

# django-guardian: object permissions on tasks. No anonymous user row is created.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# API tokens: only a hash of each is stored; each expires this many hours after it is issued,
# and signing out, a password change or deactivating the account ends it sooner.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 8, low=1, high=24 * 30)
KNOX_TOKEN_MODEL = "annotators.ApiToken"  # noqa: S105 (a model's name, not a secret)
REST_KNOX = {"TOKEN_TTL": timedelta(hours=API_TOKEN_HOURS), "AUTH_HEADER_PREFIX": "Token"}
# knox's own migrations would create its default token table, which the model above replaces;
# without them the swapped-out model has no table at all.
MIGRATION_MODULES = {"knox": None}

# --- HTTPS hardening (on whenever DEBUG is off, unless HTTPS=false for a local run) ----------

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
HTTPS = env_bool("HTTPS", not DEBUG)
if not HTTPS and not DEBUG and not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
    raise ImproperlyConfigured(
        "Refusing to start: HTTPS=false is only for a local run, but ALLOWED_HOSTS names "
        f"{', '.join(sorted(set(ALLOWED_HOSTS) - LOOPBACK_HOSTS))}. Serve over HTTPS, or keep "
        "ALLOWED_HOSTS to 127.0.0.1 and localhost.")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Two-factor sign-in (TOTP) for managers, compliance officers and staff. On by default
# whenever the app serves others: off in development (DEBUG) and for a run that answers only
# on the loopback address over plain HTTP (`make run`, HTTPS=false), on otherwise.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", default=not DEBUG and HTTPS)
OTP_TOTP_ISSUER = os.environ.get("TWO_FACTOR_ISSUER") or "Annotation workforce"
# How many one-time recovery codes enrolment hands out.
TWO_FACTOR_RECOVERY_CODES = 10
# The admin never shows an authenticator's key or a recovery code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF], "script-src": [SELF], "style-src": [SELF], "img-src": [SELF, "data:"],
    "media-src": [SELF], "font-src": [SELF], "connect-src": [SELF], "form-action": [SELF],
    "object-src": [NONE], "base-uri": [NONE], "frame-ancestors": [NONE],
}}

# --- internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static and media files -----------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# In development WhiteNoise serves straight from the apps' static folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Exports of safety labels: segregated like the labels, never beside other exports.
    "safety_exports": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                       "OPTIONS": {"location": Path(os.environ.get(
                           "SAFETY_EXPORT_ROOT", VAR_DIR / "safety-exports"))}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- email ----------------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For the file backend (make run): each message a file here.
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "annotation-workforce@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotators.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "5000/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Annotation workforce manager API",
    "DESCRIPTION": "Tasks, rules, workforce credentials, labels and review, under /api/v1/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"RuleSetKindEnum": "rules.models.RuleSet.Kind",
                            "CredentialKindEnum": "annotators.models.CredentialKind",
                            "QuestionKindEnum": "annotators.models.Question.Kind"},
}

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or "memory://localhost/"
# Without a broker the embedded default runs every task in the calling process.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = True
# A broker that needs no server, for a local run (make run): messages are files under var/.
FILESYSTEM_BROKER = CELERY_BROKER_URL.startswith("filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, var_dir=VAR_DIR)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    None if CELERY_TASK_ALWAYS_EAGER or FILESYSTEM_BROKER else CELERY_BROKER_URL
)
# Nothing reads a task's return value: a job's outcome is in its row. Storing none also keeps
# a send from waiting on a result backend that is out of reach.
CELERY_TASK_IGNORE_RESULT = True
# A message is acknowledged when its task ends, not when a worker takes it: a worker killed
# mid-task leaves it to be delivered again (at once when the pool sees its process die; for
# Redis, after the visibility timeout when the whole worker is gone). Every task may run
# twice: jobs are claimed by one attempt at a time, the rest are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Sending never holds up a request whose change is stored: a broker out of reach fails the
# send within about two seconds, and the job row or the sweeps send it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# Background jobs (imports, exports): an attempt shows it is alive every
# JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_MINUTES is taken over; a queued job whose
# message reached no worker in JOB_RESEND_MINUTES is sent again; after JOB_MAX_ATTEMPTS
# attempts a job fails with the reason on its page.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 30)
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", 5)
JOB_RESEND_MINUTES = env_int("JOB_RESEND_MINUTES", 10)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
if not 0 < 2 * JOB_HEARTBEAT_SECONDS < 60 * JOB_STALE_MINUTES or JOB_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("A job must beat at least twice within JOB_STALE_MINUTES, and "
                               "have at least one attempt (JOB_MAX_ATTEMPTS).")

# What one import of items may hold. A file breaking a limit is refused with the limit named.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200)
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 800)
IMPORT_MAX_ENTRIES = env_int("IMPORT_MAX_ENTRIES", 5000)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
IMPORT_MAX_LINE_KB = env_int("IMPORT_MAX_LINE_KB", 1024)
IMPORT_MAX_JSON_DEPTH = env_int("IMPORT_MAX_JSON_DEPTH", 20)
IMPORT_MAX_ITEM_CHARS = env_int("IMPORT_MAX_ITEM_CHARS", 100_000)
IMPORT_MAX_MEDIA_MB = env_int("IMPORT_MAX_MEDIA_MB", 50)

# The lowest pass mark (percent) an exam may set for any ability. Lowering it below 60 is a
# deliberate, documented decision of the provider: an exam passed at less tests little.
EXAM_PASS_MARK_FLOOR = env_int("EXAM_PASS_MARK_FLOOR", 60, low=0, high=100)

# Exports name annotators by a keyed hash of their id; set this to keep the pseudonyms
# stable across a change of SECRET_KEY.
EXPORT_PSEUDONYM_KEY = os.environ.get("EXPORT_PSEUDONYM_KEY", "")

# The audit trail is chained with an HMAC under this key (config/env.py says where it comes
# from when AUDIT_CHAIN_KEY is unset); keep it for the trail's lifetime.
AUDIT_CHAIN_KEY, AUDIT_CHAIN_KEY_SOURCE = audit_chain_key(debug=DEBUG, var_dir=VAR_DIR,
                                                          secret_key=SECRET_KEY)

# --- logging --------------------------------------------------------------------------------

LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"))
