"""Settings shared by every environment. Values come from the environment (see .env.example).

With no environment at all this runs the demo: a SQLite file, Celery tasks executed
in-process and a local-memory cache, so `make demo` needs nothing but Python.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The demo key is only ever used by base/test settings; production.py demands a real one.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-demo-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_apps.PharmaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "auditlog",
    "django_celery_beat",
    "django_celery_results",
    "import_export",
    "axes",
    # ours, in dependency order (ARCHITECTURE.md)
    "common",
    "accounts",
    "inventory",
    "suppliers",
    "forecasting",
    "optimization",
    "alerts",
    "reporting",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.limits.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the login page's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in of a locked-out username and address (django-axes).
    "accounts.backends.LockoutBackend",
    "accounts.backends.RoleModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the files whitenoise serves in production.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# Cache and broker: Redis when REDIS_URL is set, otherwise in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="pharmastock"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery (config/celery.py reads every CELERY_* setting).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "default"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Default limits for ordinary tasks; numeric jobs on the "heavy" queue set their own,
# never above CELERY_LONGEST_TASK_LIMIT.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)
CELERY_LONGEST_TASK_LIMIT = env.int("CELERY_LONGEST_TASK_LIMIT", default=2 * 60 * 60)
# A task not acknowledged within the visibility timeout is redelivered by Redis; it must be
# longer than any task can run, or a long job would start twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_LONGEST_TASK_LIMIT + 60 * 60}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="default")
CELERY_HEAVY_QUEUE = env.str("CELERY_HEAVY_QUEUE", default="heavy")
CELERY_TASK_ROUTES = {
    "forecasting.tasks.*": {"queue": CELERY_HEAVY_QUEUE},
    "optimization.tasks.*": {"queue": CELERY_HEAVY_QUEUE},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes an anonymous API call a 401.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasCapability"],
    "DEFAULT_PAGINATION_CLASS": "common.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PharmaStock API",
    "DESCRIPTION": "ERP integration API for inventory, forecasts, replenishment and suppliers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["accounts.permissions.HasCapability"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Audit trail: one table of entries with old -> new values (accounts.AuditLogEntry).
AUDITLOG_LOGENTRY_MODEL = "accounts.AuditLogEntry"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False
# auditlog's own migrations create its default table even when the entry model is swapped;
# with no migrations for it, the unused table is never created (a swapped model is skipped).
MIGRATION_MODULES = {"auditlog": None}

# Imports: the largest file accepted, and where raw files are kept (MEDIA_ROOT/imports/).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Request limits: a body without files (form or JSON) up to DATA_UPLOAD_MAX_MEMORY_SIZE, at
# most DATA_UPLOAD_MAX_NUMBER_FIELDS fields and DATA_UPLOAD_MAX_NUMBER_FILES files; an upload
# up to IMPORT_MAX_BYTES (plus the form around it). Over a limit: 400 or 413 with the reason
# (config.limits). Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=10)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # the audit trail records every imported change

# manage.py generate_demo_data may run (never in production: it can delete all inventory).
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)

# ABC by share of consumption value, XYZ by coefficient of variation of weekly demand.
# Forecasting: per-series statsmodels/Prophet candidates in scheduled runs (slow: about a
# second per series and method), for SKU-sites of these ABC classes; holidays for Prophet.
FORECAST_RICH_METHODS = env.list("FORECAST_RICH_METHODS", default=[])
FORECAST_RICH_ABC_CLASSES = env.list("FORECAST_RICH_ABC_CLASSES", default=["A"])
FORECAST_HOLIDAY_COUNTRY = env.str("FORECAST_HOLIDAY_COUNTRY", default="")

# Optimization: defaults for policies where master data says nothing.
OPTIMIZATION_HOLDING_RATE = env.float("OPTIMIZATION_HOLDING_RATE", default=0.25)
OPTIMIZATION_REVIEW_PERIOD_DAYS = env.float("OPTIMIZATION_REVIEW_PERIOD_DAYS", default=7)
OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS = env.float("OPTIMIZATION_DEFAULT_LEAD_TIME_DAYS", default=14)
OPTIMIZATION_ORDER_COST = env.float("OPTIMIZATION_ORDER_COST", default=50)
# How the policy refresh sizes policies when not told: "optimized" (ours) or "textbook" (the
# seed's rule, the baseline of the business case).
OPTIMIZATION_POLICY_METHOD = env.str("OPTIMIZATION_POLICY_METHOD", default="optimized")
# SKU-sites replenished by transfer from their parent site: the days of handling added to the
# transit (picking and dispatch at the parent) and the cost of one transfer (a pick and a
# delivery on the network's own run: cheaper than a purchase order).
OPTIMIZATION_TRANSFER_HANDLING_DAYS = env.float("OPTIMIZATION_TRANSFER_HANDLING_DAYS", default=1)
OPTIMIZATION_TRANSFER_ORDER_COST = env.float("OPTIMIZATION_TRANSFER_ORDER_COST", default=15)

# Replenishment plans: days projected, SKUs per chunk of a plan run, the approval limit of a
# planner who has none of their own, and what a transfer between sites costs (a share of the
# unit price) and takes (days).
PLAN_HORIZON_DAYS = env.int("PLAN_HORIZON_DAYS", default=60)
PLAN_CHUNK_SKUS = env.int("PLAN_CHUNK_SKUS", default=1000)
PLAN_DEFAULT_APPROVAL_LIMIT = env.float("PLAN_DEFAULT_APPROVAL_LIMIT", default=25000)
PLAN_TRANSFER_COST_RATE = env.float("PLAN_TRANSFER_COST_RATE", default=0.03)
PLAN_TRANSFER_TRANSIT_DAYS = env.float("PLAN_TRANSFER_TRANSIT_DAYS", default=2)

# Alerts: how often the navigation badge asks for new counts (seconds).
ALERTS_BADGE_POLL_SECONDS = env.int("ALERTS_BADGE_POLL_SECONDS", default=15)

INVENTORY_ABC_A_SHARE = env.float("INVENTORY_ABC_A_SHARE", default=0.80)
INVENTORY_ABC_B_SHARE = env.float("INVENTORY_ABC_B_SHARE", default=0.95)
INVENTORY_XYZ_X_BELOW = env.float("INVENTORY_XYZ_X_BELOW", default=0.5)
INVENTORY_XYZ_Y_BELOW = env.float("INVENTORY_XYZ_Y_BELOW", default=1.0)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="pharmastock@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sign-in lockout (django-axes): LOGIN_FAILURE_LIMIT failed attempts for one username from one
# address lock that pair for LOGIN_LOCKOUT_MINUTES; unknown usernames count the same way. Admins
# unlock early in the admin (Axes > Access attempts: delete the row). accounts.lockout records
# the lockout and the alerts app raises a "security" alert for admins.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.middleware.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.views.account.login_refused"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "old_password"]

# Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without activity and, whatever the activity,
# SESSION_ABSOLUTE_HOURS after sign-in (accounts.middleware.SessionTimeoutMiddleware). A signer
# idle longer than SIGNATURE_REIDENTIFY_MINUTES enters the user id again with the password.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SIGNATURE_REIDENTIFY_MINUTES = env.int("SIGNATURE_REIDENTIFY_MINUTES", default=10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
