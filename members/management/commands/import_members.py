"""python manage.py import_members FILE --union NEU"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from members.importer import MemberImportError, members_import_file
from members.models import Union


class Command(BaseCommand):
    help = "Import or update members from the union's CSV export (upserts by email)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--union", default="NEU", help="The union's short name.")

    def handle(self, *args: Any, file: Path, union: str, **options: Any) -> None:
        found = Union.objects.filter(short_name__iexact=union).first()
        if found is None:
            raise CommandError(f"No union called {union}. Create it in the admin first.")
        try:
            result = members_import_file(path=file, union=found, stdout=self.stdout)
        except MemberImportError as exc:
            raise CommandError(str(exc)) from exc
        for line, problem in result.problems:
            self.stderr.write(f"Line {line}: {problem} — row skipped.")
        for line, note in result.notes:
            self.stderr.write(f"Line {line}: {note} — imported without the phone number.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Members of {found}: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged, {len(result.problems)} rows skipped."
            )
        )
