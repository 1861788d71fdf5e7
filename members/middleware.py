"""Request-wide guard: officers set up a second factor. Views declare their own rate limits
(``kernel.ratelimit``), so nothing here lists other apps' URL names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from members.security import MFA_REQUIRED_MESSAGE, officer_needs_totp

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
        # Public, cacheable pages never read the session (so no "Vary: Cookie"); there is
        # nothing on them an officer's second factor protects.
        if getattr(view_func, "picketline_public", False):
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
