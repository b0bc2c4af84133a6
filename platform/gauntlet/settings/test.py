"""Test settings: the real thing on loopback.

PostgreSQL and Redis default to this machine's services and can be pointed
elsewhere with ``GAUNTLET_TEST_DATABASE_URL`` / ``GAUNTLET_TEST_REDIS_URL``.
Celery runs eagerly unless a test starts a real worker (see tests/conftest.py).
"""

from __future__ import annotations

import os

os.environ["DATABASE_URL"] = os.environ.get(
    "GAUNTLET_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gauntlet"
)
os.environ["REDIS_URL"] = os.environ.get("GAUNTLET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["DJANGO_DEBUG"] = "true"  # not production: no SSL redirect, no secret key required
os.environ.setdefault("GAUNTLET_CELERY_EAGER", "true")
os.environ.setdefault("GAUNTLET_STORAGE", "local")

from gauntlet.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "1000/min", "user": "1000000/hour"}  # noqa: F405
# Per-process cache: throttles and allauth's rate limits (e.g. one confirmation mail per
# address per 3 minutes) must not leak from one test run into the next through Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
