"""The one settings module. Embedded defaults; real services when their URL is set."""

import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from plexcopilot.env import env_bool, env_int, env_json_map, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PLEXCOPILOT_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "channels",
    "plexcopilot",
    "labor",
    "instructions",
    "quality",
    "copilot",
    "languages",
    "plex",
    "planning",
    "labor_analytics",
    "materials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "plexcopilot.middleware.StationIdleTimeoutMiddleware",
    "plexcopilot.middleware.StationNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "plexcopilot.admin_audit.AdminWriteOrderMiddleware",  # an admin POST takes the audit chain's lock first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "plexcopilot.urls"
ASGI_APPLICATION = "plexcopilot.asgi.application"

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
                "plexcopilot.context_processors.plant",
                "plexcopilot.context_processors.draft_owner",
            ],
        },
    },
]


def _pool_check(conn: Any) -> None:
    """psycopg-pool's check on checkout: a cheap round trip, so a connection broken by an outage is replaced."""
    from psycopg_pool import ConnectionPool

    ConnectionPool.check_connection(conn)


# Database: embedded SQLite (WAL) unless DATABASE_URL names a real server.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI every concurrent request holds its own connection; persistent connections (CONN_MAX_AGE > 0)
    # are never given back. A pool per worker process (psycopg-pool) bounds them: DB_POOL_MAX_SIZE x workers
    # (+ db_worker) must stay under PostgreSQL's max_connections (README "Deployment"). Past the cap a request
    # waits DB_POOL_TIMEOUT_SECONDS for a connection, then gets the "busy, try again" page (HTTP 503).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if env_bool("DB_POOL", True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("DB_POOL_TIMEOUT_SECONDS", 10),
            "max_idle": env_int("DB_POOL_MAX_IDLE_SECONDS", 300),
            # A connection left broken by an outage is found and replaced before a request gets it.
            "check": _pool_check,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "plexcopilot.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not shared-cache memory, so threaded tests see real SQLite locking.
            "TEST": {"NAME": DATA_DIR / "test-plexcopilot.sqlite3"},
        }
    }
if env_str("DATABASE_TEST_NAME"):
    # Lets parallel test runs (SQLite file or PostgreSQL database) use separate test databases.
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache: in-memory unless REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")


def _redis_retry() -> object:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    return Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=3)


def _redis_retry_errors() -> list[type[Exception]]:
    from redis.exceptions import ConnectionError as RedisConnectionError

    return [RedisConnectionError]


# channels_redis waits up to 5 s (BRPOP) for a message on an idle socket: the Redis client's socket timeout
# must be longer, or every idle websocket is closed with 1011 when that wait times out in the client first.
REDIS_SOCKET_TIMEOUT_SECONDS = env_int("REDIS_SOCKET_TIMEOUT_SECONDS", 30)
REDIS_CONNECT_TIMEOUT_SECONDS = env_int("REDIS_CONNECT_TIMEOUT_SECONDS", 3)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                        # A pooled connection Redis dropped (restart, outage) is replaced on the spot.
                        "retry": _redis_retry(),
                        "retry_on_error": _redis_retry_errors(),
                    }
                ],
                "prefix": env_str("REDIS_PREFIX", "plexcopilot"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_PREFIX", "plexcopilot"),
            # A cache call during a Redis outage fails fast instead of hanging the request.
            "OPTIONS": {"socket_timeout": 3, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks: a database queue worked by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# `manage.py run_worker` (supervised): a worker silent this long is gone and its RUNNING tasks are re-queued;
# a task running longer than the timeout is re-queued too (tasks are written to be safe to run again).
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 30)
TASK_RUNNING_TIMEOUT_SECONDS = env_int("TASK_RUNNING_TIMEOUT_SECONDS", 900)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out desk logins before any password check
    "plexcopilot.auth.BadgePinBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Desk password logins (django-axes): AXES_FAILURE_LIMIT misses per account and, separately, per address lock
# that account or address out for AXES_COOLOFF_MINUTES. Station badge + PIN sign-in has its own lockout
# (plexcopilot.auth: per badge and place), so axes leaves it alone.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_WHITELIST_CALLABLE = "plexcopilot.auth.axes_skip_badge_signin"
# E-signatures (plexcopilot.signatures) check a badge + PIN through identity's lockout-aware check.
SIGNATURE_BADGE_CHECK = "plexcopilot.auth.badge_check"
AXES_IPWARE_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT", 0
)  # behind nginx/caddy: 1, so the client's address counts
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False
LOGIN_URL = "account-login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account-login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Sessions: station tablets sign out after a short idle time; desk sessions last a shift.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A stale page (signed in again elsewhere, session expired): our page, in the site's layout and language.
CSRF_FAILURE_VIEW = "plexcopilot.views.csrf_failure"
# Behind HTTPS (SECURE_COOKIES=1): redirect plain HTTP and send HSTS. Behind a TLS-terminating proxy that sets
# X-Forwarded-Proto, set TRUSTED_PROXY_COUNT=1 so Django knows the request was HTTPS. The health check stays on HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SESSION_COOKIE_SECURE)
SECURE_HSTS_PRELOAD = env_bool(
    "SECURE_HSTS_PRELOAD", SESSION_COOKIE_SECURE
)  # only a header: listing needs a submission
if env_int("TRUSTED_PROXY_COUNT", 0):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SESSION_COOKIE_AGE = env_int("DESK_SESSION_SECONDS", 9 * 3600)
STATION_IDLE_TIMEOUT_SECONDS = env_int("STATION_IDLE_TIMEOUT_SECONDS", 300)
# Roles whose badge + PIN can sign off a sign-off step (first-piece approval) at a station.
STATION_SIGNOFF_ROLES = env_str("STATION_SIGNOFF_ROLES", "supervisor,quality,admin").split(",")
BADGE_LOCKOUT_ATTEMPTS = env_int("BADGE_LOCKOUT_ATTEMPTS", 5)
BADGE_LOCKOUT_SECONDS = env_int("BADGE_LOCKOUT_SECONDS", 60)
# Wrong PINs from one place (station + address) across badges, and for one badge from anywhere, within the window.
PIN_PLACE_ATTEMPTS = env_int("PIN_PLACE_ATTEMPTS", 15)
PIN_BADGE_TOTAL_ATTEMPTS = env_int("PIN_BADGE_TOTAL_ATTEMPTS", 20)
PIN_PLACE_WINDOW_SECONDS = env_int("PIN_PLACE_WINDOW_SECONDS", 900)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pl", "Polski"),
    ("vi", "Tiếng Việt"),
    ("pt", "Português"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["plexcopilot.formats"]  # English with 24-hour times, like the rest of the screens
TIME_ZONE = env_str("PLANT_TIME_ZONE", "America/Detroit")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"  # never served publicly: photos go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Audit chain (docs/governance.md): HMAC key outside the database, checkpoints to an append-only file.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY")
AUDIT_HMAC_KEY_FILE = Path(env_str("AUDIT_HMAC_KEY_FILE", str(DATA_DIR / "audit_hmac_key")))
AUDIT_CHECKPOINT_FILE = Path(env_str("AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.log")))
AUDIT_CHECKPOINT_EVERY = env_int("AUDIT_CHECKPOINT_EVERY", 20)

