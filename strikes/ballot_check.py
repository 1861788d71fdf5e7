"""Judge ballots described as data: the interface behind ``manage.py ballot_check``.

A case is a dict (see ``docs/law.md``): nation, employer, electorate by staff group, the ballot's
dates and votes, and optionally strike days with the day notice was given. The answer says
whether the ballot passes, under which rule set, why, until when the mandate runs and whether
each strike day is allowed. A case that cannot be judged gets ``{"id", "error"}`` instead.

The same ``strikes.mandate`` functions judge ballots recorded in the app, so the checker and the
planning pages never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from strikes.mandate import (
    EARLIEST_PLAUSIBLE,
    Place,
    ballot_verdict,
    date_problem,
    latest_plausible,
    long_date,
    notice_rule_set,
)
from strikes.models import Ballot, RuleSet, StaffGroup
from strikes.models.planning import EmployerKind

NATIONS = {"england": "E", "wales": "W"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_COUNT = 10_000_000


class CaseError(Exception):
    """What is wrong with a case, in a sentence."""


def _date(case: dict[str, Any], key: str, *, where: str = "", today: dt.date) -> dt.date:
    raw = case.get(key)
    label = f"{where}{key}"
    if raw is None:
        raise CaseError(f"{label} is missing: give a date as YYYY-MM-DD.")
    if not isinstance(raw, str) or not ISO_DATE.match(raw):
        raise CaseError(f"{label} {raw!r} is not a date in the form YYYY-MM-DD.")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise CaseError(f"{label} {raw!r} is not a date that exists.") from None
    if date_problem(day, what=label, today=today):
        raise CaseError(
            f"{label} {raw} is not a plausible date: give one between "
            f"{EARLIEST_PLAUSIBLE.isoformat()} and {latest_plausible(today).isoformat()}."
        )
    return day


def _count(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseError(f"{label} must be a whole number, not {value!r}.")
    if value < 0:
        raise CaseError(f"{label} cannot be negative ({value}).")
    if value > MAX_COUNT:
        raise CaseError(f"{label} ({value}) is more than any union's membership.")
    return value


def _text(value: Any) -> Any:
    return value if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def check_case(
    case: Any, *, rule_sets: list[RuleSet], today: dt.date | None = None
) -> dict[str, Any]:
    """The answer for one case; ``{"id", "error"}`` when it cannot be judged."""
    today = today or timezone.localdate()
    case_id = _text(case.get("id")) if isinstance(case, dict) else None
    try:
        return _judge(case, rule_sets=rule_sets, today=today)
    except CaseError as exc:
        return {"id": case_id, "error": str(exc)}
    except RuleSet.DoesNotExist as exc:
        return {"id": case_id, "error": str(exc)}


def _judge(case: Any, *, rule_sets: list[RuleSet], today: dt.date) -> dict[str, Any]:
    if not isinstance(case, dict):
        raise CaseError("Each case must be a JSON object.")
    case_id = _text(case.get("id"))
    nation_raw = case.get("nation")
    if not isinstance(nation_raw, str) or nation_raw.strip().lower() not in NATIONS:
        raise CaseError(f'nation {nation_raw!r} is not known: give "england" or "wales".')
    nation = NATIONS[nation_raw.strip().lower()]
    employer = case.get("employer")
    if employer not in EmployerKind.values:
        raise CaseError(
            f"employer {employer!r} is not known: give one of {', '.join(EmployerKind.values)}."
        )
    electorate_raw = case.get("electorate")
    if not isinstance(electorate_raw, dict) or not electorate_raw:
        raise CaseError(
            "electorate must give the number entitled to vote by staff group, e.g. "
            '{"teacher": 1000, "leader": 40, "support": 200}.'
        )
    split: dict[str, int] = {}
    for group, value in electorate_raw.items():
        if group not in StaffGroup.values:
            raise CaseError(
                f"electorate has an unknown staff group {group!r}: use teacher, leader, support."
            )
        split[group] = _count(value, f"electorate.{group}")
    total = sum(split.values())
    if total == 0:
        raise CaseError("The electorate is 0: no one was entitled to vote.")
    opens_on = _date(case, "opens_on", today=today)
    closes_on = _date(case, "closes_on", today=today)
    if closes_on < opens_on:
        raise CaseError(f"closes_on {closes_on} is before opens_on {opens_on}.")
    cast = _count(case.get("votes_cast"), "votes_cast")
    yes = _count(case.get("votes_yes"), "votes_yes")
    if cast > total:
        raise CaseError(f"votes_cast ({cast}) is more than the electorate ({total}).")
    if yes > cast:
        raise CaseError(f"votes_yes ({yes}) is more than votes_cast ({cast}).")
    no = cast - yes
    if "votes_no" in case:
        no = _count(case["votes_no"], "votes_no")
        if yes + no > cast:
            raise CaseError(f"votes_yes and votes_no ({yes} + {no}) are more than votes_cast.")
    extension = case.get("employer_agreed_extension", False)
    if not isinstance(extension, bool):
        raise CaseError("employer_agreed_extension must be true or false.")
    days_raw = case.get("strike_days", [])
    if days_raw is None:
        days_raw = []
    if not isinstance(days_raw, list):
        raise CaseError("strike_days must be a list of {date, notice_given_on}.")
    days: list[tuple[dt.date, dt.date]] = []
    for i, item in enumerate(days_raw):
        if not isinstance(item, dict):
            raise CaseError(f"strike_days[{i}] must be an object with date and notice_given_on.")
        where = f"strike_days[{i}]."
        days.append(
            (
                _date(item, "date", where=where, today=today),
                _date(item, "notice_given_on", where=where, today=today),
            )
        )

    groups = [g for g in StaffGroup.values if split.get(g)]
    ballot = Ballot(
        kind=Ballot.Kind.POSTAL,
        aggregation=Ballot.Aggregation.AGGREGATED,
        staff_groups=groups,
        opens_on=opens_on,
        closes_on=closes_on,
        electorate=total,
        electorate_teacher=split.get("teacher", 0),
        electorate_leader=split.get("leader", 0),
        electorate_support=split.get("support", 0),
        votes_cast=cast,
        votes_yes=yes,
        votes_no=no,
        employer_agreed_extension=extension,
    )
    place = Place(nation, employer)
    verdict = ballot_verdict(ballot, place=place, today=today, rule_sets=rule_sets)
    answer: dict[str, Any] = {
        "id": case_id,
        "passes": verdict.passes,
        "rules": verdict.rule_set.name,
        "reasons": [r.removeprefix("✓ ") for r in verdict.reasons],
        "mandate_ends": verdict.mandate_ends_on.isoformat()
        if verdict.passes and verdict.mandate_ends_on
        else None,
        "strike_days": [
            _day_answer(day, notice_on, verdict=verdict, place=place, rule_sets=rule_sets)
            for day, notice_on in days
        ],
    }
    return answer


def _day_answer(
    day: dt.date, notice_on: dt.date, *, verdict: Any, place: Place, rule_sets: list[RuleSet]
) -> dict[str, Any]:
    def no(reason: str) -> dict[str, Any]:
        return {"date": day.isoformat(), "allowed": False, "reason": reason}

    if not verdict.passes:
        return no("The ballot gives no mandate, so no strike day is allowed.")
    closes_on = verdict.mandate_starts_on
    if day <= closes_on:
        return no(f"Action must come after the ballot closed on {long_date(closes_on)}.")
    if day > verdict.mandate_ends_on:
        return no(
            f"The mandate ended on {long_date(verdict.mandate_ends_on)} "
            f"({verdict.mandate_months} months under the {verdict.mandate_rule_set.name})."
        )
    if notice_on < closes_on:
        return no(
            f"Notice was given on {long_date(notice_on)}, before the ballot closed on "
            f"{long_date(closes_on)}: notice of action follows the result."
        )
    if notice_on > day:
        return no(f"Notice was given on {long_date(notice_on)}, after the strike day.")
    rule = notice_rule_set(notice_on, place=place, rule_sets=rule_sets)
    gap = (day - notice_on).days
    if gap < rule.notice_days:
        earliest = notice_on + dt.timedelta(days=rule.notice_days)
        return no(
            f"Only {gap} days' notice: under the {rule.name} (in force when notice was given on "
            f"{long_date(notice_on)}) employers need {rule.notice_days}, so the earliest day is "
            f"{long_date(earliest)}."
        )
    picketing = RuleSet.pick(rule_sets, day, nation=place.nation, employer_kind=place.employer_kind)
    supervisor = (
        f"; pickets need a supervisor with a letter ({picketing.name})"
        if picketing.picket_supervisor_required
        else ""
    )
    return {
        "date": day.isoformat(),
        "allowed": True,
        "reason": (
            f"Within the mandate (until {long_date(verdict.mandate_ends_on)}) with {gap} days' "
            f"notice, {rule.notice_days} needed under the {rule.name}{supervisor}."
        ),
    }


def seeded_rule_sets() -> list[RuleSet]:
    """The rule sets as seeded (``strikes.rules``), unsaved."""
    from strikes.rules import RULE_SETS

    fields = {f.name for f in RuleSet._meta.get_fields()}
    return [RuleSet(**{k: v for k, v in row.items() if k in fields}) for row in RULE_SETS]


def rule_sets_for_check() -> list[RuleSet]:
    """The rule sets in the database; the seeded ones when the table is empty."""
    return list(RuleSet.objects.all()) or seeded_rule_sets()
