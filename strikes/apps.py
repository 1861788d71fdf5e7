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
        from strikes.services.turnout import personal_data as turnout_personal_data

        # Ballot marks: exported, unnamed on erasure, deleted after the ballot (counts kept).
        privacy.register(turnout_personal_data)
