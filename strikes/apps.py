from __future__ import annotations

from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Disputes, strike days and picket lines"
