"""The one owner of the turnout counts: ``TurnoutCount`` (entitled, excluded, voted per place) and
``TurnoutDay`` (votes marked per place and London day).

- ``turnout_counts_apply`` runs inside a mark's transaction: one UPDATE of the five rows the
  elector's places own (school, district, region, nation, union) and, when the vote count moves,
  one upsert of the five day rows. Two marks at once both count (each UPDATE waits for the
  other's row locks).
- ``turnout_counts_rebuild`` sets every count from the marks (after building the electorate, or
  to repair); ``turnout_counts_check`` compares the counts with the marks and lists what differs.
  Once the marks are deleted (retention) the counts are all there is: rebuild refuses, and check
  has nothing to compare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from kernel.errors import DomainError
from strikes.models.turnout import Elector, TrackedBallot, TurnoutCount, TurnoutDay

Level = TurnoutCount.Level
# Each level with the Elector column holding its place id (None: the whole union).
LEVEL_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (Level.SCHOOL, "school_id"),
    (Level.DISTRICT, "district_id"),
    (Level.REGION, "region_id"),
    (Level.NATION, "nation_id"),
    (Level.UNION, None),
)
# The parent columns a count row at each level carries.
PARENTS: dict[str, tuple[str, ...]] = {
    Level.SCHOOL: ("school_id", "district_id", "region_id", "nation_id"),
    Level.DISTRICT: ("district_id", "region_id", "nation_id"),
    Level.REGION: ("region_id", "nation_id"),
    Level.NATION: ("nation_id",),
    Level.UNION: (),
}


def _places(elector: Elector) -> list[tuple[str, int]]:
    return [
        (Level.SCHOOL, elector.school_id),
        (Level.DISTRICT, elector.district_id),
        (Level.REGION, elector.region_id),
        (Level.NATION, elector.nation_id),
        (Level.UNION, 0),
    ]


def _flags(status: str) -> tuple[int, int]:
    return (int(status == Elector.Status.VOTED), int(status == Elector.Status.EXCLUDED))


def turnout_counts_apply(*, elector: Elector, old_status: str, at: dt.datetime) -> None:
    """Move the counts of the elector's places from ``old_status`` to its current status.
    Call inside the mark's transaction, after locking the elector row."""
    old_voted, old_excluded = _flags(old_status)
    new_voted, new_excluded = _flags(elector.status)
    d_voted, d_excluded = new_voted - old_voted, new_excluded - old_excluded
    if not d_voted and not d_excluded:
        return
    places = _places(elector)
    where = Q()
    for level, place_id in places:
        where |= Q(level=level, place_id=place_id)
    updates: dict[str, Any] = {}
    if d_voted:
        updates["voted"] = F("voted") + d_voted
    if d_excluded:
        updates["excluded"] = F("excluded") + d_excluded
    TurnoutCount.objects.filter(where, tracked_ballot_id=elector.tracked_ballot_id).update(
        **updates
    )
    if d_voted:
        day = timezone.localdate(at)
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(places))
        params: list[Any] = []
        for level, place_id in places:
            params += [elector.tracked_ballot_id, str(level), place_id, day, d_voted]
        table = TurnoutDay._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (tracked_ballot_id, level, place_id, day, voted)
                    VALUES {values}
                    ON CONFLICT (tracked_ballot_id, level, place_id, day) DO UPDATE
                    SET voted = {table}.voted + excluded.voted""",  # noqa: S608 - our own names
                params,
            )


def _computed(tracked_ballot_id: int) -> dict[tuple[str, int], dict[str, Any]]:
    """Counts per place computed from the marks (one GROUP BY per level)."""
    electors = Elector.objects.filter(tracked_ballot_id=tracked_ballot_id).order_by()
    aggregates = {
        "entitled": Count("pk"),
        "excluded": Count("pk", filter=Q(status=Elector.Status.EXCLUDED)),
        "voted": Count("pk", filter=Q(status=Elector.Status.VOTED)),
    }
    result: dict[tuple[str, int], dict[str, Any]] = {}
    for level, column in LEVEL_COLUMNS:
        if column is None:
            row = electors.aggregate(**aggregates)
            result[(level, 0)] = {"parents": {}, **row}
            continue
        parents = PARENTS[level]
        for row in electors.values(*parents).annotate(**aggregates):
            place_id = row[column]
            result[(level, place_id)] = {
                "parents": {p: row[p] for p in parents},
                "entitled": row["entitled"],
                "excluded": row["excluded"],
                "voted": row["voted"],
            }
    return result


def _computed_days(tracked_ballot_id: int) -> dict[tuple[str, int, dt.date], int]:
    voted = (
        Elector.objects.filter(
            tracked_ballot_id=tracked_ballot_id,
            status=Elector.Status.VOTED,
            marked_at__isnull=False,
        )
        .order_by()
        .annotate(day=TruncDate("marked_at", tzinfo=timezone.get_current_timezone()))
    )
    result: dict[tuple[str, int, dt.date], int] = {}
    for level, column in LEVEL_COLUMNS:
        if column is None:
            for row in voted.values("day").annotate(n=Count("pk")):
                result[(level, 0, row["day"])] = row["n"]
            continue
        for row in voted.values(column, "day").annotate(n=Count("pk")):
            result[(level, row[column], row["day"])] = row["n"]
    return result


@transaction.atomic
def turnout_counts_rebuild(*, tracked_ballot_id: int) -> int:
    """Set every count and day row of a tracked ballot from its marks. Returns the count rows.

    Refused once the marks have been deleted: the counts are then the only record."""
    tracked = TrackedBallot.objects.select_for_update().get(pk=tracked_ballot_id)
    if tracked.marks_deleted_at is not None:
        raise DomainError(
            "The marks of this ballot were deleted after it closed; its counts are all that is "
            "left and cannot be rebuilt.",
            code="turnout_marks_deleted",
        )
    TurnoutCount.objects.filter(tracked_ballot_id=tracked_ballot_id).delete()
    TurnoutDay.objects.filter(tracked_ballot_id=tracked_ballot_id).delete()
    rows = [
        TurnoutCount(
            tracked_ballot_id=tracked_ballot_id,
            level=level,
            place_id=place_id,
            entitled=c["entitled"],
            excluded=c["excluded"],
            voted=c["voted"],
            **c["parents"],
        )
        for (level, place_id), c in _computed(tracked_ballot_id).items()
    ]
    TurnoutCount.objects.bulk_create(rows, batch_size=2000)
    TurnoutDay.objects.bulk_create(
        [
            TurnoutDay(
                tracked_ballot_id=tracked_ballot_id,
                level=level,
                place_id=place_id,
                day=day,
                voted=n,
            )
            for (level, place_id, day), n in _computed_days(tracked_ballot_id).items()
        ],
        batch_size=2000,
    )
    return len(rows)


@dataclass
class CountDifference:
    level: str
    place_id: int
    field: str
    stored: int
    computed: int


def turnout_counts_check(*, tracked_ballot_id: int) -> list[CountDifference]:
    """Where the stored counts differ from the marks (empty when they agree, or when the marks
    are gone). Day rows are checked by their sum per place: an undo on a later day leaves
    +1 and -1 that a rebuild would not write."""
    tracked = TrackedBallot.objects.get(pk=tracked_ballot_id)
    if tracked.marks_deleted_at is not None:
        return []
    computed = _computed(tracked_ballot_id)
    stored = {(c.level, c.place_id): c for c in TurnoutCount.objects.filter(tracked_ballot=tracked)}
    diffs: list[CountDifference] = []
    for key in sorted(set(computed) | set(stored), key=lambda k: (k[0], k[1])):
        have = stored.get(key)
        want = computed.get(key, {"entitled": 0, "excluded": 0, "voted": 0})
        for name in ("entitled", "excluded", "voted"):
            value = getattr(have, name) if have is not None else 0
            if value != want[name]:
                diffs.append(CountDifference(key[0], key[1], name, value, want[name]))
    day_sums: dict[tuple[str, int], int] = {}
    for level, place_id, voted in TurnoutDay.objects.filter(tracked_ballot=tracked).values_list(
        "level", "place_id", "voted"
    ):
        day_sums[(level, place_id)] = day_sums.get((level, place_id), 0) + voted
    for key, c in computed.items():
        if day_sums.get(key, 0) != c["voted"]:
            diffs.append(CountDifference(key[0], key[1], "days", day_sums.get(key, 0), c["voted"]))
    return diffs
