"""`python manage.py import_school_holidays FILE`: school holidays (term dates) by local authority
or nation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError
from schools.csvfiles import problem_lines
from schools.holiday_import import school_holidays_import


class Command(BaseCommand):
    help = (
        "Import school holidays from a CSV with columns la_code (or nation), name, first_day and "
        "last_day. Running it again changes nothing; a changed last day is updated."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Path of the CSV file (.csv or .csv.gz).")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            result = school_holidays_import(source=file)
        except DomainError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        for line in problem_lines(result.problems):
            self.stderr.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"School holidays: {result.created:,} added, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged, {len(result.problems):,} rows skipped."
            )
        )
