"""One database helper the hot paths share: an insert that a unique key may turn into nothing.

``Model.objects.create`` inside a savepoint, catching ``IntegrityError``, costs three statements
(SAVEPOINT, INSERT, RELEASE) and, on PostgreSQL, a failed statement's work; an
``INSERT ... ON CONFLICT (...) DO NOTHING RETURNING id`` is one, on PostgreSQL and on SQLite
(3.35+) alike. Django's ``bulk_create(ignore_conflicts=True)`` makes the same statement but
gives back no id, and names no conflict target, so a partial unique index (``WHERE user_id IS
NOT NULL``) could not be named and every other unique constraint would be ignored too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault


def insert_unless_exists(
    obj: models.Model,
    *,
    conflict: str,
    where: str = "",
    also_return: str = "",
    params: Sequence[Any] = (),
) -> tuple[Any, ...] | None:
    """Insert ``obj``'s row unless one already holds its key. None when a row with the key was
    there; else ``obj.pk`` is set, the instance is saved, and the answer is the values of
    ``also_return`` (SQL expressions, comma-separated, their ``params`` bound; an empty tuple
    without), read in the same statement.

    ``conflict`` names the key's columns (``"shift_id", "user_id"``) and ``where`` the predicate
    of a partial unique index (``"user_id" IS NOT NULL``), exactly as the index is declared.
    Any other constraint still raises ``IntegrityError``.
    """
    meta = obj._meta
    qn = connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields if not (f.primary_key and obj.pk is None)]
    columns = ", ".join(qn(f.column) for f in fields)
    raw = [f.pre_save(obj, True) for f in fields]
    if any(isinstance(value, DatabaseDefault) for value in raw):
        raise ValueError("insert_unless_exists needs a Python default for every field.")
    values = [
        f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, raw, strict=True)
    ]
    placeholders = ", ".join(["%s"] * len(fields))
    target = f"({conflict})" + (f" WHERE {where}" if where else "")
    returning = qn(meta.pk.column) + (f", {also_return}" if also_return else "")
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - model metadata, values bound
        f"ON CONFLICT {target} DO NOTHING RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        row = cursor.fetchone()
    if row is None:
        return None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return tuple(row[1:])
