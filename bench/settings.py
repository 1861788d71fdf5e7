"""Settings for the benchmarks: the app's own settings, on the bench's own PostgreSQL database.

The schema is made from the models (as the test suite does), so the bench runs whatever state
the migrations are in. ``BENCH_DATABASE_URL`` picks the database (default ``pl_dashboard`` on
127.0.0.1); it is never the test database.
"""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {
    "default": env.db_url(
        "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pl_dashboard"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}  # as the app's settings do
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A cache in the process, as a short-lived per-worker cache would be; REDIS_URL overrides.
if not env("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class _NoMigrations(dict):
    """Build tables straight from the models (like pytest's --no-migrations)."""

    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()
