"""Account security: the officers' second factor and the rate limits on public links."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from members.permissions import viewer_for

MFA_REQUIRED_MESSAGE = (
    "Organisers' accounts need a second step at sign-in: set up an authenticator app "
    "(such as Google Authenticator, Microsoft Authenticator or Aegis) on your phone. "
    "Scan the code below, then type the six digits the app shows."
)


def officer_needs_totp(user: Any) -> bool:
    """Is this a signed-in officer (district officer and above) without an authenticator app?

    Read on every request, so someone who loses the officer role is no longer asked, and an
    officer who removes their authenticator is asked again at once.
    """
    if not settings.OFFICER_MFA_REQUIRED:
        return False
    viewer = viewer_for(user)
    if viewer.is_anonymous or not viewer.is_officer:
        return False
    return not Authenticator.objects.filter(
        user_id=viewer.user_id, type=Authenticator.Type.TOTP
    ).exists()


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/60"``: 20 requests per 60 seconds."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def client_ip(request: HttpRequest) -> str:
    """The client's address as allauth's own rate limits see it (ALLAUTH_TRUSTED_PROXY_COUNT)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:  # noqa: BLE001 (no usable address: one shared bucket, never a 500)
        return "unknown"


def rate_limit_hit(*, bucket: str, ident: str, rate: str) -> bool:
    """Count one request; ``False`` when the limit for this window is already used up.

    A fixed window per ``rate`` seconds, counted in the cache (Redis in production, so every
    web process shares the counts).
    """
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    key = f"picketline:ratelimit:{bucket}:{ident}:{window}"
    cache.add(key, 0, seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds + 5)
        count = 1
    return count <= limit
