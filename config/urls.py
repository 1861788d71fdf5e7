from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.views import favicon, healthz, manifest

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("", include("strikes.urls")),
    path("", include("members.urls")),
]
