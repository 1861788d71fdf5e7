from __future__ import annotations

from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Disputes, strike days and picket lines"

    def ready(self) -> None:
        from kernel import privacy
        from strikes import codes  # noqa: F401  (registers the domain error codes strikes raises)
        from strikes.privacy import personal_data

        # What strikes holds about people, for subject access, erasure and retention.
        privacy.register(personal_data)
