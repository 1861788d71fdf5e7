"""The footer every export carries: who exported it, when, and how to handle it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")

PERSONAL = "personal"
FIGURES = "figures"

_CONTAINS = {
    PERSONAL: "contains personal data about union members and supporters",
    FIGURES: "figures only, no names",
}


def exporter_label(user: Any) -> str:
    """``Name <email>``, or the email alone when the account has no name."""
    email = getattr(user, "email", "") or "unknown account"
    name = (getattr(user, "full_name", "") or "").strip()
    return f"{name} <{email}>" if name else email


def when_text(at: dt.datetime | None = None) -> str:
    """``23 Nov 2026 at 11:04 (London)``."""
    when = timezone.localtime(at or timezone.now(), LONDON)
    return f"{when.day} {when:%b %Y} at {when:%H:%M} (London)"


def export_footer(
    *,
    user: Any,
    contains: Literal["personal", "figures"] = PERSONAL,
    at: dt.datetime | None = None,
    verb: str = "Exported",
) -> str:
    """One line for the foot of a CSV, a printed roster or a letter.

    ``Exported by Ann Organiser <ann@example.org> on 23 Nov 2026 at 11:04 (London) — Picketline;
    contains personal data about union members and supporters; handle under the union's
    data-protection policy.``
    """
    return (
        f"{verb} by {exporter_label(user)} on {when_text(at)}"
        f" — Picketline; {_CONTAINS[contains]}; handle under the union's data-protection policy."
    )
