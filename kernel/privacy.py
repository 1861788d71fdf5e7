"""The registry of personal data. Each app says how to export, erase and age out what it holds
about people, and the privacy services (``members.privacy``) run whatever is registered, so they
never reach into another app (Zulip's export registry works the same way).

The data subjects are a signed-in user and a supporter (a name and one contact, no account).
An app registers one ``PersonalData`` from its ``AppConfig.ready()``; apps register in
``INSTALLED_APPS`` order, which is also the order of the sections in an export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import timezone


class RetentionOutcome(Protocol):
    """What a retention sweep did (or, on a dry run, would do)."""

    def summary(self) -> str:
        """One plain-English sentence for the command's output."""
        ...

    def figures(self) -> dict[str, int]:
        """Counts for the beat task's result (ids and counts only)."""
        ...


@dataclass(frozen=True)
class PersonalData:
    """How one app exports, erases and ages out its personal data. Every callable is optional
    and takes keyword arguments only:

    - ``export_user(*, user)`` and ``export_supporter(*, supporter)`` return the app's sections
      of a subject-access export (``{"signups": [...], ...}``): plain values, London times;
    - ``erase_user(*, user)`` and ``erase_supporter(*, supporter)`` detach or delete the app's
      rows about the person inside the caller's transaction and return counts for the audit
      entry (never personal details);
    - ``sweep(*, older_than_days, dry_run)`` anonymises what the retention period has passed
      and returns a ``RetentionOutcome``;
    - ``page_template`` renders the app's sections on the "your data" page (given ``data`` and
      ``supporter``, which is None for a signed-in user).
    """

    app: str
    export_user: Callable[..., dict[str, Any]] | None = None
    export_supporter: Callable[..., dict[str, Any]] | None = None
    erase_user: Callable[..., dict[str, int]] | None = None
    erase_supporter: Callable[..., dict[str, int]] | None = None
    sweep: Callable[..., RetentionOutcome] | None = None
    page_template: str = ""


_REGISTRY: dict[str, PersonalData] = {}


def register(entry: PersonalData) -> PersonalData:
    """Add (or replace) an app's entry; registering the same app again changes nothing else."""
    _REGISTRY[entry.app] = entry
    return entry


def registered() -> tuple[PersonalData, ...]:
    """Every app's entry, in the order the apps registered."""
    return tuple(_REGISTRY.values())


def exported(value: Any) -> Any:
    """A value as an export shows it: datetimes in local (London) time, which the JSON encoder
    writes as ISO 8601 with the offset; anything else unchanged."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value)
    return value
