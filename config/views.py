"""Site-wide answers that belong to no app: the health check, the favicon and the web app
manifest (so a phone can add Picketline to its home screen)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from members.access import public

ICONS = Path(settings.BASE_DIR) / "static" / "icons"


@public
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@cache
def _favicon_bytes() -> bytes:
    return (ICONS / "favicon.ico").read_bytes()


@public
@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; answer it rather than 404."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


@public
@require_safe
@cache_control(public=True, max_age=24 * 3600)
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "Picketline",
        "short_name": "Picketline",
        "description": "Strike days, picket shifts and reports for your union.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b0002a",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@cache
def _service_worker() -> bytes:
    return (Path(settings.BASE_DIR) / "static" / "sw.js").read_bytes()


@public
@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (static/sw.js), at the root so it may control the rep's line pages
    and "My shifts"; it stores only those (its OFFLINE_PAGES) and their static files. Never
    cached by HTTP, so a new version reaches phones on their next visit."""
    response = HttpResponse(_service_worker(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
