"""Check ballots against the law: ``python manage.py ballot_check cases.json``.

Reads a JSON list of cases and prints a JSON list of answers, in the same order, on standard
output (see ``strikes.ballot_check`` and docs/law.md). Exits 1 when any case could not be judged
(after printing every answer) or the file cannot be read; never prints a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strikes.ballot_check import check_case, rule_sets_for_check, seeded_rule_sets

MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Judge ballot cases (a JSON file, or - for standard input) against the rule sets."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="A JSON file holding a list of cases, or - for stdin.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path == "-":
                text = sys.stdin.read(MAX_BYTES + 1)
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except IsADirectoryError:
            raise CommandError(f"{path} is a folder, not a JSON file.") from None
        except PermissionError:
            raise CommandError(f"{path} cannot be read (permission denied).") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text: save it as UTF-8 JSON.") from None
        except OSError as exc:
            raise CommandError(f"{path} cannot be read: {exc.strerror or exc}.") from None
        if len(text) > MAX_BYTES:
            raise CommandError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        try:
            cases = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
        except RecursionError:
            raise CommandError(f"{path} is nested too deeply to read.") from None
        if not isinstance(cases, list):
            raise CommandError(f"{path} must hold a JSON list of cases, [ {{...}}, ... ].")
        try:
            rule_sets = rule_sets_for_check()
        except Exception:  # noqa: BLE001 - no database yet: judge by the seeded rules, say so
            self.stderr.write(
                "The rule sets could not be read from the database (run `manage.py migrate`); "
                "judging by the rule sets as seeded."
            )
            rule_sets = seeded_rule_sets()
        answers = []
        for case in cases:
            try:
                answers.append(check_case(case, rule_sets=rule_sets))
            except Exception as exc:  # noqa: BLE001 - one bad case never stops the others
                case_id = case.get("id") if isinstance(case, dict) else None
                answers.append({"id": case_id, "error": f"This case could not be judged: {exc}"})
        self.stdout.write(json.dumps(answers, indent=2, ensure_ascii=False))
        if any("error" in a for a in answers):
            sys.exit(1)
