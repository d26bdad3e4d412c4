"""Atelier settings: one module, driven by the environment.

With nothing set, the site runs on SQLite with in-process (eager) Celery tasks and a
local-memory cache, so `make run` works on a fresh machine. Set DATABASE_URL, CACHE_URL and
CELERY_BROKER_URL to run the same code on PostgreSQL, Redis and a real Celery worker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Sessions, CSRF tokens and the shopper cookie are signed with SECRET_KEY. Only a DEBUG run
# (`make run`) may use the key that is in the source; with DEBUG off the site refuses to start
# without a key of its own (Django's deploy check also flags this one by its prefix).
DEVELOPMENT_SECRET_KEY = "django-insecure-atelier-local-runs-only"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default="")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off Atelier needs a secret key of its own: set SECRET_KEY to 50 or "
        "more random characters (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DEBUG=1 "
        "for a local run."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_countries",
    "django_ratelimit",
    "csp",
    "axes",
    "configurator",
    "personalization",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "atelier.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above everything that may touch the database (sessions, auth, messages): 503, not 500.
    "atelier.middleware.DatabaseUnavailableMiddleware",
    "configurator.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "configurator.middleware.ShopperMiddleware",
    "personalization.middleware.PendingChoicesMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "atelier.urls"
WSGI_APPLICATION = "atelier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "personalization.context_processors.consent",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (`make run`, the tests): a transaction takes the write lock when it begins and waits
    # for it, rather than failing at once with "database is locked" when it first writes beside
    # another writer (a click's event beside the in-process periodic tasks was answered 503).
    # WAL lets pages read while a task writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://atelier")}
if CACHES["default"]["BACKEND"].startswith("django_redis."):
    # The cache only saves work: with Redis away a read misses and a write is skipped (logged),
    # and a Redis that hangs costs a request at most a second, not a timeout.
    CACHES["default"].setdefault("OPTIONS", {}).update({
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
        "SOCKET_TIMEOUT": env.float("CACHE_TIMEOUT", default=1.0),
    })
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin login throttling (django-axes, failures stored in the database so every process counts
# them): after ATELIER_LOGIN_FAILURE_LIMIT failed logins for one user name, or from one address
# (read like the rate limits: ATELIER_RATELIMIT_PROXIES), logins for it get a 429 page for
# ATELIER_LOGIN_COOLOFF_MINUTES. Staff unlock earlier in admin (Axes > Access attempts: delete the
# attempt) or with `manage.py axes_reset_username <name>` / `axes_reset_ip <address>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: it refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ATELIER_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("ATELIER_LOGIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks
AXES_RESET_ON_SUCCESS = True  # a good login clears that user name's and address's failures
AXES_CLIENT_IP_CALLABLE = "atelier.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "atelier.throttling.login_locked_out"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # FileSystemStorage that writes to a temporary name and renames into place when complete.
    "default": {"BACKEND": "atelier.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Object storage (S3, or an S3-compatible store such as MinIO or Cloudflare R2) by configuration
# alone: with ATELIER_S3_BUCKET set, every file Atelier reads or writes (layer art, previews,
# social cards) goes there through django-storages. Credentials come from boto3's usual sources
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role).
ATELIER_S3_BUCKET = env("ATELIER_S3_BUCKET", default="")
if ATELIER_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATELIER_S3_BUCKET,
            "endpoint_url": env("ATELIER_S3_ENDPOINT_URL", default=None),
            "region_name": env("ATELIER_S3_REGION", default=None),
            "location": env("ATELIER_S3_PREFIX", default=""),
            # As on disk, a stored file is never replaced under a reader: a taken name gets a new one.
            "file_overwrite": False,
            "default_acl": None,  # the bucket's own policy; previews and cards are served by Atelier
        },
    }
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
FONT_DIR = BASE_DIR / "static" / "fonts"
# Rendered previews and social cards are a cache kept within this many bytes: a periodic task
# (ATELIER_RENDER_EVICT_SECONDS) deletes the least recently used; they are drawn again on request.
ATELIER_RENDER_QUOTA_BYTES = env.int("ATELIER_RENDER_QUOTA_BYTES", default=1024**3)
ATELIER_RENDER_EVICT_SECONDS = env.float("ATELIER_RENDER_EVICT_SECONDS", default=5 * 60.0)
# Renders are not stored (503, try again) when MEDIA_ROOT's file system would keep less than this
# free, so they never take the room the database and uploads need; /health/ says degraded then.
ATELIER_STORAGE_MIN_FREE_BYTES = env.int("ATELIER_STORAGE_MIN_FREE_BYTES", default=64 * 1024**2)
# GET /health/ shows only the overall status, except to staff and to a request with the header
# "Authorization: Bearer <this token>" (for monitoring). Empty: staff only.
ATELIER_HEALTH_TOKEN = env("ATELIER_HEALTH_TOKEN", default="")

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Atelier <orders@atelier.example>")

# Requests larger than this are refused with 413 before any view reads them.
ATELIER_MAX_BODY_BYTES = env.int("ATELIER_MAX_BODY_BYTES", default=256 * 1024)
# Product packages (configurator.packages): the most an upload or a zip may weigh, how many files
# it may hold, how much it may unpack to, how far one entry may unpack beyond its packed size
# (zip bombs), the most pixels one image may have (read from its header, before decoding) and
# the most the catalog file may weigh. The admin's package upload may send a body this large.
ATELIER_PACKAGE_MAX_BYTES = env.int("ATELIER_PACKAGE_MAX_BYTES", default=50 * 1024**2)
ATELIER_PACKAGE_MAX_FILES = env.int("ATELIER_PACKAGE_MAX_FILES", default=2000)
ATELIER_PACKAGE_MAX_UNPACKED_BYTES = env.int("ATELIER_PACKAGE_MAX_UNPACKED_BYTES", default=200 * 1024**2)
ATELIER_PACKAGE_MAX_RATIO = env.int("ATELIER_PACKAGE_MAX_RATIO", default=100)
ATELIER_PACKAGE_MAX_PIXELS = env.int("ATELIER_PACKAGE_MAX_PIXELS", default=4096 * 4096)
ATELIER_PACKAGE_MAX_CATALOG_BYTES = env.int("ATELIER_PACKAGE_MAX_CATALOG_BYTES", default=2 * 1024**2)
# How long a process trusts its own copy of hot lookups (a product's current version, the
# blocklist) before asking the shared cache again; changes reach every process within this.
ATELIER_LOCAL_CACHE_SECONDS = env.float("ATELIER_LOCAL_CACHE_SECONDS", default=5.0)

# Personalization: consent lasts a year; a burst of clicks refreshes a profile once, this many
# seconds after its first click; events older than the retention are purged (rollups stay).
ATELIER_CONSENT_MAX_AGE = env.int("ATELIER_CONSENT_MAX_AGE", default=365 * 24 * 3600)
ATELIER_PROFILE_DEBOUNCE_SECONDS = env.float("ATELIER_PROFILE_DEBOUNCE_SECONDS", default=5.0)
# A choice's weight in a profile halves every this many days.
ATELIER_PROFILE_HALF_LIFE_DAYS = env.float("ATELIER_PROFILE_HALF_LIFE_DAYS", default=30.0)
ATELIER_EVENT_RETENTION_DAYS = env.int("ATELIER_EVENT_RETENTION_DAYS", default=395)
# PostgreSQL: the event table has a partition per month; the beat task keeps this month and this
# many after it created (an event of a month without one lands in the default partition).
ATELIER_EVENT_PARTITIONS_AHEAD = env.int("ATELIER_EVENT_PARTITIONS_AHEAD", default=3)
# Switch event capture off (the benchmark compares a click with and without it).
ATELIER_EVENT_CAPTURE = env.bool("ATELIER_EVENT_CAPTURE", default=True)
# Clicks' events are written behind (personalization/writebehind.py) on PostgreSQL: one INSERT
# per batch of up to ATELIER_EVENT_FLUSH_BATCH events, at least every ATELIER_EVENT_FLUSH_SECONDS.
ATELIER_EVENT_WRITE_BEHIND = env.bool(
    "ATELIER_EVENT_WRITE_BEHIND", default=DATABASES["default"]["ENGINE"].endswith("postgresql")
)
ATELIER_EVENT_FLUSH_SECONDS = env.float("ATELIER_EVENT_FLUSH_SECONDS", default=0.2)
ATELIER_EVENT_FLUSH_BATCH = env.int("ATELIER_EVENT_FLUSH_BATCH", default=200)
ATELIER_EVENT_BUFFER_MAX = env.int("ATELIER_EVENT_BUFFER_MAX", default=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATELIER_MAX_BODY_BYTES
# Saves and orders sent with an Idempotency-Key (API) or a form's one-time token are remembered
# this long: a retry within it gets the first answer (configurator/idempotency.py).
ATELIER_IDEMPOTENCY_KEY_HOURS = env.float("ATELIER_IDEMPOTENCY_KEY_HOURS", default=24.0)

# The pseudonymous shopper id travels in this signed cookie (or the X-Atelier-Shopper header).
ATELIER_SHOPPER_COOKIE = "atelier_shopper"
ATELIER_SHOPPER_MAX_AGE = 60 * 60 * 24 * 365
# How long an e-mailed design link ("E-mail me this design") opens the design, in seconds.
ATELIER_DESIGN_LINK_MAX_AGE = env.int("ATELIER_DESIGN_LINK_MAX_AGE", default=60 * 60 * 24 * 7)
# How long the button of a campaign mail counts its clicks for the shopper it was sent to.
ATELIER_MAIL_CLICK_MAX_AGE = env.int("ATELIER_MAIL_CLICK_MAX_AGE", default=60 * 60 * 24 * 90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "configurator.api.auth.ShopperCookieCsrf",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["configurator.jsonsafe.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "configurator.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier API",
    "DESCRIPTION": "Configure, price, save, share and remix customised products.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "status": name their enums (`check --deploy` warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "BuildStatusEnum": ["draft", "shared", "ordered"],
        "OptionStatusEnum": ["selected", "available", "conflict", "unavailable"],
    },
}

# Celery: with no broker configured, tasks run in-process so a fresh machine needs nothing else.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this
# is set: a new PostgreSQL backend per task. Under load (about 1,000 tasks a minute) those
# connections were most of PostgreSQL's CPU. With it, a worker process keeps its connection for
# this many tasks, and atelier/celery.py treats a task like a request (close_old_connections:
# CONN_MAX_AGE and the health check after an error apply, so a database restart is survived).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a worker took but never acknowledged (acks late: the worker was killed, or its machine
# died) goes back to the queue after this many seconds on Redis. It must exceed the longest run
# of a task (the hard time limit above, and the largest countdown), or a running task would be
# handed to a second worker.
ATELIER_BROKER_VISIBILITY_TIMEOUT = env.float("ATELIER_BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": ATELIER_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2.0,
    # A Redis that accepts connections but hangs must not hold a request (or a worker) forever;
    # longer than the worker's BRPOP poll (1 s).
    "socket_timeout": 5.0,
}
# Sending a task while Redis is away fails fast (the callers log it; sweeps redo the work).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# Queues, so that production can give drawing and personalization workers of their own (README,
# "Scaling out"): "renders" draws social cards and keeps the render quota; "personalization"
# refreshes profiles and runs the sweeps, segments, rollups, mailings and audience syncs;
# everything else (order confirmations, design links, purges of keys, the health ping) stays on
# "celery". All three are declared here, so a worker started without -Q (make worker, the test
# suite's worker) consumes every one of them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in ("celery", "renders", "personalization")]
CELERY_TASK_ROUTES = {
    "configurator.social_card_render": {"queue": "renders"},
    "configurator.social_cards_sweep": {"queue": "renders"},
    "configurator.renders_evict": {"queue": "renders"},
    "personalization.*": {"queue": "personalization"},
}
# Periodic work of `make beat`. Every task recomputes, so a missed or doubled run is harmless.
# The sweeps redo what could not be queued while Redis was away (profiles, social cards,
# order confirmations).
ATELIER_SWEEP_SECONDS = env.float("ATELIER_SWEEP_SECONDS", default=60.0)
ATELIER_ROLLUPS_SECONDS = env.float("ATELIER_ROLLUPS_SECONDS", default=10 * 60.0)
# The erasure backstop: events whose shopper no longer exists are deleted this often (a full scan
# of the event table; writes already refuse events of a shopper without a row).
ATELIER_ORPHAN_SWEEP_SECONDS = env.float("ATELIER_ORPHAN_SWEEP_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE: dict = {
    "profiles-sweep": {"task": "personalization.profiles_sweep", "schedule": ATELIER_SWEEP_SECONDS},
    "profiles-sweep-full": {"task": "personalization.profiles_sweep", "schedule": 24 * 3600.0,
                            "kwargs": {"full": True}},
    "social-cards-sweep": {"task": "configurator.social_cards_sweep", "schedule": ATELIER_SWEEP_SECONDS},
    "order-confirmations-sweep": {"task": "configurator.order_confirmations_sweep", "schedule": ATELIER_SWEEP_SECONDS},
    "segments-materialize": {"task": "personalization.segments_materialize_all", "schedule": 15 * 60.0},
    "mailings-resume": {"task": "personalization.mailings_resume", "schedule": ATELIER_SWEEP_SECONDS},
    # Audience syncs plan after each materialization; these send retries that are due and re-plan as a backstop.
    "audience-deliveries-due": {"task": "personalization.audience_deliveries_due", "schedule": 60.0},
    "audience-syncs-run": {"task": "personalization.audience_syncs_run", "schedule": 15 * 60.0},
    "rollups-refresh": {"task": "personalization.rollups_refresh", "schedule": ATELIER_ROLLUPS_SECONDS},
    "events-purge": {"task": "personalization.events_purge", "schedule": 24 * 3600.0},
    "event-partitions-create": {"task": "personalization.event_partitions_create", "schedule": 24 * 3600.0},
    "renders-evict": {"task": "configurator.renders_evict", "schedule": ATELIER_RENDER_EVICT_SECONDS},
    "idempotency-keys-purge": {"task": "configurator.idempotency_keys_purge", "schedule": 3600.0},
    "events-orphans-sweep": {"task": "personalization.events_orphans_sweep", "schedule": ATELIER_ORPHAN_SWEEP_SECONDS},
}
# Without a broker there is no beat: the web process runs the schedule above itself (see
# atelier/periodic.py). On by default where tasks run in-process and DEBUG is on (`make run`).
ATELIER_PERIODIC_IN_PROCESS = env.bool("ATELIER_PERIODIC_IN_PROCESS", default=DEBUG and CELERY_TASK_ALWAYS_EAGER)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The in-process (memory://) broker of `make run` has no host; kombu says so on every task.
        "kombu.connection": {"level": "ERROR"},
        "axes.apps": {"level": "WARNING"},  # its version banner on every start; attempts still log
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept default.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Set by atelier.security.PermissionsPolicyMiddleware: no page needs any of these features.
ATELIER_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
                    "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking")
)
# Content Security Policy (django-csp 4): nothing inline, nothing evaluated, nothing from another
# origin. Templates carry no <script>/<style> blocks or style="" attributes; htmx is told not to
# inject its indicator <style> nor to eval (templates/base.html, htmx-config); the Swagger UI of
# /api/docs/ loads its set-up script from its own URL (SpectacularSwaggerSplitView).
# ATELIER_CSP_IMG_SRC adds origins for images, e.g. media served from object storage.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *env.list("ATELIER_CSP_IMG_SRC", default=[])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The embed of a shared design (configurator/embed_views.py) is the only page other sites may
# frame: ATELIER_EMBED_FRAME_ANCESTORS (default: any site) names who may; its own policy allows no
# script, no form and nothing from another origin but the image origins above.
ATELIER_EMBED_CSP = {
    "default-src": ["'none'"],
    "img-src": ["'self'", *env.list("ATELIER_CSP_IMG_SRC", default=[])],
    "style-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": env.list("ATELIER_EMBED_FRAME_ANCESTORS", default=["*"]),
}
# Behind a proxy or load balancer that terminates TLS: trust its X-Forwarded-Proto (only if it
# always sets or overwrites that header), so that is_secure(), the HTTPS redirect and the cookies'
# Secure flag see the visitor's scheme.
if env.bool("ATELIER_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG and env.bool("ATELIER_HTTPS", default=False):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
    ATELIER_EMBED_CSP["upgrade-insecure-requests"] = True

# Media (layer art, rendered previews) is served by Django only for local runs; production puts
# a web server or object storage in front of MEDIA_ROOT.
ATELIER_SERVE_MEDIA = env.bool("ATELIER_SERVE_MEDIA", default=DEBUG)

# Rate limits (configurator/ratelimits.py) on what writes or draws. "<scope>" counts per shopper
# (per IP for a request without one), "<scope>_ip" is a more generous ceiling per client IP.
# Override any of them, e.g. ATELIER_RATELIMITS="save=10/m,render_ip=1000/h"; an empty rate
# ("save=") switches that one off; ATELIER_RATELIMIT_ENABLED=0 switches them all off (load tests).
ATELIER_RATELIMIT_ENABLED = env.bool("ATELIER_RATELIMIT_ENABLED", default=True)
ATELIER_RATELIMITS = {
    "save": "30/m", "save_ip": "120/m",  # saves, edits, remixes and rebases of builds
    "share": "20/m", "share_ip": "60/m",
    "order": "10/m", "order_ip": "30/m",  # order form submissions, valid or not
    "events": "60/m", "events_ip": "300/m",  # POST /api/events/ batches (up to 500 events each)
    "render": "120/m", "render_ip": "600/m",  # previews and social cards drawn (cache misses only)
    "share_miss_ip": "30/10m",  # share codes looked up that do not exist
    "report": "5/h", "report_ip": "20/h",  # reports of shared designs (POST /s/<code>/report/)
    "design_email": "5/h", "design_email_ip": "20/h",  # "E-mail me this design" requests
    "design_email_to": "3/h",  # ... per address mailed to (nobody's inbox is flooded with links)
    "design_link": "5/10m", "design_link_ip": "20/10m",  # e-mailed links opened with the wrong address (guessing it)
    **env.dict("ATELIER_RATELIMITS", default={}),
}


def _check_rates(rates: dict) -> None:
    """A mistyped rate fails at start-up, not as a 500 on the first request it guards."""
    import re

    from django.core.exceptions import ImproperlyConfigured

    for scope, rate in rates.items():
        if rate and not re.fullmatch(r"\d+/\d*[smhd]", rate):
            raise ImproperlyConfigured(f"ATELIER_RATELIMITS: {scope}={rate!r} is not a rate such as 30/m or 5/10m")


_check_rates(ATELIER_RATELIMITS)
# Behind a load balancer or proxy, the number of them in front of Django: the client IP is then
# read from X-Forwarded-For. 0 (the default) uses the connection's address.
ATELIER_RATELIMIT_PROXIES = env.int("ATELIER_RATELIMIT_PROXIES", default=0)
RATELIMIT_FAIL_OPEN = True  # a cache that does not answer lets requests through (see ratelimits.py)
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # `make run` and tests: one process, so a per-process cache counts correctly. Production runs
    # on Redis, where django-ratelimit's own check (a shared cache) stays on.
    SILENCED_SYSTEM_CHECKS = [*vars().get("SILENCED_SYSTEM_CHECKS", []), "django_ratelimit.E003", "django_ratelimit.W001"]
