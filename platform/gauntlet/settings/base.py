"""Gauntlet settings, every value from :mod:`gauntlet.settings.env`; background work (Celery,
the beat schedule) in :mod:`gauntlet.settings.background`.

Embedded default (no variables): SQLite under ``var/``, eager Celery, local
files, DEBUG on, loopback only. Production: ``DATABASE_URL`` (PostgreSQL),
``REDIS_URL`` (broker, results, cache), ``GAUNTLET_STORAGE=s3`` with ``AWS_*``.
Tests use :mod:`gauntlet.settings.test`, which points at loopback PostgreSQL and
Redis before importing this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gauntlet.settings import env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR
DEBUG = env.DEBUG
# A real database without DJANGO_DEBUG (read by commands that must never run there, e.g. demo_setup).
GAUNTLET_PRODUCTION = env.PRODUCTION
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

if env.SECRET_KEY:
    SECRET_KEY = env.SECRET_KEY
elif env.PRODUCTION:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DATABASE_URL is (production).")
else:
    SECRET_KEY = "django-insecure-embedded-default-only-for-loopback-use"  # noqa: S105

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets as static files: /api/v1/docs/ works offline
    "allauth",
    "allauth.account",
    "storages",
]
LOCAL_APPS = [
    "gauntlet.common",
    "gauntlet.audit",
    "gauntlet.accounts",
    "gauntlet.workqueue",
    "gauntlet.agreement",
    "gauntlet.payments",
    "labeling",
    "ml_worker",
    "attacks",
]
# gauntlet.web (the shared page layout) comes before allauth so that its templates
# (allauth/layouts/*) restyle allauth's sign-in, sign-up and password pages.
INSTALLED_APPS = DJANGO_APPS + ["gauntlet.web"] + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the app process (gunicorn too)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gauntlet.common.messages.MessageMiddleware",  # Django's, building the storage only when used
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "gauntlet.common.api_errors.ApiErrorShapeMiddleware",  # 404/500 under /api/ in the error shape
]

ROOT_URLCONF = "gauntlet.urls"
WSGI_APPLICATION = "gauntlet.wsgi.application"
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
                "gauntlet.web.context_processors.navigation",
            ]
        },
    }
]

# --- database -----------------------------------------------------------------
if env.DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if env.DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Django turns psycopg's prepared statements off (prepare_threshold None). The
        # ORM's client-side-bound cursors never prepare anyway; this lets the few hot
        # statements that ask for it (gauntlet.common.sql.fetch: claims, token auth) be
        # parsed and planned once per connection. The threshold is out of reach, so
        # nothing else is prepared behind anyone's back.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ (it is git-ignored)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "gauntlet.sqlite3"),
            # Claims take the write lock up front (BEGIN IMMEDIATE): two contractors
            # can never both read an item as free on the embedded default.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------
if env.REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "gauntlet.accounts.backends.RoleModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_ADAPTER = "gauntlet.accounts.adapters.AccountAdapter"
LOGIN_REDIRECT_URL = "/"  # the home page of the user's role (gauntlet.web.nav)
LOGIN_URL = "/accounts/login/"

if env.EMAIL_URL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.EMAIL_URL_HOST
    EMAIL_PORT = env.EMAIL_PORT
    EMAIL_HOST_USER = env.EMAIL_HOST_USER
    EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
    EMAIL_USE_TLS = env.EMAIL_USE_TLS
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gauntlet.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    # DRF's two, the JSON one escaping lone surrogates rather than failing (gauntlet.renderers.JSONRenderer).
    "DEFAULT_RENDERER_CLASSES": [
        "gauntlet.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "gauntlet.negotiation.ContentNegotiation",  # DRF's, remembered
    "DEFAULT_PAGINATION_CLASS": "gauntlet.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "gauntlet.schema.AutoSchema",
    "EXCEPTION_HANDLER": "gauntlet.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [  # DRF's rates, counted in one cache round trip
        "gauntlet.throttling.AnonRateThrottle",
        "gauntlet.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.env_str("GAUNTLET_THROTTLE_ANON", "60/min"),
        # Contractors heartbeat, claim and live-score all day; scripts import in bulk.
        "user": env.env_str("GAUNTLET_THROTTLE_USER", "100000/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gauntlet API",
    "DESCRIPTION": "Adversarial training of high-stakes classifiers with human contractors.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The one error shape, documented as every operation's default answer (gauntlet.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gauntlet.schema.error_responses_hook",
    ],
    # Several models have a field called "status" with different choices; name each enum.
    "ENUM_NAME_OVERRIDES": {
        "ClassifierVersionStatusEnum": "ml_worker.models.VersionStatus",
        "TrainingRunStatusEnum": "ml_worker.models.RunStatus",
        "AssignmentStatusEnum": "gauntlet.workqueue.models.AssignmentStatus",
        "QueueStateEnum": "gauntlet.workqueue.models.QueueState",
        "QueueKindEnum": "gauntlet.workqueue.registry.kind_choices",  # the registered kinds
        "WorkItemStateEnum": "gauntlet.workqueue.models.ItemState",
        "RewriteSessionStatusEnum": "attacks.models.SessionStatus",
        "AttackSubmissionStatusEnum": "attacks.models.SubmissionStatus",
        "ParaphraseBatchStatusEnum": "attacks.models.BatchStatus",
        "ParaphraseCandidateStatusEnum": "attacks.models.CandidateStatus",
        "PayoutBatchStatusEnum": "gauntlet.payments.models.PayoutStatus",
    },
}

# --- files ----------------------------------------------------------------------
STATIC_URL = "static/"
# Production: `python manage.py collectstatic --noinput` (the Dockerfile does) gathers every
# app's static files and the npm libraries into STATIC_ROOT, with hashed names, and
# whitenoise serves them compressed with far-future cache headers. DEBUG (demo, tests)
# serves them straight from the apps' folders (WHITENOISE_USE_FINDERS), no collectstatic.
STATIC_ROOT = Path(env.env_str("GAUNTLET_STATIC_ROOT", str(VAR_DIR / "static")))
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Browser libraries installed by `npm ci` (package.json at the repository root), served as
# /static/web/vendor/...; never from a CDN, never committed.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / folder)
    for prefix, folder in (("web/vendor", "htmx.org/dist"),)
    if (NODE_MODULES / folder).is_dir()  # no warning on every command before `npm ci`
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.MEDIA_ROOT
if env.STORAGE_BACKEND == "s3":
    if not env.AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("GAUNTLET_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _s3_options = {
        "bucket_name": env.AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env.AWS_S3_ENDPOINT_URL or None,
        "region_name": env.AWS_S3_REGION_NAME,
        "access_key": env.AWS_ACCESS_KEY_ID or None,
        "secret_key": env.AWS_SECRET_ACCESS_KEY or None,
        "file_overwrite": True,
        "default_acl": None,
        "querystring_auth": True,
    }
    ARTIFACT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
elif env.STORAGE_BACKEND == "local":
    ARTIFACT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
else:
    raise ImproperlyConfigured(f"GAUNTLET_STORAGE must be 'local' or 's3', not {env.STORAGE_BACKEND!r}.")
STORAGES = {
    "default": ARTIFACT_STORAGE,
    # Datasets, checkpoints and payout exports all live in one place, by prefix.
    "artifacts": ARTIFACT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Celery (broker, eager mode, the beat schedule): settings/background.py --------
from gauntlet.settings.background import *  # noqa: E402,F403

# --- ML -------------------------------------------------------------------------
GAUNTLET_CLASSIFIER_BASE = env.CLASSIFIER_BASE
GAUNTLET_MASKED_LM = env.MASKED_LM_PATH
GAUNTLET_MODEL_CACHE = env.MODEL_CACHE_DIR
GAUNTLET_LIVE_TIMEOUT = env.LIVE_TIMEOUT_SECONDS

# --- security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
if env.PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the cluster
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.env_str("GAUNTLET_LOG_LEVEL", "INFO")},
}

# --- labeling (owned by the labeling app) ----------------------------------------
# Example text limits (characters, after NFC normalisation); imports and example_create share them.
GAUNTLET_EXAMPLE_MAX_PROMPT_CHARS = env.env_int("GAUNTLET_EXAMPLE_MAX_PROMPT_CHARS", 4000)
GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS = env.env_int("GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS", 2000)
# Rows per bulk INSERT during an import, and how many row errors a report lists (all are counted).
GAUNTLET_IMPORT_CHUNK_SIZE = env.env_int("GAUNTLET_IMPORT_CHUNK_SIZE", 2000)
GAUNTLET_IMPORT_MAX_REPORTED_ERRORS = env.env_int("GAUNTLET_IMPORT_MAX_REPORTED_ERRORS", 10000)
# The largest import body or file accepted (bytes as sent, gzip counted compressed); bodies are
# streamed to disk, so this bounds disk, not memory.
GAUNTLET_IMPORT_MAX_UPLOAD_BYTES = env.env_int("GAUNTLET_IMPORT_MAX_UPLOAD_BYTES", 4 * 1024**3)
# Rater audit: flag raters below these accuracies once a figure rests on RATER_MIN_COUNT labels.
GAUNTLET_RATER_MIN_GOLD_ACCURACY = float(env.env_str("GAUNTLET_RATER_MIN_GOLD_ACCURACY", "0.8"))
GAUNTLET_RATER_MIN_CONSENSUS_ACCURACY = float(env.env_str("GAUNTLET_RATER_MIN_CONSENSUS_ACCURACY", "0.7"))
GAUNTLET_RATER_MAX_UNSURE_RATE = float(env.env_str("GAUNTLET_RATER_MAX_UNSURE_RATE", "0.3"))
GAUNTLET_RATER_MIN_COUNT = env.env_int("GAUNTLET_RATER_MIN_COUNT", 20)
# Pairs of raters need this many shared items before their Cohen's kappa is reported.
GAUNTLET_KAPPA_MIN_OVERLAP = env.env_int("GAUNTLET_KAPPA_MIN_OVERLAP", 10)

# --- ml_worker (owned by the ml_worker app) --------------------------------------
# Threshold a new classifier version starts with (reject when P(injurious) >= it); calibrate per version.
GAUNTLET_DEFAULT_THRESHOLD = float(env.env_str("GAUNTLET_DEFAULT_THRESHOLD", "0.5"))
# Share of newly verified adversarial examples held out of training (by a hash of the text), so
# version comparisons and the robustness matrix are computed on examples no version trained on.
GAUNTLET_HELDOUT_FRACTION = float(env.env_str("GAUNTLET_HELDOUT_FRACTION", "0.2"))
# Examples per bulk-scoring task and per forward pass.
GAUNTLET_SCORE_BATCH_SIZE = env.env_int("GAUNTLET_SCORE_BATCH_SIZE", 512)
GAUNTLET_SCORE_FORWARD_BATCH = env.env_int("GAUNTLET_SCORE_FORWARD_BATCH", 32)
# Most concurrent live requests one forward pass answers (drained from a Redis list).
GAUNTLET_LIVE_BATCH_MAX = env.env_int("GAUNTLET_LIVE_BATCH_MAX", 16)
# Classifier versions each worker process keeps loaded (LRU): the active one and the one before it.
GAUNTLET_LOADED_MODELS = env.env_int("GAUNTLET_LOADED_MODELS", 2)
# Token limit per (prompt, completion) pair; the prompt is truncated, the completion never is.
GAUNTLET_CLASSIFIER_MAX_LENGTH = env.env_int("GAUNTLET_CLASSIFIER_MAX_LENGTH", 256)
# Candidates the substitution tool re-scores exactly per request (pre-ranked by the gradient estimate;
# the top k of them are returned). Latency is one forward per candidate: 24 ≈ 0.33 s on 2 CPU threads.
GAUNTLET_SUBSTITUTION_CANDIDATES = env.env_int("GAUNTLET_SUBSTITUTION_CANDIDATES", 24)
# Intra-op threads per model process (prefork children re-set it after fork); default: all cores.
GAUNTLET_TORCH_THREADS = env.env_int("GAUNTLET_TORCH_THREADS", os.cpu_count() or 1)

# --- work queue (gauntlet.workqueue) ---------------------------------------------
# Most active seconds one heartbeat can add: a tab left open without heartbeats bills
# at most this much when it comes back.
WORKQUEUE_HEARTBEAT_CAP_SECONDS = env.env_int("GAUNTLET_HEARTBEAT_CAP_SECONDS", 60)
# Longest a lease lives on idle heartbeats ({"active": false}, a tab open but unused): they extend
# it to at most this long after the last active heartbeat (or the claim); then it runs out.
WORKQUEUE_MAX_IDLE_SECONDS = env.env_int("GAUNTLET_LEASE_MAX_IDLE_SECONDS", 3600)
# Gold items are judged by every contractor once; this is their default judgments_wanted.
WORKQUEUE_GOLD_JUDGMENTS_WANTED = env.env_int("GAUNTLET_GOLD_JUDGMENTS_WANTED", 1000)

# --- payments (owned by the payments app) -----------------------------------------
# Auto-approval delay (seconds) for queues without their own auto_approve_seconds; unset or 0 = never.
GAUNTLET_AUTO_APPROVE_SECONDS: int | None = env.env_int("GAUNTLET_AUTO_APPROVE_SECONDS", 0) or None

# --- attacks (owned by the attacks app) -------------------------------------------
# A new attack is refused as a near duplicate when its edit similarity (1 - normalised edit
# distance of "prompt\ncompletion") to the author's earlier submissions or to any adversarial
# example exceeds this; MiniLM cosine similarity is checked too when its limit is set.
GAUNTLET_NEAR_DUPLICATE_MAX_EDIT_SIMILARITY = float(
    env.env_str("GAUNTLET_NEAR_DUPLICATE_MAX_EDIT_SIMILARITY", "0.95")
)
_max_sentence = env.env_str("GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY", "")
GAUNTLET_NEAR_DUPLICATE_MAX_SENTENCE_SIMILARITY = float(_max_sentence) if _max_sentence else None
# Paraphrase candidates closer than this (edit similarity) to an earlier candidate of the same source are dropped.
GAUNTLET_PARAPHRASE_DEDUP_MAX_EDIT_SIMILARITY = float(
    env.env_str("GAUNTLET_PARAPHRASE_DEDUP_MAX_EDIT_SIMILARITY", "0.98")
)
# The lexical paraphraser keeps a word-substitution rewrite only when its MiniLM sentence similarity
# to the original completion is at least this (recorded on each batch when it is created).
GAUNTLET_PARAPHRASE_LEXICAL_MIN_SIMILARITY = float(
    env.env_str("GAUNTLET_PARAPHRASE_LEXICAL_MIN_SIMILARITY", "0.85")
)
# "hf:PATH" paraphrasers sample at most this many new tokens per rewrite (one sentence).
GAUNTLET_PARAPHRASE_HF_MAX_NEW_TOKENS = env.env_int("GAUNTLET_PARAPHRASE_HF_MAX_NEW_TOKENS", 48)
# "http:URL" paraphrasers: the model name sent (unless the spec says "http:URL#model"), an optional
# bearer key (read when a batch runs, never stored on it) and the per-request timeout in seconds.
GAUNTLET_PARAPHRASE_HTTP_MODEL = env.env_str("GAUNTLET_PARAPHRASE_HTTP_MODEL", "default")
GAUNTLET_PARAPHRASE_HTTP_API_KEY = env.env_str("GAUNTLET_PARAPHRASE_HTTP_API_KEY", "")
# Hosts (``host`` or ``host:port``) an http: paraphraser may be; the key and the stories go only to
# them. Empty: no HTTP paraphraser may be used (attacks/services/paraphraser_peer.py).
GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS = env.env_list("GAUNTLET_PARAPHRASE_HTTP_ALLOWED_HOSTS", [])
# The same for an http completion generator (generation batches) and GAUNTLET_GENERATOR_API_KEY.
GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS = env.env_list("GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS", [])
GAUNTLET_PARAPHRASE_HTTP_TIMEOUT = float(env.env_str("GAUNTLET_PARAPHRASE_HTTP_TIMEOUT", "60"))
