"""Form fields with the bounds every app wants, so no input reaches the database out of range."""

from __future__ import annotations

import re
from typing import Any

from django import forms

#: The largest id a PostgreSQL ``integer``/``serial`` column holds.
MAX_ID = 2_147_483_647

_DIGITS = re.compile(r"[0-9]{1,10}")


class IdField(forms.IntegerField):
    """A row id from a hidden input or a query string: a whole number a key column can hold."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("error_messages", {})
        for code in ("invalid", "min_value", "max_value"):
            kwargs["error_messages"].setdefault(
                code, "That link or form is out of date. Reload the page and try again."
            )
        super().__init__(**kwargs)


def parse_id(raw: str | None) -> int | None:
    """``raw`` as a row id if it is plain ASCII digits in range, else ``None``.

    ``str.isdigit`` is not enough: it accepts ``²`` and other digits ``int`` refuses.
    """
    raw = (raw or "").strip()
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def count_field(*, label: str, maximum: int, what: str, **kwargs: Any) -> forms.IntegerField:
    """A count of people or things, from 0 to ``maximum``, with the bounds in its messages."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        error_messages={
            "min_value": "Counts cannot be negative.",
            "max_value": (
                f"That is more {what} than one line could hold: enter at most {maximum:,}."
            ),
            "invalid": "Enter a whole number, like 4.",
        },
        **kwargs,
    )


def text_field(*, label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    """Free text with its limit in the message, e.g. "Keep this to 2,000 characters"."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={
            "max_length": (f"Keep this to {max_length:,} characters (it has %(show_value)d)."),
        },
        **kwargs,
    )
