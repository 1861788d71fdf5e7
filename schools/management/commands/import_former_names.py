"""`python manage.py import_former_names FILE`: schools' former names, from GIAS's links file or
a list of URN and FormerName."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError
from schools.csvfiles import problem_lines
from schools.former_names import former_names_import


class Command(BaseCommand):
    help = (
        "Import schools' former names (so the school search finds them) from GIAS's links file "
        "(links_edubasealldataYYYYMMDD.csv: its Predecessor rows) or a CSV of URN and FormerName. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Path of the CSV file (.csv or .csv.gz).")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            result = former_names_import(source=file)
        except DomainError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        for line in problem_lines(result.problems):
            self.stderr.write(line)
        self.stdout.write(
            f"Read {result.rows:,} rows: {result.created:,} former names added, "
            f"{result.unchanged:,} already known, {result.same_as_current:,} the same as the "
            f"school's name now, {result.unknown_schools:,} for schools not held here (closed "
            f"or outside England and Wales), {result.not_predecessors:,} links that are not "
            f"predecessors, {len(result.problems):,} rows skipped with problems."
        )
        self.stdout.write(self.style.SUCCESS("Done."))
