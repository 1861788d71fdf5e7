"""`python manage.py seed_demo`: load the demo world and print one sign-in per role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.builder import LOGIN_URL, demo_is_loaded, demo_logins, demo_seed
from kernel.errors import DomainError
from members.models import Union


class Command(BaseCommand):
    help = (
        "Load the demo: real schools of Newcastle, Gateshead and Cardiff, the NEU, a national pay "
        "dispute, strike days, picket lines, members and one sign-in per role; then print the "
        "sign-ins. Running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the NEU is already in the database (the sign-ins are still "
            "printed).",
        )
        parser.add_argument(
            "--print-logins",
            action="store_true",
            help="Only print the demo sign-ins; load nothing.",
        )

    def handle(self, *args: Any, if_empty: bool, print_logins: bool, **options: Any) -> None:
        if not print_logins:
            self.seed(if_empty=if_empty)
        self.print_logins()

    def seed(self, *, if_empty: bool) -> None:
        if if_empty and Union.objects.filter(short_name="NEU").exists():
            self.stdout.write("The NEU is already here: no demo data loaded.")
            return
        if demo_is_loaded():
            self.stdout.write("The demo is already loaded: nothing to do.")
            return
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError(
                "The demo has a published admin password: it is not loaded with the production "
                "settings."
            )
        self.stdout.write("Loading the demo ...")
        try:
            result = demo_seed(stdout=self.stdout)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {result.schools} schools, {result.members:,} members, "
                f"{result.picket_lines} picket lines, {result.shifts} shifts, "
                f"{result.signups} sign-ups, {result.reports} reports."
            )
        )

    def print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            self.stdout.write("No demo sign-ins in this database.")
            return
        role_w = max(len(x.role) for x in logins)
        email_w = max(len(x.email) for x in logins)
        self.stdout.write("")
        self.stdout.write(f"{'Role':<{role_w}}  {'Email':<{email_w}}  What they see")
        self.stdout.write(f"{'-' * role_w}  {'-' * email_w}  {'-' * 13}")
        for x in logins:
            self.stdout.write(f"{x.role:<{role_w}}  {x.email:<{email_w}}  {x.sees}")
        self.stdout.write("")
        self.stdout.write(
            f"Sign in at {LOGIN_URL} — the code is printed in this terminal (console email)."
        )
