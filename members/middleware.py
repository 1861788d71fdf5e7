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

from members.permissions import (
    VIEWER_SESSION_KEY,
    viewer_for,
    viewer_from_snapshot,
    viewer_snapshot,
)
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


class ViewerSessionMiddleware(ViewMiddleware):
    """Keep the signed-in person's memberships and roles in their session, so a request reads
    them from there instead of two queries (``members.permissions``, "snapshot"). Public pages
    are left alone: they never read the session."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "_viewer_user", None)
        if user is None or getattr(request, "user", None) is not user:
            return response  # none asked for, or signed out meanwhile
        viewer = getattr(user, "_picketline_viewer", None)
        if viewer is not None and not viewer.from_session and user.is_authenticated:
            # Stamped with the version read with the user, before the rows: a change in
            # between leaves the copy older than the user's row, so it is read again.
            request.session[VIEWER_SESSION_KEY] = viewer_snapshot(
                viewer, version=request._viewer_version
            )
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "picketline_public", False):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        request._viewer_user = user
        request._viewer_version = user.access_version
        if getattr(user, "_picketline_viewer", None) is None:
            viewer = viewer_from_snapshot(user, request.session.get(VIEWER_SESSION_KEY))
            if viewer is not None:
                user._picketline_viewer = viewer
        return None


def keep_viewer_at_sign_in(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    """Receiver for ``user_logged_in``: the sign-in writes the session anyway, so the copy of
    the person's memberships and roles goes in with it and their first page reads none."""
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_active:
        return
    # Read afresh, before the rows (the object signing in may be older than its row).
    version = type(user).objects.filter(pk=user.pk).values_list("access_version", flat=True)[0]
    user._picketline_viewer = None
    session[VIEWER_SESSION_KEY] = viewer_snapshot(viewer_for(user), version=version)


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
