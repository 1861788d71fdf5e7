"""The law applied to a ballot: turnout, support, thresholds, the mandate and the notice.

Pure functions over ``RuleSet`` rows (chosen by date with ``RuleSet.in_force_on``): nothing here
knows which Act says what. A new regime is a new row, never an ``if`` here.

- The thresholds come from the rule set in force on the day the ballot OPENED.
- The mandate's length comes from the rule set in force on the day the ballot CLOSED.
- The notice employers need comes from the rule set in force on the day notice is given (today).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from strikes.models import Ballot, BallotUnit, RuleSet

if TYPE_CHECKING:
    from strikes.models import Dispute

HUNDRED = Decimal(100)


def long_date(day: date) -> str:
    """'3 December 2026' (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def pct_text(value: Decimal) -> str:
    """48.2% / 50% (trailing zeros dropped)."""
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.01"))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Figures:
    electorate: int
    votes_cast: int
    votes_yes: int
    votes_no: int


@dataclass
class Verdict:
    """What the law says about one ballot (or one unit of a per-unit ballot)."""

    rule_set: RuleSet
    turnout_pct: Decimal
    support_pct: Decimal
    yes_of_electorate_pct: Decimal
    majority: bool
    turnout_met: bool
    important_service_applies: bool
    important_service_met: bool | None
    statutory: bool
    passes: bool
    reasons: list[str]
    mandate_rule_set: RuleSet | None = None
    mandate_months: int = 0
    mandate_starts_on: date | None = None
    mandate_ends_on: date | None = None
    notice_rule_set: RuleSet | None = None
    notice_days: int = 0
    units: list[UnitVerdict] = field(default_factory=list)

    @property
    def first_action_on(self) -> date | None:
        """The first day action may be taken: the day after the ballot closed."""
        return self.mandate_starts_on + timedelta(days=1) if self.mandate_starts_on else None

    @property
    def failures(self) -> list[str]:
        return [r for r in self.reasons if not r.startswith("✓")]


@dataclass
class UnitVerdict:
    unit: BallotUnit
    verdict: Verdict


def _figures_verdict(
    figures: Figures, *, rule_set: RuleSet, staff_groups: list[str] | tuple[str, ...]
) -> Verdict:
    """The thresholds of ``rule_set`` applied to a set of figures."""
    source = rule_set.name
    reasons: list[str] = []
    turnout = percent(figures.votes_cast, figures.electorate)
    support = percent(figures.votes_yes, figures.votes_cast)
    yes_of_electorate = percent(figures.votes_yes, figures.electorate)
    threshold = rule_set.turnout_threshold_pct

    # Exact integer comparisons: 500 of 1000 is 50%, 499 is not.
    turnout_met = (
        figures.electorate > 0
        and Decimal(figures.votes_cast) * HUNDRED >= threshold * figures.electorate
    )
    if turnout_met:
        reasons.append(
            f"✓ Turnout {pct_text(turnout)} meets the {pct_text(threshold)} threshold ({source})"
        )
    else:
        reasons.append(
            f"Turnout {pct_text(turnout)} is below the {pct_text(threshold)} threshold ({source})"
        )

    majority = figures.votes_yes > figures.votes_no
    if majority:
        reasons.append(
            f"✓ A majority voted yes: {figures.votes_yes} yes to {figures.votes_no} no "
            f"({pct_text(support)} of votes cast)"
        )
    else:
        reasons.append(
            f"No majority for action: {figures.votes_yes} yes to {figures.votes_no} no "
            f"({pct_text(support)} of votes cast)"
        )

    groups = set(rule_set.important_service_staff_groups or [])
    needed = rule_set.important_service_support_pct
    applies = needed is not None and bool(groups & set(staff_groups))
    met: bool | None = None
    if applies:
        assert needed is not None
        met = (
            figures.electorate > 0
            and Decimal(figures.votes_yes) * HUNDRED >= needed * figures.electorate
        )
        if met:
            reasons.append(
                f"✓ {pct_text(yes_of_electorate)} of those entitled to vote voted yes, meeting the "
                f"{pct_text(needed)} important-public-service threshold ({source})"
            )
        else:
            reasons.append(
                f"Only {pct_text(yes_of_electorate)} of those entitled to vote voted yes: "
                f"below the {pct_text(needed)} important-public-service threshold ({source})"
            )
    elif needed is not None:
        reasons.append(
            f"✓ The {pct_text(needed)} important-public-service rule does not apply: the dispute "
            f"covers no staff group it names ({source})"
        )
    else:
        reasons.append(f"✓ No important-public-service threshold applies ({source})")

    passes = majority and turnout_met and (met is not False)
    return Verdict(
        rule_set=rule_set,
        turnout_pct=turnout,
        support_pct=support,
        yes_of_electorate_pct=yes_of_electorate,
        majority=majority,
        turnout_met=turnout_met,
        important_service_applies=applies,
        important_service_met=met,
        statutory=True,
        passes=passes,
        reasons=reasons,
    )


def _in_force(day: date, rows: list[RuleSet] | None = None) -> RuleSet:
    """The rule set in force on ``day``: from ``rows`` (all rule sets, loaded once) if given."""
    if rows is None:
        return RuleSet.in_force_on(day)
    found = [r for r in rows if r.effective_from <= day]
    if not found:
        raise RuleSet.DoesNotExist(f"No rule set is in force on {day:%d %B %Y}.")
    return max(found, key=lambda r: r.effective_from)


def rule_sets_load() -> list[RuleSet]:
    """Every rule set (a handful of rows), so a page of ballots costs one query for them."""
    return list(RuleSet.objects.all())


def ballot_verdict(
    ballot: Ballot,
    *,
    staff_groups: list[str] | tuple[str, ...] | None = None,
    today: date | None = None,
    rule_sets: list[RuleSet] | None = None,
) -> Verdict:
    """The verdict on a ballot: figures, each threshold and why, the mandate and the notice.

    A per-unit ballot passes when at least one unit passes; ``units`` holds each unit's verdict.
    An indicative ballot never gives a mandate, whatever its figures.
    """
    if staff_groups is None:
        staff_groups = ballot.dispute.staff_groups
    today = today or timezone.localdate()
    rule_set = _in_force(ballot.opens_on, rule_sets)
    figures = Figures(ballot.electorate, ballot.votes_cast, ballot.votes_yes, ballot.votes_no)
    verdict = _figures_verdict(figures, rule_set=rule_set, staff_groups=staff_groups)

    if ballot.aggregation == Ballot.Aggregation.PER_UNIT:
        units = list(ballot.units.all())
        verdict.units = [
            UnitVerdict(
                unit=unit,
                verdict=_figures_verdict(
                    Figures(unit.electorate, unit.votes_cast, unit.votes_yes, unit.votes_no),
                    rule_set=rule_set,
                    staff_groups=staff_groups,
                ),
            )
            for unit in units
        ]
        passing = sum(1 for u in verdict.units if u.verdict.passes)
        verdict.passes = passing > 0
        if not units:
            verdict.reasons.append("No unit results have been recorded for this per-unit ballot")
        else:
            verdict.reasons.append(
                f"{'✓ ' if passing else ''}{passing} of {len(units)} units passed: only their "
                "schools may take action"
            )

    if ballot.kind == Ballot.Kind.INDICATIVE:
        verdict.statutory = False
        verdict.passes = False
        verdict.reasons.append(
            "An indicative ballot gives no legal mandate: hold a statutory ballot before action"
        )

    mandate_rule_set = _in_force(ballot.closes_on, rule_sets)
    months = (
        mandate_rule_set.mandate_months_with_agreement
        if ballot.employer_agreed_extension
        else mandate_rule_set.mandate_months
    )
    verdict.mandate_rule_set = mandate_rule_set
    verdict.mandate_months = months
    verdict.mandate_starts_on = ballot.closes_on
    verdict.mandate_ends_on = add_months(ballot.closes_on, months)
    if verdict.passes:
        extension = " (with the employer's agreement)" if ballot.employer_agreed_extension else ""
        verdict.reasons.append(
            f"✓ The mandate lasts {months} months{extension} under the {mandate_rule_set.name}: "
            f"action may be taken until {long_date(verdict.mandate_ends_on)}"
        )
    notice_rule_set = _in_force(today, rule_sets)
    verdict.notice_rule_set = notice_rule_set
    verdict.notice_days = notice_rule_set.notice_days
    return verdict


def ballot_passing_units(
    ballot: Ballot, *, staff_groups: list[str] | None = None
) -> list[BallotUnit]:
    """The units of a per-unit ballot that pass on their own figures."""
    verdict = ballot_verdict(ballot, staff_groups=staff_groups)
    return [u.unit for u in verdict.units if u.verdict.passes]


def units_school_q(units: list[BallotUnit], *, prefix: str = "") -> Q:
    """Schools covered by these units: a school, or every school of a trust or district."""
    q = Q(pk__in=[])
    school_ids = [u.school_id for u in units if u.school_id]
    trust_ids = [u.trust_id for u in units if u.trust_id]
    district_ids = [u.district_id for u in units if u.district_id]
    if school_ids:
        q |= Q(**{f"{prefix}pk__in": school_ids})
    if trust_ids:
        q |= Q(**{f"{prefix}trust_id__in": trust_ids})
    if district_ids:
        q |= Q(**{f"{prefix}district_id__in": district_ids})
    return q


def dispute_school_q(dispute: Dispute, *, prefix: str = "") -> Q:
    """Schools in the dispute's nations (every school when it names none)."""
    nation_ids = [n.pk for n in dispute.nations.all()]
    if not nation_ids:
        return Q()
    return Q(**{f"{prefix}district__region__nation_id__in": nation_ids})


@dataclass
class Mandate:
    """One passing ballot's window for action, and the schools it lets strike."""

    ballot: Ballot
    verdict: Verdict
    starts_after: date
    ends_on: date
    school_q: Q

    def covers(self, day: date) -> bool:
        return self.starts_after < day <= self.ends_on


def dispute_mandates(dispute: Dispute, *, today: date | None = None) -> list[Mandate]:
    """The dispute's passing statutory ballots, with their windows and schools."""
    mandates = []
    rows = rule_sets_load()
    scope = dispute_school_q(dispute)
    for ballot in dispute.ballots.prefetch_related("units").order_by("closes_on", "pk"):
        ballot.dispute = dispute
        verdict = ballot_verdict(
            ballot, staff_groups=dispute.staff_groups, today=today, rule_sets=rows
        )
        if not verdict.passes:
            continue
        assert verdict.mandate_ends_on is not None
        if ballot.aggregation == Ballot.Aggregation.PER_UNIT:
            school_q = scope & units_school_q([u.unit for u in verdict.units if u.verdict.passes])
        else:
            school_q = scope
        mandates.append(
            Mandate(
                ballot=ballot,
                verdict=verdict,
                starts_after=ballot.closes_on,
                ends_on=verdict.mandate_ends_on,
                school_q=school_q,
            )
        )
    return mandates


def strike_day_check(
    *, dispute: Dispute, date: date, today: date | None = None, mandates: list[Any] | None = None
) -> list[str]:
    """Why action on ``date`` is not allowed (empty when it is): mandate window and notice."""
    today = today or timezone.localdate()
    day = date
    problems: list[str] = []
    if mandates is None:
        mandates = dispute_mandates(dispute, today=today)
    if not mandates:
        problems.append(
            "This dispute has no statutory ballot that passed, so there is no mandate for action. "
            "Record a ballot that meets the thresholds first."
        )
    elif not any(m.covers(day) for m in mandates):
        windows = "; ".join(
            f"the ballot that closed on {long_date(m.starts_after)} gives a mandate under the "
            f"{m.verdict.mandate_rule_set.name} from "
            f"{long_date(m.starts_after + timedelta(days=1))} to {long_date(m.ends_on)}"
            for m in mandates
        )
        problems.append(f"{long_date(day)} is outside the mandate: {windows}.")
    notice = _in_force(today)
    if (day - today).days < notice.notice_days:
        earliest = today + timedelta(days=notice.notice_days)
        problems.append(
            f"Under the {notice.name} employers need {notice.notice_days} days' notice: "
            f"the earliest date is {long_date(earliest)}"
        )
    return problems


def allowed_school_q(*, dispute: Dispute, date: date, mandates: list[Mandate]) -> Q | None:
    """Schools the mandates covering ``date`` let strike, or None when none covers it."""
    covering = [m for m in mandates if m.covers(date)]
    if not covering:
        return None
    if any(not m.school_q for m in covering):
        return Q()  # an aggregated ballot over every school: no restriction
    q = Q(pk__in=[])
    for m in covering:
        q |= m.school_q
    return q
