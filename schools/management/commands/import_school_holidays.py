"""`python manage.py import_school_holidays FILE`: school holidays (term dates) by local authority
or nation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError
from schools.holiday_import import school_holidays_import

MAX_PROBLEMS_SHOWN = 100


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
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            self.stderr.write(f"Skipped {problem}")
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            self.stderr.write(
                f"... and {len(result.problems) - MAX_PROBLEMS_SHOWN:,} more rows that could "
                "not be used."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"School holidays: {result.created:,} added, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged, {len(result.problems):,} rows skipped."
            )
        )
