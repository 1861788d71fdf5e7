from __future__ import annotations

from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Schools and places"

    def ready(self) -> None:
        from schools import codes  # noqa: F401  (registers the domain error codes schools raises)
