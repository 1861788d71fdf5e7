"""Ballot turnout tracking: every write (tracking a ballot, marks, official results, chase
messages, scheduled reminders, the retention sweep) and the signed "I've voted" link.

Whether someone has voted is personal data about union activity: services write ids and counts
to the audit log, never names, and a member's own "I've voted" is logged without them as the
actor, so once the marks are deleted nothing says who voted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from kernel.privacy import PersonalData, exported
from members.models import Membership, Union, User
from schools.models import District, Nation, Region, School
from strikes.models import Ballot, Notification
from strikes.models.turnout import Elector, TrackedBallot, TurnoutOfficial
from strikes.turnout_counters import turnout_counts_apply, turnout_counts_rebuild

LINK_SALT = "strikes.turnout-link"
STAGES: tuple[tuple[str, int], ...] = (("week", 7), ("two_days", 2), ("last_day", 0))


def _london() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- Tracking a ballot ----------------------------------------------------------------------


def _electorate_insert(tracked: TrackedBallot) -> int:
    """Add an elector row for each active member in the electorate not already in it: one
    ``INSERT ... SELECT`` (450,000 members in seconds, not a Python loop). Those already in are
    skipped by the unique constraint: a ``NOT EXISTS`` here made PostgreSQL rescan the rows the
    statement itself was inserting, once per member."""
    m, u = Membership._meta.db_table, User._meta.db_table
    s, d, r = School._meta.db_table, District._meta.db_table, Region._meta.db_table
    e = Elector._meta.db_table
    where = ["m.union_id = %s", "m.is_active = %s", "u.is_active = %s"]
    params: list[Any] = [tracked.pk, tracked.union_id, True, True]
    nation_ids = list(tracked.nations.values_list("pk", flat=True))
    if nation_ids:
        where.append(f"r.nation_id IN ({', '.join(['%s'] * len(nation_ids))})")
        params += nation_ids
    if tracked.staff_groups:
        where.append(f"m.staff_group IN ({', '.join(['%s'] * len(tracked.staff_groups))})")
        params += list(tracked.staff_groups)
    school_ids = list(tracked.schools.values_list("pk", flat=True))
    if school_ids:
        where.append(f"s.id IN ({', '.join(['%s'] * len(school_ids))})")
        params += school_ids
    sql = f"""INSERT INTO {e} (tracked_ballot_id, membership_id, school_id, district_id,
                               region_id, nation_id, status, reason, source)
        SELECT %s, m.id, s.id, d.id, r.id, r.nation_id, 'not_yet', '', ''
        FROM {m} m JOIN {u} u ON u.id = m.user_id
        JOIN {s} s ON s.id = m.workplace_id JOIN {d} d ON d.id = s.district_id
        JOIN {r} r ON r.id = d.region_id
        WHERE {" AND ".join(where)}
        ON CONFLICT (tracked_ballot_id, membership_id) DO NOTHING"""  # noqa: S608 - ours
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@transaction.atomic
def tracked_ballot_create(
    *,
    union: Union,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    acting_user: Any,
    kind: str = TrackedBallot.Kind.INDUSTRIAL_ACTION,
    ballot: Ballot | None = None,
    nations: Iterable[Nation] = (),
    staff_groups: Iterable[str] = (),
    schools: Iterable[School] = (),
    target_pct: Any = 60,
    per_unit: bool | None = None,
) -> TrackedBallot:
    """Track a ballot or an election and build its electorate from the membership.

    For an industrial-action ballot the electorate defaults to the ballot's constituency (its
    nations and staff groups, or its dispute's) and per-unit follows the ballot's aggregation."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(
            "Give the ballot a title (up to 200 characters).", code="turnout_bad_tracking"
        )
    if closes_on < opens_on:
        raise DomainError(
            "The ballot must close on or after the day it opens.", code="turnout_bad_tracking"
        )
    if kind not in TrackedBallot.Kind.values:
        raise DomainError("Choose what kind of ballot this is.", code="turnout_bad_tracking")
    nations, staff_groups, schools = list(nations), list(staff_groups), list(schools)
    if ballot is not None:
        dispute = ballot.dispute
        if dispute.union_id != union.pk:
            raise DomainError("That ballot belongs to another union.", code="turnout_bad_tracking")
        kind = TrackedBallot.Kind.INDUSTRIAL_ACTION
        # The ballot's own constituency where it has one, else its dispute's.
        if not nations:
            own = list(ballot.nations.all()) if hasattr(ballot, "nations") else []
            nations = own or list(dispute.nations.all())
        if not staff_groups:
            own_groups = list(getattr(ballot, "staff_groups", None) or [])
            staff_groups = own_groups or list(dispute.staff_groups or [])
        if per_unit is None:
            per_unit = ballot.aggregation == Ballot.Aggregation.PER_UNIT
    valid_groups = {c[0] for c in Membership._meta.get_field("staff_group").choices}
    if any(g not in valid_groups for g in staff_groups):
        raise DomainError("Choose staff groups from the list.", code="turnout_bad_tracking")
    try:
        target = float(target_pct)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            "The target is a percentage, 1 to 100.", code="turnout_bad_tracking"
        ) from exc
    if not 1 <= target <= 100:
        raise DomainError("The target is a percentage, 1 to 100.", code="turnout_bad_tracking")
    tracked = TrackedBallot.objects.create(
        union=union,
        kind=kind,
        title=title,
        ballot=ballot,
        opens_on=opens_on,
        closes_on=closes_on,
        staff_groups=staff_groups,
        target_pct=target_pct,
        per_unit=bool(per_unit),
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    if nations:
        tracked.nations.set(nations)
    if schools:
        tracked.schools.set(schools)
    electors = _electorate_insert(tracked)
    turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
    audit_log(actor=acting_user, action="turnout.track", obj=tracked, electors=electors)
    return tracked


@transaction.atomic
def tracked_ballot_electorate_refresh(*, tracked_ballot: TrackedBallot, acting_user: Any) -> int:
    """Add members who joined the electorate since it was built; returns how many."""
    tracked = TrackedBallot.objects.select_for_update().get(pk=tracked_ballot.pk)
    if tracked.marks_deleted_at is not None or timezone.now() >= tracked.closes_at:
        raise DomainError("The ballot has closed: its electorate is fixed.", code="turnout_closed")
    added = _electorate_insert(tracked)
    if added:
        turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
    audit_log(actor=acting_user, action="turnout.electorate_refresh", obj=tracked, added=added)
    return added


# --- Marks ----------------------------------------------------------------------------------


@transaction.atomic
def elector_mark(
    *,
    elector_id: int,
    status: str,
    acting_user: Any,
    by_self: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[Elector, bool]:
    """Mark an elector voted, not yet, or excluded (with a reason); returns the elector and
    whether anything changed. Marking the same thing twice is harmless.

    A member may say only "voted" or "not yet" about themselves; excluding is for a rep or
    officer (the view has checked who they are). Counts move in the same transaction."""
    now = now or timezone.now()
    elector = (
        Elector.objects.select_for_update(of=("self",))
        .select_related("tracked_ballot")
        .filter(pk=elector_id)
        .first()
    )
    if elector is None:
        raise DomainError(
            "We could not find you in this ballot's list. Ask your rep to check.",
            code="turnout_marks_deleted",
        )
    tracked = elector.tracked_ballot
    if status not in Elector.Status.values:
        raise DomainError("Choose voted, not yet, or excluded.", code="turnout_bad_mark")
    if status == Elector.Status.EXCLUDED:
        if by_self:
            raise DomainError("Only your rep can take you off the list.", code="turnout_bad_mark")
        if reason not in ("left", "absent", "moved"):
            raise DomainError(
                "Say why this member is excluded: left, long-term absence, or not at this "
                "workplace.",
                code="turnout_bad_mark",
            )
    else:
        reason = ""
    if tracked.marks_deleted_at is not None:
        raise DomainError(
            "This ballot is over and its marks have been deleted.", code="turnout_marks_deleted"
        )
    if now >= tracked.closes_at:
        raise DomainError(
            f"Voting closed on {tracked.closes_on:%-d %B %Y}: marks can no longer change.",
            code="turnout_closed",
        )
    if timezone.localdate(now) < tracked.opens_on:
        raise DomainError(
            f"Voting opens on {tracked.opens_on:%-d %B %Y}: come back then.",
            code="turnout_not_open",
        )
    if elector.status == status and elector.reason == reason:
        return elector, False
    old_status = elector.status
    elector.status = status
    elector.reason = reason
    elector.source = Elector.Source.SELF if by_self else Elector.Source.REP
    elector.marked_at = now
    elector.save(update_fields=["status", "reason", "source", "marked_at"])
    turnout_counts_apply(elector=elector, old_status=old_status, at=now)
    # A member's own mark is logged without them as the actor (see the module's note).
    audit_log(
        actor=None if by_self else acting_user,
        action="turnout.mark",
        obj=elector,
        tracked_ballot_id=tracked.pk,
        school_id=elector.school_id,
        status=status,
        by="self" if by_self else "rep",
    )
    return elector, True


def elector_for_member(*, tracked_ballot: TrackedBallot, user: Any) -> Elector | None:
    return (
        Elector.objects.filter(tracked_ballot=tracked_ballot, membership__user_id=user.pk)
        .select_related("tracked_ballot")
        .first()
    )


# --- The signed "I've voted" link -----------------------------------------------------------


def turnout_link_token(*, elector: Elector) -> str:
    """A signed token for one elector, good until the ballot closes."""
    closes = int(elector.tracked_ballot.closes_at.timestamp())
    return signing.dumps({"e": elector.pk, "x": closes}, salt=LINK_SALT, compress=True)


def turnout_link_url(*, elector: Elector) -> str:
    path = reverse("strikes:turnout-link", args=[turnout_link_token(elector=elector)])
    return settings.SITE_URL.rstrip("/") + path


class LinkExpired(Exception):
    pass


def turnout_link_read(token: str) -> int:
    """The elector id in a link. Raises ``signing.BadSignature`` when tampered with and
    ``LinkExpired`` once the ballot has closed."""
    data = signing.loads(token[:500], salt=LINK_SALT)
    if not isinstance(data, dict):
        raise signing.BadSignature("Unknown link.")
    try:
        elector_id, expires = int(data["e"]), int(data["x"])
    except (KeyError, TypeError, ValueError) as exc:
        raise signing.BadSignature("Unknown link.") from exc
    if timezone.now().timestamp() >= expires:
        raise LinkExpired("The ballot has closed.")
    return elector_id


# --- Official results -----------------------------------------------------------------------


@transaction.atomic
def turnout_official_record(
    *,
    tracked_ballot: TrackedBallot,
    electorate: int,
    votes_cast: int,
    acting_user: Any,
    school: School | None = None,
) -> TrackedBallot | TurnoutOfficial:
    """The scrutineer's figures: for the whole ballot, or (per-unit ballots) one school."""
    if electorate < 0 or votes_cast < 0 or electorate > 10_000_000:
        raise DomainError("Enter whole numbers of people, 0 or more.", code="turnout_bad_official")
    if votes_cast > electorate:
        raise DomainError(
            "More votes than people entitled to vote: check the scrutineer's figures.",
            code="turnout_bad_official",
        )
    if school is None:
        tracked = TrackedBallot.objects.select_for_update().get(pk=tracked_ballot.pk)
        tracked.official_electorate = electorate
        tracked.official_votes_cast = votes_cast
        tracked.official_entered_at = timezone.now()
        tracked.save(
            update_fields=["official_electorate", "official_votes_cast", "official_entered_at"]
        )
        audit_log(actor=acting_user, action="turnout.official", obj=tracked, unit="all")
        return tracked
    if not tracked_ballot.per_unit:
        raise DomainError(
            "This ballot is counted as one: enter the figures for the whole ballot.",
            code="turnout_bad_official",
        )
    if not Elector.objects.filter(tracked_ballot=tracked_ballot, school=school).exists() and (
        tracked_ballot.marks_deleted_at is None
    ):
        raise DomainError("That school has no members in this ballot.", code="turnout_bad_official")
    official, _ = TurnoutOfficial.objects.update_or_create(
        tracked_ballot=tracked_ballot,
        school=school,
        defaults={
            "electorate": electorate,
            "votes_cast": votes_cast,
            "entered_by": acting_user if getattr(acting_user, "pk", None) else None,
            "entered_at": timezone.now(),
        },
    )
    audit_log(
        actor=acting_user,
        action="turnout.official",
        obj=tracked_ballot,
        unit="school",
        school_id=school.pk,
    )
    return official


# --- Messages to those not yet voted --------------------------------------------------------


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object built in SQL from (key, SQL expression) pairs."""
    func = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    args = ", ".join(f"'{k}', {v}" for k, v in pairs)
    return f"{func}({args})"


def _queue_not_yet(
    *,
    tracked: TrackedBallot,
    key_prefix: str,
    stage: str,
    due_at: dt.datetime,
    school_ids: list[int] | None = None,
) -> int:
    """One outbox row per elector still not yet voted (members who take reminders), keyed
    ``{key_prefix}{elector_id}`` so each goes once: one ``INSERT ... SELECT``."""
    n, e, m, u = (
        Notification._meta.db_table,
        Elector._meta.db_table,
        Membership._meta.db_table,
        User._meta.db_table,
    )
    cast = "::text" if connection.vendor == "postgresql" else ""
    context = _json_object(
        [
            ("tracked_ballot_id", "e.tracked_ballot_id"),
            ("elector_id", "e.id"),
            ("stage", f"%s{cast}"),
        ]
    )
    where = [
        "e.tracked_ballot_id = %s",
        "e.status = 'not_yet'",
        "u.is_active = %s",
        "u.reminders_opt_out = %s",
        "m.is_active = %s",
    ]
    adapt = connection.ops.adapt_datetimefield_value
    # In the order the placeholders appear: key, kind, due, the context's stage, created, where.
    params: list[Any] = [
        key_prefix,
        Notification.Kind.TURNOUT,
        adapt(due_at),
        stage,
        adapt(timezone.now()),
        tracked.pk,
        True,
        False,
        True,
    ]
    if school_ids is not None:
        where.append(f"e.school_id IN ({', '.join(['%s'] * len(school_ids))})")
        params += school_ids
    sql = f"""INSERT INTO {n} (key, kind, channel, user_id, school_id, district_id, due_at,
                               context, status, attempts, last_error, created_at)
        SELECT %s || e.id, %s,
               CASE WHEN u.preferred_channel = 'sms' AND u.phone <> '' THEN 'sms' ELSE 'email'
               END,
               u.id, e.school_id, e.district_id, %s, {context}, 'due', 0, '', %s
        FROM {e} e JOIN {m} m ON m.id = e.membership_id JOIN {u} u ON u.id = m.user_id
        WHERE {" AND ".join(where)}
        ON CONFLICT (key) DO NOTHING"""  # noqa: S608 - table names are ours, values are params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def turnout_chase_send(
    *,
    tracked_ballot: TrackedBallot,
    school: School,
    acting_user: Any,
    now: dt.datetime | None = None,
) -> int:
    """A rep's "message everyone not yet voted" at their school, through the outbox, with each
    person's one-tap link. Once a day per person however often it is pressed."""
    now = now or timezone.now()
    if tracked_ballot.marks_deleted_at is not None or now >= tracked_ballot.closes_at:
        raise DomainError(
            "Voting has closed: there is nobody left to remind.", code="turnout_closed"
        )
    if timezone.localdate(now) < tracked_ballot.opens_on:
        raise DomainError(
            f"Voting opens on {tracked_ballot.opens_on:%-d %B %Y}: send reminders then.",
            code="turnout_not_open",
        )
    day = timezone.localdate(now).isoformat()
    queued = _queue_not_yet(
        tracked=tracked_ballot,
        key_prefix=f"turnout:chase:{tracked_ballot.pk}:{day}:",
        stage="chase",
        due_at=now,
        school_ids=[school.pk],
    )
    audit_log(
        actor=acting_user,
        action="turnout.chase",
        obj=tracked_ballot,
        school_id=school.pk,
        queued=queued,
    )
    return queued


def reminder_due_at(tracked: TrackedBallot, stage: str) -> dt.datetime:
    """When a scheduled reminder falls due: ``TURNOUT_REMINDER_AT`` London time on its day."""
    days = dict(STAGES)[stage]
    hour, minute = (int(x) for x in settings.TURNOUT_REMINDER_AT.split(":"))
    day = tracked.closes_on - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_london())


def _current_stage(tracked: TrackedBallot, now: dt.datetime) -> str | None:
    """The latest stage whose time has come (earlier ones missed are not sent late)."""
    current = None
    for stage, _days in STAGES:
        if reminder_due_at(tracked, stage) <= now:
            current = stage
    return current


def turnout_reminders_schedule(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat: the scheduled reminders (a week before the close, two days before, the last day),
    each to the members not yet voted at that moment, each once (unique keys
    ``turnout:{stage}:{tracked}:{elector}``). A stage whose time passed before the next one
    came is sent when the sweep first sees it; a stage overtaken by a later one is skipped."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    ballots = 0
    candidates = TrackedBallot.objects.filter(
        opens_on__lte=today, closes_on__gte=today, marks_deleted_at__isnull=True
    ).values_list("pk", flat=True)
    for tracked_id in candidates:
        with transaction.atomic():
            tracked = TrackedBallot.objects.select_for_update().get(pk=tracked_id)
            stage = _current_stage(tracked, now)
            if stage is None or stage in tracked.reminder_stages_done:
                continue
            n = _queue_not_yet(
                tracked=tracked,
                key_prefix=f"turnout:{stage}:{tracked.pk}:",
                stage=stage,
                due_at=reminder_due_at(tracked, stage),
            )
            tracked.reminder_stages_done = [*tracked.reminder_stages_done, stage]
            tracked.save(update_fields=["reminder_stages_done"])
            audit_log(actor=None, action="turnout.remind", obj=tracked, stage=stage, queued=n)
            queued += n
            ballots += 1
    return {"ballots": ballots, "queued": queued}


# --- Sending: what a ballot reminder says, and whether it should still go -------------------


def turnout_message_context(row: Notification) -> dict[str, Any]:
    """The ballot, the closing date and the person's one-tap link, for a ballot reminder."""
    elector = (
        Elector.objects.select_related("tracked_ballot")
        .filter(pk=row.context.get("elector_id"))
        .first()
    )
    if elector is None:
        return {}
    tracked = elector.tracked_ballot
    return {
        "tracked_ballot": tracked,
        "elector": elector,
        "stage": row.context.get("stage", ""),
        "voted_url": turnout_link_url(elector=elector),
        "days_left": (tracked.closes_on - timezone.localdate()).days,
    }


def turnout_message_wanted(row: Notification) -> str:
    """Why a ballot reminder should not go (empty when it should)."""
    elector = (
        Elector.objects.select_related("tracked_ballot")
        .filter(pk=row.context.get("elector_id"))
        .first()
    )
    if elector is None:
        return "The ballot's marks are gone."
    if elector.status != Elector.Status.NOT_YET:
        return "Already voted (or excluded)."
    if timezone.now() >= elector.tracked_ballot.closes_at:
        return "The ballot has closed."
    return ""


# --- Retention ------------------------------------------------------------------------------


@dataclass
class MarksDeleted:
    """What the marks' retention sweep did (or, on a dry run, would do)."""

    older_than_days: int
    dry_run: bool
    ballots: list[int]
    marks: int
    messages: int

    def summary(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        return (
            f"{verb} {self.marks} ballot mark(s) and {self.messages} ballot reminder(s) of "
            f"{len(self.ballots)} ballot(s) closed more than {self.older_than_days} day(s) ago; "
            "their counts are kept."
        )

    def figures(self) -> dict[str, int]:
        """Non-zero counts only (the beat task merges every app's figures)."""
        counts = {
            "ballots_marks_deleted": len(self.ballots),
            "ballot_marks": self.marks,
            "ballot_reminders": self.messages,
        }
        return {k: v for k, v in counts.items() if v}


def turnout_marks_delete(
    *,
    now: dt.datetime | None = None,
    older_than_days: int | None = None,
    dry_run: bool = False,
) -> MarksDeleted:
    """Delete the per-person marks (and the ballot reminders, which say who had not voted) of
    ballots closed more than ``older_than_days`` ago (default ``TURNOUT_MARKS_RETENTION_DAYS``).
    Counts, day rows and official figures stay. Idempotent; each ballot its own transaction."""
    now = now or timezone.now()
    if older_than_days is None:
        older_than_days = settings.TURNOUT_MARKS_RETENTION_DAYS
    if older_than_days < 0:
        raise DomainError("The number of days cannot be negative.", code="bad_days")
    cutoff = timezone.localdate(now) - dt.timedelta(days=older_than_days)
    result = MarksDeleted(older_than_days, dry_run, ballots=[], marks=0, messages=0)
    due = TrackedBallot.objects.filter(closes_on__lt=cutoff, marks_deleted_at__isnull=True)
    for tracked_id in due.values_list("pk", flat=True):
        reminders = Notification.objects.filter(
            kind=Notification.Kind.TURNOUT, context__tracked_ballot_id=tracked_id
        )
        if dry_run:
            result.ballots.append(tracked_id)
            result.marks += Elector.objects.filter(tracked_ballot_id=tracked_id).count()
            result.messages += reminders.count()
            continue
        with transaction.atomic():
            tracked = TrackedBallot.objects.select_for_update().get(pk=tracked_id)
            if tracked.marks_deleted_at is not None:
                continue
            marks, _ = Elector.objects.filter(tracked_ballot=tracked).delete()
            messages, _ = reminders.delete()
            tracked.marks_deleted_at = now
            tracked.save(update_fields=["marks_deleted_at"])
            audit_log(
                actor=None,
                action="turnout.marks_deleted",
                obj=tracked,
                marks=marks,
                messages=messages,
                older_than_days=older_than_days,
            )
            result.ballots.append(tracked.pk)
            result.marks += marks
            result.messages += messages
    return result


def turnout_retention_sweep(*, older_than_days: int, dry_run: bool = False) -> MarksDeleted:
    """The privacy registry's sweep (``manage.py retention_sweep``): marks never outlive the
    shorter of the period asked for and ``TURNOUT_MARKS_RETENTION_DAYS``."""
    own = settings.TURNOUT_MARKS_RETENTION_DAYS
    return turnout_marks_delete(older_than_days=min(older_than_days, own), dry_run=dry_run)


# --- Subject access and erasure -------------------------------------------------------------


def turnout_data_for_user(user: Any) -> list[dict[str, Any]]:
    """A person's marks, for their subject-access export (a list of plain values)."""
    rows = (
        Elector.objects.filter(membership__user_id=user.pk)
        .select_related("tracked_ballot", "school")
        .order_by("tracked_ballot__closes_on", "pk")
    )
    return [
        {
            "ballot": e.tracked_ballot.title,
            "closes_on": e.tracked_ballot.closes_on,
            "workplace": e.school.name,
            "mark": e.get_status_display(),
            "reason": e.get_reason_display() if e.reason else "",
            "marked_by": e.get_source_display() if e.source else "",
            "marked_at": exported(e.marked_at),
        }
        for e in rows
    ]


def turnout_erase_user(user: Any) -> int:
    """Erasure: the person's marks lose their name (the counts stay right); their ballot
    reminders lose the link to the mark."""
    detached = Elector.objects.filter(membership__user_id=user.pk).update(membership=None)
    Notification.objects.filter(user_id=user.pk, kind=Notification.Kind.TURNOUT).update(context={})
    return detached


def _erase_counts(detached: int) -> dict[str, int]:
    """For the erasure's audit entry: the count, when there was anything to detach."""
    return {"ballot_marks": detached} if detached else {}


personal_data = PersonalData(
    app="strikes.turnout",
    export_user=lambda *, user: {"ballot_marks": turnout_data_for_user(user)},
    erase_user=lambda *, user: _erase_counts(turnout_erase_user(user)),
    sweep=turnout_retention_sweep,
    page_template="strikes/turnout/my_data.html",
)
