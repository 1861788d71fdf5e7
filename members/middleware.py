"""Request-wide guards: officers set up a second factor; public links are rate limited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from members.security import (
    MFA_REQUIRED_MESSAGE,
    client_ip,
    officer_needs_totp,
    parse_rate,
    rate_limit_hit,
)

# Pages an officer without an authenticator app may still open: allauth's MFA pages (all named
# "mfa_..."), signing out, re-authenticating for the set-up, the privacy notice and the health
# check; and verifying an email address, which allauth asks for before it adds an authenticator
# (without it an officer with an unverified address would have no way forward). Static files
# never reach here (WhiteNoise serves them first); the prefix check is a backstop.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_email",
        "account_email_verification_sent",
        "account_confirm_email",
        "healthz",
        "members:privacy",
    }
)


class ViewMiddleware:
    """A middleware that acts only in ``process_view``, once the URL is resolved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class OfficerMFAMiddleware(ViewMiddleware):
    """Send a signed-in officer who has no authenticator app to the page that sets one up."""

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not settings.OFFICER_MFA_REQUIRED:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in MFA_EXEMPT_URL_NAMES or (match is not None and name.startswith("mfa_")):
            return None
        if not officer_needs_totp(user):
            return None
        messages.warning(request, MFA_REQUIRED_MESSAGE)
        url = reverse("mfa_activate_totp")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


# Public pages reached by a secret link. Writes: forms sent to them, and the one-tap confirm
# link, which writes on GET. The calendar feed is left out on purpose: calendar services fetch
# every subscriber's feed from a few shared addresses, so a per-address limit would cut them off.
PUBLIC_WRITE_URL_NAMES = frozenset(
    {
        "strikes:line-public",
        "strikes:supporter-cancel",
        "strikes:signup-link",
        "members:supporter-erase",
    }
)
PUBLIC_WRITE_ON_GET_URL_NAMES = frozenset({"strikes:signup-link"})
PUBLIC_READ_URL_NAMES = frozenset(
    {
        "strikes:line-public",
        "strikes:line-poster",
        "strikes:supporter-confirmed",
        "strikes:supporter-cancel",
        "members:supporter-data",
        "members:supporter-erase",
    }
)


class PublicRateLimitMiddleware(ViewMiddleware):
    """Limit how often one address may use the public, secret-link pages (HTTP 429 past it)."""

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        is_write = name in PUBLIC_WRITE_URL_NAMES and (
            request.method == "POST" or name in PUBLIC_WRITE_ON_GET_URL_NAMES
        )
        if is_write:
            bucket, rate = "public-write", settings.PUBLIC_RATE_LIMIT_WRITES
        elif name in PUBLIC_READ_URL_NAMES:
            bucket, rate = "public-read", settings.PUBLIC_RATE_LIMIT_READS
        else:
            return None
        if rate_limit_hit(bucket=bucket, ident=client_ip(request), rate=rate):
            return None
        _, seconds = parse_rate(rate)
        response = render(
            request,
            "members/rate_limited.html",
            {"minutes": max(1, round(seconds / 60))},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
