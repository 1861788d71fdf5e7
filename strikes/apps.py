from __future__ import annotations

from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Disputes, strike days and picket lines"

    def ready(self) -> None:
        from strikes import codes  # noqa: F401  (registers the domain error codes strikes raises)
