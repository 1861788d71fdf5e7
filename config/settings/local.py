"""Settings for a laptop: `make run`. Debug on, a throwaway secret key."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret")
# The demo logins work without a phone app; production and the tests require it (see base.py).
OFFICER_MFA_REQUIRED = env.bool("OFFICER_MFA_REQUIRED", default=False)
