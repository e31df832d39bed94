"""Django settings, read once from RAPPORT_* environment variables (see docs/operations.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from rapport.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_ranges,
    env_str,
    read_secret_file,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "rapport-insecure-development-key-change-me-0123456789"  # noqa: S105
# `rapport demo` writes a random key here, so every later command on the same data folder
# (serve, import, worker) signs with the same key without RAPPORT_SECRET_KEY being set.
SECRET_KEY_FILE = DATA_DIR / "secret_key"
SECRET_KEY = env_str("SECRET_KEY", "") or read_secret_file(
    SECRET_KEY_FILE, create=env_bool("DEMO", False)
)
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEV_SECRET
elif not SECRET_KEY and env_bool("LOCAL_COMMAND", False):
    # Set by the CLI for commands that sign nothing that outlives them (import, worker).
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    raise ConfigurationError(
        "RAPPORT_SECRET_KEY is not set; set it to a long random string "
        "(or RAPPORT_DEBUG=true for development, or run `rapport demo` once on this data folder)"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "rapport.core",
    "rapport.customers",
    "rapport.feedback",
    "rapport.analytics",
    "rapport.notifications",
    "rapport.enrichment",
    "rapport.monitoring",
    "rapport.actions",
    "rapport.agreements",
    "rapport.reports",
    # --- alerts ---
    "rapport.alerts",
    "rapport.workspace",
    "rapport.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.core.middleware.LoginRequiredEverywhereMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "customers:portfolio"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'rapport.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while the worker writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# WhiteNoise serves the apps' static folders (finders) and warns at start-up when STATIC_ROOT
# is missing, which it is until someone runs collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 500, minimum=1) * 1024 * 1024
# A longer cell rejects its row (131,072 is the limit CSV fields had, Python's csv default).
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 131_072, minimum=1_000)
# XLSX parts are compressed: the workbook's parts unpacked, and its shared strings (which are
# held in memory while the sheet is read), may not exceed these.
IMPORT_MAX_XLSX_BYTES = env_int("IMPORT_MAX_XLSX_MB", 2048, minimum=1) * 1024 * 1024
IMPORT_MAX_XLSX_STRINGS_BYTES = env_int("IMPORT_MAX_XLSX_STRINGS_MB", 8, minimum=1) * 1024 * 1024

_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": env_choice("TASKS_BACKEND", "database", _TASK_BACKENDS),
        "QUEUES": ["default"],
    }
}
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL}}

_email = env_str("EMAIL_URL", "console://")
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
_scheme = _email.split("://", 1)[0]
if _scheme not in _EMAIL_BACKENDS:
    raise ConfigurationError(f"RAPPORT_EMAIL_URL scheme {_scheme!r} is not console, smtp or memory")
EMAIL_BACKEND = _EMAIL_BACKENDS[_scheme]
if _scheme == "smtp":
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email)
    EMAIL_HOST = _parts.hostname or "localhost"
    EMAIL_PORT = _parts.port or 25
    EMAIL_HOST_USER = unquote(_parts.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
    EMAIL_USE_TLS = EMAIL_PORT == 587
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "rapport@localhost")
# Links in e-mails are absolute: Rapport's address as its users reach it.
RAPPORT_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Webhooks to private, loopback, link-local… addresses are refused unless this is true (a
# receiver on the same machine or network, and the tests).
RAPPORT_WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
RAPPORT_WEBHOOK_TIMEOUT_SECONDS = 5
# The worker runs due work (core.registries.DUE_WORK: deliveries…) this often, so a
# notification does not wait for the once-a-minute periodic pass.
RAPPORT_DUE_WORK_SECONDS = env_int("DUE_WORK_SECONDS", 2, minimum=1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 500

# Statistics conventions (DESIGN.md section 6).
RAPPORT_MIN_N = env_int("MIN_N", 30, minimum=1)
RAPPORT_PAGE_SIZE = 50
# --- actions ---
# Days an action has by severity (its due date), and the further days before an overdue action
# escalates a second time (to the manager's manager, else the administrators).
RAPPORT_ACTION_DUE_DAYS = {
    "critical": env_int("ACTION_DUE_DAYS_CRITICAL", 2, minimum=0),
    "high": env_int("ACTION_DUE_DAYS_HIGH", 5, minimum=0),
    "medium": env_int("ACTION_DUE_DAYS_MEDIUM", 10, minimum=0),
    "low": env_int("ACTION_DUE_DAYS_LOW", 20, minimum=0),
}
RAPPORT_ESCALATION_LEVEL2_DAYS = env_int("ESCALATION_LEVEL2_DAYS", 3, minimum=1)
# The range of custom answers that carry none (an imported column): the SWOT page judges a
# driver's level only on a known scale.
RAPPORT_ANSWER_SCALES = env_ranges("ANSWER_SCALES")
# A running import without a checkpoint for this long has lost its worker (batches commit every
# few seconds), so it may be resumed and the worker marks it failed.
RAPPORT_IMPORT_STALLED_MINUTES = env_int("IMPORT_STALLED_MINUTES", 10, minimum=1)
# A worker beats every 2 s; silent for this long it is lost, and the import it ran may be
# resumed. On SQLite a beat waits while an import batch holds the write lock (6-8 s).
RAPPORT_WORKER_LOST_SECONDS = env_int("WORKER_LOST_SECONDS", 30, minimum=6)
# Uploaded import files are deleted this many days after their job ends (0: at the next pass).
RAPPORT_IMPORT_KEEP_UPLOADS_DAYS = env_int("IMPORT_KEEP_UPLOADS_DAYS", 30, minimum=0)
# --- monitoring ---
# Planned activities are generated this many days ahead of today from each agreed plan.
RAPPORT_MONITORING_HORIZON_DAYS = env_int("MONITORING_HORIZON_DAYS", 120, minimum=7)
# Owners are reminded this many days before an activity falls due (0: on the day).
RAPPORT_MONITORING_REMIND_DAYS = env_int("MONITORING_REMIND_DAYS", 3, minimum=0)
# An activity still not done this many days after it became overdue is marked missed (it can
# still be recorded as done, late).
RAPPORT_MONITORING_MISSED_AFTER_DAYS = env_int("MONITORING_MISSED_AFTER_DAYS", 30, minimum=1)
# --- reports ---
# Report runs (their document and files) are deleted this many days after they finish.
RAPPORT_REPORT_KEEP_DAYS = env_int("REPORT_KEEP_DAYS", 400, minimum=1)
# The name and logo (a path to an SVG or PNG; the packaged one when empty) on report covers.
RAPPORT_ORGANISATION_NAME = env_str("ORGANISATION_NAME", "Rapport")
RAPPORT_ORGANISATION_LOGO = env_str("ORGANISATION_LOGO", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_unavailable": {"()": "rapport.core.views.DatabaseUnavailableLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-tasks-db logs "Starting worker" and "No more tasks" at every poll of the worker.
        "django_tasks_db": {"level": "WARNING"},
        "django.request": {"filters": ["database_unavailable"]},
    },
}
