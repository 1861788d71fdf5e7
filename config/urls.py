from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.views import favicon, healthz, manifest, service_worker

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service-worker"),
    path("", include("strikes.urls")),
    path("", include("members.urls")),
]
