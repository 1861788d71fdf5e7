"""Print every turnout count that disagrees with the marks it counts; exit 1 if any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strikes.models import TrackedBallot
from strikes.turnout_counters import turnout_counts_check


class Command(BaseCommand):
    help = (
        "Check the turnout counts (entitled, excluded, voted per school, district, region, nation "
        "and union, and the day trend) against the marks. Prints each disagreement and exits 1 "
        "if there is any; turnout_counters_rebuild mends them (while the marks exist)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ballot", type=int, help="Only this tracked ballot (its id).")

    def handle(self, *args: Any, ballot: int | None, **options: Any) -> None:
        ballots = TrackedBallot.objects.order_by("pk")
        if ballot is not None:
            ballots = ballots.filter(pk=ballot)
            if not ballots.exists():
                raise CommandError(f"There is no tracked ballot with id {ballot}.")
        bad = 0
        for tracked in ballots:
            if tracked.marks_deleted_at is not None:
                self.stdout.write(f"{tracked.pk} {tracked}: marks deleted; the counts stand.")
                continue
            found = turnout_counts_check(tracked_ballot_id=tracked.pk)
            for d in found:
                self.stdout.write(
                    f"{tracked.pk} {d.level} {d.place_id} {d.field}: stored {d.stored}, "
                    f"marks say {d.computed}"
                )
            bad += len(found)
        if bad:
            raise CommandError(
                f"{bad} turnout count(s) disagree with the marks. "
                "Run `manage.py turnout_counters_rebuild` to set them from the marks.",
                returncode=1,
            )
        self.stdout.write("All turnout counts agree with the marks.")