# Photos from station tablets.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_MAX_EDGE = env_int("PHOTO_MAX_EDGE", 2048)
PHOTO_THUMB_EDGE = env_int("PHOTO_THUMB_EDGE", 320)
# Step media (pictures and short clips shown on the station), uploaded by engineers through change proposals.
STEP_IMAGE_MAX_BYTES = env_int("STEP_IMAGE_MAX_BYTES", PHOTO_MAX_BYTES)
STEP_IMAGE_MAX_EDGE = env_int("STEP_IMAGE_MAX_EDGE", 1600)
STEP_VIDEO_MAX_BYTES = env_int("STEP_VIDEO_MAX_BYTES", 15 * 1024 * 1024)
STEP_MEDIA_CAPTION_MAX = 300
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form fields (not files) of one request
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Any request body above REQUEST_MAX_BYTES is refused (413) before it is read; any one file above
# UPLOAD_FILE_MAX_BYTES is cut off while it streams (plexcopilot.uploads).
UPLOAD_FILE_MAX_BYTES = env_int(
    "UPLOAD_FILE_MAX_BYTES",
    max(PHOTO_MAX_BYTES, STEP_IMAGE_MAX_BYTES, STEP_VIDEO_MAX_BYTES, 10 * 1024 * 1024),
)
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", UPLOAD_FILE_MAX_BYTES + 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "plexcopilot.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Adaptation: how far back a defect on a step still warns the operator.
RECENT_DEFECT_DAYS = env_int("RECENT_DEFECT_DAYS", 30)

# Quality closed loop (docs/quality.md): signals on one step that draft a change proposal, and the window they
# must fall in; out-of-spec readings among the last N of a step that alert quality.
QUALITY_FEEDBACK_THRESHOLD = env_int("QUALITY_FEEDBACK_THRESHOLD", 3)
QUALITY_FEEDBACK_WINDOW_DAYS = env_int("QUALITY_FEEDBACK_WINDOW_DAYS", 7)
QUALITY_OOS_WINDOW = env_int("QUALITY_OOS_WINDOW", 10)
QUALITY_OOS_LIMIT = env_int("QUALITY_OOS_LIMIT", 3)
# A triage draft queued longer than this says the worker is not running.
QUALITY_WORKER_SLOW_SECONDS = env_int("QUALITY_WORKER_SLOW_SECONDS", 30)
# The triage learns from at most this many labelled NCRs, the most recent (a fit on 4,000 takes about a minute
# and 1 GB on 2 cores); `triage_eval` trains each fold on at most as many. See docs/quality.md.
QUALITY_TRIAGE_TRAIN_LIMIT = env_int("QUALITY_TRIAGE_TRAIN_LIMIT", 5000)

