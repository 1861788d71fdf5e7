"""`python manage.py import_schools FILE`: import or update schools from a GIAS CSV extract."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import DomainError
from schools.csvfiles import problem_lines
from schools.importer import ImportResult, schools_import_gias


class Command(BaseCommand):
    help = (
        "Import schools from a DfE 'Get Information about Schools' CSV extract (.csv or .csv.gz, "
        "UTF-8 or Windows-1252). Upserts by URN: running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Path of the GIAS CSV extract.")
        parser.add_argument(
            "--progress-every", type=int, default=5000, help="Report progress every N rows."
        )

    def handle(self, *args: Any, file: str, progress_every: int, **options: Any) -> None:
        self.stdout.write(f"Importing schools from {file} ...")
        try:
            result = schools_import_gias(
                source=file, stdout=self.stdout, progress_every=progress_every
            )
        except DomainError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        report(self, result)


def report(command: BaseCommand, result: ImportResult) -> None:
    write = command.stdout.write
    for line in problem_lines(result.problems):
        command.stderr.write(line)
    if result.closed:
        write(f"Left out {result.closed:,} closed establishments.")
    if result.outside:
        write(f"Left out {result.outside:,} establishments outside England and Wales.")
    write(
        f"Schools: {result.created:,} created, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged, {result.skipped:,} skipped "
        f"({len(result.problems):,} with problems)."
    )
    if result.districts_created or result.trusts_created or result.regions_created:
        write(
            f"New places: {result.nations_created} nations, {result.regions_created} regions, "
            f"{result.districts_created} districts, {result.trusts_created:,} academy trusts."
        )
    if result.changed_anything:
        write(command.style.SUCCESS(f"Done in {result.seconds:.1f} s."))
    else:
        write(
            command.style.SUCCESS(
                f"Nothing changed: all {result.unchanged:,} schools were already up to date "
                f"({result.seconds:.1f} s)."
            )
        )
