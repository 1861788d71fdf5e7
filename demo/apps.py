from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world and the local runner. It sits above every app (it builds schools,
    members and strikes together), and no app imports it."""

    name = "demo"
    verbose_name = "Demo data"