# Plex Connect (docs/plex.md). An empty PLEX_BASE_URL keeps the integration off: local data only.
PLEX_BASE_URL = env_str("PLEX_BASE_URL", "")
PLEX_API_KEY = env_str("PLEX_API_KEY", "")
PLEX_TENANT_ID = env_str("PLEX_TENANT_ID", "")
PLEX_CUSTOMER_ID = env_str("PLEX_CUSTOMER_ID", "")
PLEX_RATE_PER_MINUTE = env_int("PLEX_RATE_PER_MINUTE", 200)
PLEX_CONNECT_TIMEOUT = env_int("PLEX_CONNECT_TIMEOUT", 5)
PLEX_READ_TIMEOUT = env_int("PLEX_READ_TIMEOUT", 30)
PLEX_MAX_RETRIES = env_int("PLEX_MAX_RETRIES", 4)
PLEX_SYNC_EVERY_SECONDS = env_int("PLEX_SYNC_EVERY_SECONDS", 300)
PLEX_STALE_AFTER_SECONDS = env_int("PLEX_STALE_AFTER_SECONDS", 900)
# Materials (materials/tasks.py): the evaluation runs this long after a close-out, release, call-off or containers
# sync (a burst of events is one evaluation), and at least this often while the worker runs.
MATERIALS_EVALUATE_AFTER_SECONDS = env_int("MATERIALS_EVALUATE_AFTER_SECONDS", 30)
MATERIALS_EVALUATE_EVERY_SECONDS = env_int("MATERIALS_EVALUATE_EVERY_SECONDS", 900)
PLEX_JOB_WINDOW_DAYS = env_int("PLEX_JOB_WINDOW_DAYS", 30)
PLEX_DRAFTS_TARGET = env_str("PLEX_DRAFTS_TARGET", "activity-manager")  # or "custom-objects"
PLEX_CUSTOM_OBJECT = env_str("PLEX_CUSTOM_OBJECT", "plexcopilot_notes")
# Andon → Plex work-center status: {"raised": "<workcenterStatusId>", "resolved": "<id>"}; unset = not written back.
PLEX_ANDON_STATUS_IDS = env_json_map("PLEX_ANDON_STATUS_IDS", {"raised", "resolved"})

PLANT_NAME = env_str("PLANT_NAME", "")

# Copilot: embedded Chroma under the data dir unless CHROMA_URL names a Chroma server; extractive answers
# unless LLM_BASE_URL names an OpenAI-compatible endpoint.
CHROMA_URL = env_str("CHROMA_URL")
COPILOT_CHROMA_DIR = Path(env_str("COPILOT_CHROMA_DIR", str(DATA_DIR / "chroma")))
COPILOT_COLLECTION = env_str("COPILOT_COLLECTION", "plexcopilot-knowledge")
# No default folder: a production build_index must never ingest the demo plant's fictional SOPs
# (`make demo` passes demo/library explicitly).
COPILOT_LIBRARY_DIRS = env_list("COPILOT_LIBRARY_DIRS", [])
COPILOT_UPLOAD_DIR = DATA_DIR / "library-uploads"
COPILOT_EMBED_MODEL = env_str("COPILOT_EMBED_MODEL")
COPILOT_EMBED_TOKENIZER = env_str("COPILOT_EMBED_TOKENIZER")
COPILOT_EMBED_THREADS = env_int("COPILOT_EMBED_THREADS", 1)  # per question; run one worker per core
COPILOT_EMBED_BATCH_THREADS = env_int("COPILOT_EMBED_BATCH_THREADS", 0)  # ingest batches: 0 = every core
COPILOT_EMBED_SHA256 = env_str(
    "COPILOT_EMBED_SHA256", "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
)
LLM_BASE_URL = env_str("LLM_BASE_URL")
LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini")
LLM_API_KEY = env_str("LLM_API_KEY")
LLM_CONNECT_TIMEOUT_SECONDS = env_int("LLM_CONNECT_TIMEOUT_SECONDS", 3)
LLM_FIRST_TOKEN_SECONDS = env_int("LLM_FIRST_TOKEN_SECONDS", 6)
LLM_TOTAL_SECONDS = env_int("LLM_TOTAL_SECONDS", 45)
LLM_BREAKER_FAILURES = env_int("LLM_BREAKER_FAILURES", 3)
LLM_BREAKER_COOLDOWN_SECONDS = env_int("LLM_BREAKER_COOLDOWN_SECONDS", 60)

# Languages: machine translation backends, tried in order (docs in languages/backends.py). None configured →
# untranslated text is shown in English, marked "not translated".
ARGOS_PACKAGES_DIR = Path(env_str("ARGOS_PACKAGES_DIR", str(DATA_DIR / "argos-packages")))
LIBRETRANSLATE_URL = env_str("LIBRETRANSLATE_URL")
LIBRETRANSLATE_API_KEY = env_str("LIBRETRANSLATE_API_KEY")
TRANSLATION_LLM_URL = env_str("TRANSLATION_LLM_URL")
TRANSLATION_LLM_MODEL = env_str("TRANSLATION_LLM_MODEL", "gpt-4o-mini")
TRANSLATION_LLM_API_KEY = env_str("TRANSLATION_LLM_API_KEY")
TRANSLATION_TIMEOUT_SECONDS = env_int("TRANSLATION_TIMEOUT_SECONDS", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "httpx": {"level": "WARNING"}},
}
