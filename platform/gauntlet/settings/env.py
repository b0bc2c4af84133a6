"""Every knob Gauntlet reads from the environment, in one place.

Settings modules import from here and nowhere else reads ``os.environ``.
With no variable set, Gauntlet runs on its embedded default: SQLite under
``var/``, eager Celery, local files, the bundled MiniLM classifier.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
VAR_DIR = Path(os.environ.get("GAUNTLET_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
# Off for PgBouncer in transaction-pooling mode before 1.21 (no protocol-level prepared statements).
DATABASE_PREPARED_STATEMENTS = env_bool("GAUNTLET_DB_PREPARED_STATEMENTS", True)
# Production is what a deployment says it is: a real database behind it.
PRODUCTION = bool(DATABASE_URL) and not env_bool("DJANGO_DEBUG", False)
DEBUG = env_bool("DJANGO_DEBUG", not bool(DATABASE_URL))
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

STORAGE_BACKEND = env_str("GAUNTLET_STORAGE", "local")  # "local" or "s3"
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY")
MEDIA_ROOT = Path(env_str("GAUNTLET_MEDIA_ROOT", str(VAR_DIR / "media")))

EMAIL_URL_HOST = env_str("EMAIL_HOST")  # SMTP when set, console otherwise
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gauntlet@localhost")

CELERY_ALWAYS_EAGER = env_bool("GAUNTLET_CELERY_EAGER", not bool(REDIS_URL))

CLASSIFIER_BASE = env_str(
    "GAUNTLET_CLASSIFIER_BASE"
)  # HF checkpoint dir or s3:// prefix; "" = bundled MiniLM
MASKED_LM_PATH = env_str("GAUNTLET_MASKED_LM")  # optional, for substitutions
MODEL_CACHE_DIR = Path(env_str("GAUNTLET_MODEL_CACHE", str(VAR_DIR / "models")))
LIVE_TIMEOUT_SECONDS = float(env_str("GAUNTLET_LIVE_TIMEOUT", "5"))
