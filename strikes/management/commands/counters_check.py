"""Print every denormalised figure that disagrees with the rows it counts; exit 1 if any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from strikes import counters
from strikes.models import StrikeDay


class Command(BaseCommand):
    help = (
        "Check places booked, pickets and supporters signed up, latest reports, school statuses "
        "and the chart's buckets against their rows. Prints each disagreement and exits 1 if "
        "there is any; counters_rebuild mends them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=int, help="Only this strike day (its id).")
        parser.add_argument(
            "--limit", type=int, default=200, help="Print at most this many (default 200)."
        )

    def handle(self, *args: Any, day: int | None, limit: int, **options: Any) -> None:
        if day is not None and not StrikeDay.objects.filter(pk=day).exists():
            raise CommandError(f"There is no strike day with id {day}.")
        found = counters.check(strike_day_id=day)
        where = f"strike day {day}" if day is not None else "every strike day"
        if not found:
            self.stdout.write(f"All counters agree with their rows ({where}).")
            return
        for disagreement in found[: max(limit, 0)]:
            self.stdout.write(str(disagreement))
        if len(found) > limit:
            self.stdout.write(f"... and {len(found) - limit} more.")
        again = f" --day {day}" if day is not None else ""
        raise CommandError(
            f"{len(found)} counter(s) disagree with their rows ({where}). "
            f"Run `manage.py counters_rebuild{again}` to set them from the rows.",
            returncode=1,
        )
