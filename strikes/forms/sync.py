"""Reading the offline queue a rep's phone sends (``POST /rep/sync/``).

Each queued change carries the fields of the very form the rep tapped (check-in, undo, walk-up,
no-shows, report), so the same forms parse them here as online.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from strikes.forms.lines import CheckInForm, NoShowForm, ReportForm, WalkUpForm
from strikes.services.sync import OfflineAction

MAX_ACTIONS = 200
KINDS = ("checkin", "undo", "walkup", "noshow", "report")
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class BadAction(ValueError):
    """One queued change that cannot be read; ``nonce`` is set when it had a usable one."""

    def __init__(self, message: str, *, nonce: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.nonce = nonce


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**31:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 9:
        return int(value) or None
    return None


def _when(value: Any) -> dt.datetime | None:
    """Milliseconds since 1970 (JavaScript's ``Date.now()``), or nothing usable."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 < value < 10**14:
        return None
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


def _fields(raw: Any) -> dict[str, str]:
    """The tapped form's fields as the page had them (strings; a ticked box is "on")."""
    if not isinstance(raw, dict) or len(raw) > 40:
        return {}
    fields = {}
    for key, value in raw.items():
        if value is True:
            value = "on"
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            continue
        fields[str(key)[:50]] = str(value)[:2000]
    return fields


def parse_action(raw: Any) -> OfflineAction:
    """One queued change, or ``BadAction`` saying what is wrong with it."""
    if not isinstance(raw, dict):
        raise BadAction("A queued change could not be read.")
    nonce = raw.get("nonce")
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise BadAction("A queued change had no usable key.")
    kind = raw.get("kind")
    line_id = _id(raw.get("line"))
    if kind not in KINDS or line_id is None:
        raise BadAction("A queued change could not be read.", nonce=nonce)
    fields = _fields(raw.get("fields"))
    common = {"nonce": nonce, "kind": kind, "line_id": line_id, "acted_at": _when(raw.get("at"))}
    if kind in ("checkin", "undo"):
        walk_up = raw.get("walk_up")
        if kind == "undo" and isinstance(walk_up, str) and NONCE.match(walk_up):
            return OfflineAction(**common, walk_up_nonce=walk_up)
        form = CheckInForm(fields)
        if not form.is_valid() or _id(form.cleaned_data["signup"]) is None:
            raise BadAction("A check-in could not be read.", nonce=nonce)
        return OfflineAction(**common, signup_id=form.cleaned_data["signup"])
    if kind == "walkup":
        form = WalkUpForm({**fields, "nonce": nonce})
        if not form.is_valid() or _id(form.cleaned_data["shift"]) is None:
            raise BadAction("A walk-up had no name or shift.", nonce=nonce)
        return OfflineAction(
            **common,
            shift_id=form.cleaned_data["shift"],
            name=form.cleaned_data["name"],
            is_supporter=form.cleaned_data["is_supporter"],
        )
    if kind == "noshow":
        form = NoShowForm(fields)
        if not form.is_valid() or _id(form.cleaned_data["shift"]) is None:
            raise BadAction("A no-show mark could not be read.", nonce=nonce)
        return OfflineAction(**common, shift_id=form.cleaned_data["shift"])
    form = ReportForm({**fields, "nonce": nonce})
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        raise BadAction(f"The report could not be read: {first}", nonce=nonce)
    return OfflineAction(**common, report=form.service_fields())


def parse_queue(data: Any) -> list[OfflineAction | BadAction]:
    """The queue in order; each entry an action or the reason it could not be read."""
    if isinstance(data, dict):
        data = data.get("actions")
    if not isinstance(data, list):
        raise BadAction("Send a list of queued changes.")
    if len(data) > MAX_ACTIONS:
        raise BadAction(f"Send at most {MAX_ACTIONS} changes at once.")
    parsed: list[OfflineAction | BadAction] = []
    for raw in data:
        try:
            parsed.append(parse_action(raw))
        except BadAction as exc:
            parsed.append(exc)
    return parsed
