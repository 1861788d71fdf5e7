"""Nonces from forms and the offline queue, scoped to who sent them and what for.

A form carries a random nonce so that a double tap or a replay from the offline queue does the
work once. The browser makes the nonce, so two people (or one person's two kinds of form) can
send the same one; stored as it came, the second would find the first one's row. What is stored
is a digest of the action, the person and the nonce, so a repeated nonce finds only that person's
own earlier result for that action, and NUL bytes or odd characters never reach a column.
"""

from __future__ import annotations

import hashlib


def scoped_nonce(*, action: str, person: object, nonce: str) -> str:
    """The 64-character key a service stores for ``nonce`` sent by ``person`` for ``action``.

    ``person`` is a user (or supporter) id, or ``None`` for an anonymous sender. An empty nonce
    stays empty: the caller decides whether one is required.
    """
    if not nonce:
        return ""
    raw = f"{action}\x1f{person if person is not None else '-'}\x1f{nonce}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
