"""Set the turnout counts of tracked ballots from their marks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel.errors import DomainError
from strikes.models import TrackedBallot
from strikes.turnout_counters import turnout_counts_rebuild


class Command(BaseCommand):
    help = (
        "Set every turnout count and day row from the marks (after a bulk load or a repair). "
        "Ballots whose marks were deleted after the close keep their counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ballot", type=int, help="Only this tracked ballot (its id).")

    def handle(self, *args: Any, ballot: int | None, **options: Any) -> None:
        ballots = TrackedBallot.objects.order_by("pk")
        if ballot is not None:
            ballots = ballots.filter(pk=ballot)
            if not ballots.exists():
                raise CommandError(f"There is no tracked ballot with id {ballot}.")
        for tracked in ballots:
            try:
                rows = turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
            except DomainError as exc:
                self.stdout.write(f"{tracked.pk} {tracked}: {exc.message}")
                continue
            self.stdout.write(f"{tracked.pk} {tracked}: {rows} count rows set from the marks.")
