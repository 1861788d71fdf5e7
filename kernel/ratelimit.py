"""One rate limiter for the whole app: a view declares its limit with ``@rate_limit``.

Counting is django-ratelimit's (a fixed window per rate, counted in the default cache, so every
web process shares the counts through Redis). Sign-in, login codes and second-factor codes are
allauth's own views, limited by ``ACCOUNT_RATE_LIMITS``: allauth counts in the same cache and
finds the client the same way, since ``ALLAUTH_TRUSTED_PROXY_COUNT`` is ``TRUSTED_PROXY_COUNT``.

When Redis is unreachable the default cache (``config.cache.ResilientRedisCache``) counts in the
process's own memory for a while and logs a warning, so a limit still holds per process and no
page fails.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

# An IPv6 client usually holds a whole /64: count it as one address.
IPV6_PREFIX = 64


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address, behind ``TRUSTED_PROXY_COUNT`` proxies of our own.

    Each proxy appends the address it was reached from to X-Forwarded-For, so with N trusted
    proxies the client is the N-th entry from the right; anything left of it was written by the
    client and is ignored. With no proxies (the default) it is REMOTE_ADDR. A header shorter than
    the proxy count, or junk, means the request did not come through our proxies: REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    chosen = _address(remote)
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p]
        if len(forwarded) >= proxies:
            chosen = _address(forwarded[-proxies]) or chosen
    if chosen is None:
        return "unknown"
    if chosen.version == 6:
        return str(ipaddress.ip_network(f"{chosen}/{IPV6_PREFIX}", strict=False))
    return str(chosen)


def _key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def window_seconds(rate: str) -> int:
    """The window of a ``"<count>/<seconds>"`` rate (``"20/60"``: 20 requests a minute)."""
    _, _, seconds = rate.partition("/")
    return int(seconds) if seconds.isdigit() and int(seconds) > 0 else 60


def rate_limited_response(request: HttpRequest, rate: str) -> HttpResponse:
    seconds = window_seconds(rate)
    response = render(
        request, "rate_limited.html", {"minutes": max(1, round(seconds / 60))}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def rate_limit(
    group: str, *, rate: str, methods: Collection[str] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Count each request of ``methods`` (all when ``None``) from one client in ``group``;
    past the limit answer 429 with a page that says how long to wait.

    ``rate`` names the setting holding ``"<count>/<seconds>"``, read at each request. Views that
    name the same group share one count per client.
    """

    def current_rate(_group: str, _request: HttpRequest) -> str:
        return getattr(settings, rate)

    allowed = list(methods) if methods is not None else None

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if allowed is None or request.method in allowed:
                limited = is_ratelimited(
                    request, group=group, key=_key, rate=current_rate, increment=True
                )
                if limited:
                    return rate_limited_response(request, getattr(settings, rate))
            return view(request, *args, **kwargs)

        wrapped.rate_limits = [*getattr(view, "rate_limits", []), group]  # type: ignore[attr-defined]
        return wrapped

    return decorator


HTTP_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")


def public_link(
    *, writes: Collection[str] = ("POST",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page reached by a secret link (a line's rota, a supporter's data): requests of the
    ``writes`` methods count against ``PUBLIC_RATE_LIMIT_WRITES``, the rest against
    ``PUBLIC_RATE_LIMIT_READS``. A link that writes on GET passes ``writes=HTTP_METHODS``."""
    write = rate_limit("public-write", rate="PUBLIC_RATE_LIMIT_WRITES", methods=writes)
    read = rate_limit(
        "public-read",
        rate="PUBLIC_RATE_LIMIT_READS",
        methods=[method for method in HTTP_METHODS if method not in writes],
    )

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return read(write(view))

    return decorator
