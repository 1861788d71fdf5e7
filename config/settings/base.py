"""Settings shared by every environment. Every deploy-time value comes from the environment.

Read top to bottom: core, apps, middleware, templates, database, cache, Celery, email, auth,
security, then the app's own settings. Each setting is set once, here, with its default; code
reads ``settings.X`` directly. `.env.example` lists every environment variable.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the site, used in links inside emails and QR codes.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Apps -----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "kernel",
    "schools",
    "members",
    "strikes",
    "demo",
]

# --- Middleware -----------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    # The person's memberships and roles from their session, not two queries a request.
    "members.middleware.ViewerSessionMiddleware",
    # Officers without an authenticator app are sent to set one up (see "Auth" below).
    "members.middleware.OfficerMFAMiddleware",
    # Last, so it is the first to see a view's exception: refusals become the 403/404 pages.
    "members.access.RefusalMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://user@host:5432/name); without it, SQLite.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks and take them up front.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Our queries are short; PostgreSQL's JIT cost more to compile them than it saved
    # (~40 ms on the national dashboard; see bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# --- Cache ----------------------------------------------------------------------------------
# REDIS_URL: Redis for the cache and Celery's broker. Without it, a file cache and Celery's
# filesystem broker in var/, shared by web, worker and beat on one machine.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis, and this process's memory for a while when Redis is unreachable (config.cache).
    CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ---------------------------------------------------------------------------------
# The filesystem broker's folder can be moved (the worker integration test uses a tmp dir).
_broker_folder = Path(env("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem:"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "processed_folder": str(_broker_folder / "processed"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Publishing happens in requests (after commit): when the broker is unreachable, give up fast
# (the row stays due and the beat sweep sends it later) instead of holding the request.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat sweeps the outbox for messages that have fallen due, and plans reminders. The
# sweep runs every 15 s so that a dead worker's messages (their 30 s lease run out) go again
# within a minute; a sweep is three short queries.
NOTIFICATION_SWEEP_SECONDS = env.int("NOTIFICATION_SWEEP_SECONDS", default=15)
REMINDER_SCHEDULE_SECONDS = env.int("REMINDER_SCHEDULE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "sweep-due-notifications": {
        "task": "strikes.tasks.notifications_sweep",
        "schedule": NOTIFICATION_SWEEP_SECONDS,
    },
    "schedule-reminders": {
        "task": "strikes.tasks.reminders_schedule_task",
        "schedule": REMINDER_SCHEDULE_SECONDS,
    },
    "retention-sweep": {
        "task": "members.tasks.retention_sweep_task",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),  # the 1st of each month, 03:00
    },
    "support-messages-retention": {
        "task": "strikes.tasks.support_messages_retention_task",
        "schedule": crontab(minute=30, hour=3),  # daily, 03:30
    },
    "turnout-reminders": {
        "task": "strikes.tasks.turnout_reminders_task",
        "schedule": REMINDER_SCHEDULE_SECONDS,
    },
    "turnout-retention": {
        "task": "strikes.tasks.turnout_retention_task",
        "schedule": crontab(minute=45, hour=3),  # daily, 03:45
    },
}

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587; default: print to the console.
# EMAIL_BACKEND and EMAIL_FILE_PATH, when set, win over it (the worker test writes files).
_email = env.email_url("EMAIL_URL", default="consolemail://")
if env("EMAIL_BACKEND", default=""):
    _email["EMAIL_BACKEND"] = env("EMAIL_BACKEND")
if env("EMAIL_FILE_PATH", default=""):
    _email["EMAIL_FILE_PATH"] = env("EMAIL_FILE_PATH")
vars().update(_email)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ...
# A stuck mail server must not hold a send past its lease (NOTIFICATION_LEASE_SECONDS).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Picketline <picketline@localhost>")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
# Sessions are read from the cache (a Redis GET on every signed-in request, not a query) and
# kept in the database; the cache's copy lasts at most SESSION_CACHE_SECONDS (config/sessions.py).
SESSION_ENGINE = "config.sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=3600)
# No form of ours posts more than a few KB; past this a POST is refused with a message (413,
# config.middleware.InputGuardMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Picketline] "
# Open sign-up is off: members come from the union's own records (import_members).
PICKETLINE_OPEN_SIGNUP = env.bool("PICKETLINE_OPEN_SIGNUP", default=False)
# Officers (district officer and above) must use an authenticator app (TOTP), with recovery codes
# for a lost phone. Until they set one up, members.middleware.OfficerMFAMiddleware sends them to
# the set-up page. Off only for `make run`'s local demo (config/settings/local.py).
OFFICER_MFA_REQUIRED = env.bool("OFFICER_MFA_REQUIRED", default=True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Picketline"
# Accept the code of the 30-second step before or after the current one: phone clocks drift.
MFA_TOTP_TOLERANCE = 1

# --- Security: rate limits ------------------------------------------------------------------
# One limiter (kernel.ratelimit): views declare their limits; counts live in the default cache.
# Rate limits count per client address. Behind proxies of our own (a TLS terminator, a load
# balancer), each appends to X-Forwarded-For: say how many, and the client is read from the
# right of that header. 0 (the default): REMOTE_ADDR, for a server reached directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Sign-in, login codes and the second-factor code: allauth's own views and limits.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
    "request_login_code": "10/m/ip,3/m/key",
}
# Public pages reached by a secret link (supporter rota, the evening-before confirm/cancel link,
# a supporter's data and erasure pages): per address, "<count>/<seconds>". Writes are POSTs,
# plus the one-tap confirm link, which writes on GET.
PUBLIC_RATE_LIMIT_WRITES = env("PUBLIC_RATE_LIMIT_WRITES", default="20/60")
PUBLIC_RATE_LIMIT_READS = env("PUBLIC_RATE_LIMIT_READS", default="120/60")
# A supporter joining a line's rota (it sends an email): a stricter limit on top of the above.
SUPPORTER_JOIN_RATE_LIMIT = env("SUPPORTER_JOIN_RATE_LIMIT", default="10/600")
# Sending a message of support (each waits for a rep to read it): a stricter limit on top.
SUPPORT_MESSAGE_RATE_LIMIT = env("SUPPORT_MESSAGE_RATE_LIMIT", default="5/600")
# Content-Security-Policy (django-csp), in every environment so the tests run what ships: our
# own files only, no inline script or style. htmx works under it because its indicator styles
# are in our stylesheet (templates/base.html sets includeIndicatorStyles false). Map tiles, when
# configured, may come from their host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# --- App: dashboard and map -----------------------------------------------------------------
# Map tiles for the dashboard; empty means points on a plain background (no outside requests).
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
# The dashboard's figures are shared for this long by everyone watching the same place (0: off).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=10)
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=30)
# The Code of Practice on Picketing advises no more than this many pickets at an entrance.
PICKETS_ADVISED_PER_ENTRANCE = 6

# --- App: notifications ---------------------------------------------------------------------
# Reminders: the evening-before check at this London time the day before a shift, and a
# reminder this many minutes before it starts (never 22:00-06:00 unless it starts before 07:00).
EVENING_BEFORE_AT = env("EVENING_BEFORE_AT", default="18:00")
MORNING_REMINDER_MINUTES = env.int("MORNING_REMINDER_MINUTES", default=60)
REMINDER_HORIZON_HOURS = env.int("REMINDER_HORIZON_HOURS", default=48)
# The signed confirm/cancel links in the evening-before message stop working after this.
CONFIRM_LINK_MAX_AGE = env.int("CONFIRM_LINK_MAX_AGE", default=2 * 24 * 3600)
# Delivery: a claimed message (and a batch a worker has started) is held this long, renewed
# every RENEW_SECONDS while the worker works, so a killed worker's messages are free again
# within the lease; a swept one waiting in the broker is marked queued this long; a failed send
# is retried with backoff (base * 2**(attempt-1)) up to the maximum attempts. A send must
# finish within the lease: EMAIL_TIMEOUT and SMS_TIMEOUT_SECONDS are well under it.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=30)
NOTIFICATION_RENEW_SECONDS = env.int("NOTIFICATION_RENEW_SECONDS", default=10)
NOTIFICATION_QUEUED_LEASE_SECONDS = env.int("NOTIFICATION_QUEUED_LEASE_SECONDS", default=300)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# A batch marks the messages its backend took as sent in one UPDATE, at the batch's end or
# after this many seconds, whichever comes first: a worker killed mid-batch sends again at most
# what it handed over in that time (bench/README.md, "A killed worker"). 0: after every message
# (one UPDATE a message, the narrowest window).
NOTIFICATION_MARK_SECONDS = env.float("NOTIFICATION_MARK_SECONDS", default=0.2)
# The sweep hands due messages to workers this many ids to a task (one broker message), and
# keeps at most SWEEP_LIMIT queued and waiting at once: enough that workers do not run dry
# between sweeps (rate x SWEEP_SECONDS), few enough that they claim them all within the queued
# lease (rate x QUEUED_LEASE_SECONDS). See bench/README.md, "Notification fan-out".
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=200)
NOTIFICATION_SWEEP_LIMIT = env.int("NOTIFICATION_SWEEP_LIMIT", default=30_000)
# Text messages: strikes.sms.ConsoleBackend (default), strikes.sms.HttpBackend (a provider
# taking JSON with a bearer key and an Idempotency-Key header) or strikes.sms.LocmemBackend.
SMS_BACKEND = env("SMS_BACKEND", default="strikes.sms.ConsoleBackend")
SMS_API_URL = env("SMS_API_URL", default="")
SMS_API_KEY = env("SMS_API_KEY", default="")
SMS_SENDER = env("SMS_SENDER", default="Picketline")
SMS_TIMEOUT_SECONDS = env.int("SMS_TIMEOUT_SECONDS", default=10)

# --- App: people ----------------------------------------------------------------------------
# Phone numbers typed without a country code are read as numbers of this country (members.phones).
PHONENUMBER_DEFAULT_REGION = "GB"

# --- App: privacy ---------------------------------------------------------------------------
# Rosters, signups and check-ins of a dispute are anonymised this many days after it closed
# (`manage.py retention_sweep`, and the monthly beat job above); counts and reports are kept.
RETENTION_DAYS_AFTER_DISPUTE = env.int("RETENTION_DAYS_AFTER_DISPUTE", default=180)
# A message of support's contact is cleared, and messages never published deleted, this many
# days after its dispute closed (the daily beat job above); published messages are kept.
SUPPORT_CONTACT_DAYS_AFTER_DISPUTE = env.int("SUPPORT_CONTACT_DAYS_AFTER_DISPUTE", default=0)

# --- App: ballot turnout --------------------------------------------------------------------
# Per-person "voted" marks are deleted this many days after a ballot closes (the daily beat job
# above); the counts stay. Scheduled ballot reminders (a week before the close, two days before,
# the last day) fall due at this London time.
TURNOUT_MARKS_RETENTION_DAYS = env.int("TURNOUT_MARKS_RETENTION_DAYS", default=30)
TURNOUT_REMINDER_AT = env("TURNOUT_REMINDER_AT", default="10:00")
