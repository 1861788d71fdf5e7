"""Anonymise rosters, signups and check-ins of disputes closed a while ago, keeping the counts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel.errors import DomainError
from members.privacy import retention_sweep


class Command(BaseCommand):
    help = (
        "Anonymise the signups and check-ins of disputes closed more than N days ago "
        "(default RETENTION_DAYS_AFTER_DISPUTE), delete supporters left with no signups, "
        "and keep every count. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Days after the dispute closed.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = settings.RETENTION_DAYS_AFTER_DISPUTE
        try:
            outcomes = retention_sweep(older_than_days=days, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for outcome in outcomes:
            self.stdout.write(outcome.summary())
