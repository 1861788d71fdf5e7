"""The law applied to a ballot: turnout, support, thresholds, the mandate and the notice.

Pure functions over ``RuleSet`` rows: nothing here knows which Act says what. The rows carry the
law's dimensions (from a date, for a nation, for kinds of employer); ``RuleSet.pick`` chooses one.
Which date of a case decides each rule follows the commencement and transitional provisions
(docs/law.md):

- thresholds (turnout, the important-public-services test) and the mandate's length: the day the
  ballot OPENED (the first day a voting paper was sent), so a ballot that straddles a change gets
  one coherent answer from one rule set;
- the notice employers need: the day the notice is GIVEN (received by the employer);
- picket supervision: the STRIKE DAY itself.

The important-public-services test (40% of those entitled to vote voting yes) applies only where
the rule set has one, the employer is of a kind it names, and the majority of those entitled to
vote normally work in the staff groups it names (TULRCA s.226(2A)-(2B)). Rule rows for a nation
(the Trade Union (Wales) Act 2017 for Welsh maintained schools) say where it never applies.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from strikes.models import Ballot, BallotUnit, RuleSet, StaffGroup
from strikes.models.planning import DEFAULT_EMPLOYER_KINDS, EmployerKind, PlaceKind

if TYPE_CHECKING:
    from strikes.models import Dispute

HUNDRED = Decimal(100)
NATION_NAMES = {"E": "England", "W": "Wales"}
# The plausible range of dates for ballots, notices and strike days (see ``date_problem``).
EARLIEST_PLAUSIBLE = date(2000, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 2


def long_date(day: date) -> str:
    """'3 December 2026' (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def latest_plausible(today: date | None = None) -> date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + PLAUSIBLE_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLAUSIBLE_YEARS_AHEAD, day=28)


def date_problem(day: date | None, *, what: str, today: date | None = None) -> str | None:
    """Why ``day`` is not a plausible date for ``what`` (None when it is)."""
    if day is None:
        return f"Give {what}."
    latest = latest_plausible(today)
    if day < EARLIEST_PLAUSIBLE or day > latest:
        return (
            f"{what[0].upper()}{what[1:]} ({day.isoformat()}) is not a plausible date: give a "
            f"date between {long_date(EARLIEST_PLAUSIBLE)} and {long_date(latest)}."
        )
    return None


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
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mandate_last_day(closes_on: date, months: int) -> date:
    """The last day of a mandate of ``months`` "beginning with the date of the ballot" (TULRCA
    s.234(1)): the period includes the closing day, so it ends the day before the same date
    ``months`` later (a ballot closing 13 January with six months may act until 12 July)."""
    return add_months(closes_on, months) - timedelta(days=1)


def staff_groups_label(groups: list[str] | tuple[str, ...] | set[str]) -> str:
    from strikes.models.planning import staff_groups_text

    return staff_groups_text(list(groups))


@dataclass(frozen=True)
class Figures:
    electorate: int
    votes_cast: int
    votes_yes: int
    votes_no: int


@dataclass(frozen=True)
class Place:
    """What the rules depend on besides dates: the school's nation and kind of employer."""

    nation: str | None  # "E", "W", or None when not known
    employer_kind: str | None

    @property
    def label(self) -> str:
        nation = NATION_NAMES.get(self.nation or "", "every nation")
        if self.employer_kind is None:
            return nation
        return f"{nation}, {EmployerKind(self.employer_kind).label.lower()}"


@dataclass
class Verdict:
    """What the law says about one ballot (or one unit of a per-unit ballot) in one place."""

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
    place: Place | None = None
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
        if self.mandate_starts_on is None or self.mandate_starts_on >= date.max:
            return None
        return self.mandate_starts_on + timedelta(days=1)

    @property
    def failures(self) -> list[str]:
        return [r for r in self.reasons if not r.startswith("✓")]

    @property
    def failure_text(self) -> str:
        """The first reason it failed, in a sentence for members ('did not meet the turnout
        threshold')."""
        if not self.statutory:
            return "it was an indicative ballot, which gives no mandate"
        if not self.turnout_met:
            return "their ballot did not meet the turnout threshold"
        if not self.majority:
            return "their ballot had no majority for action"
        if self.important_service_met is False:
            return "their ballot did not meet the 40% yes-of-electorate threshold"
        return "their ballot did not pass"


@dataclass
class UnitVerdict:
    unit: BallotUnit
    verdict: Verdict


def important_service_share(
    *, rule_set: RuleSet, staff_groups: list[str], electorate_by_group: dict[str, int]
) -> tuple[bool, str]:
    """Do the majority of those entitled to vote normally work in the rule set's important
    public services? With the electorate by staff group, count; without it, a ballot of those
    groups only is (and of none of them is not); a mixed ballot without figures is treated as
    subject to the test, to be safe, and says so."""
    groups = set(rule_set.important_service_staff_groups or [])
    names = staff_groups_label(groups)
    if electorate_by_group:
        total = sum(electorate_by_group.values())
        inside = sum(n for g, n in electorate_by_group.items() if g in groups)
        if inside == total:
            return True, f"all {total} entitled to vote are {names}"
        if inside * 2 > total:
            return True, f"{inside} of the {total} entitled to vote are {names}, a majority"
        return False, f"only {inside} of the {total} entitled to vote are {names}, not a majority"
    balloted = set(staff_groups)
    if balloted and balloted <= groups:
        return True, f"everyone entitled to vote is {names}"
    if not balloted & groups:
        return False, f"no one entitled to vote is {names}"
    return True, (
        "the electorate by staff group was not given, so the majority is assumed to be "
        f"{names}: record the electorate by group to check"
    )


def _figures_verdict(
    figures: Figures,
    *,
    rule_set: RuleSet,
    staff_groups: list[str],
    electorate_by_group: dict[str, int],
    place: Place,
) -> Verdict:
    """The thresholds of ``rule_set`` applied to a set of figures in one place."""
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

    needed = rule_set.important_service_support_pct
    applies = False
    met: bool | None = None
    if needed is None:
        reasons.append(f"✓ No 40% yes-of-electorate test applies ({source})")
    elif rule_set.important_service_employer_kinds and (
        place.employer_kind not in rule_set.important_service_employer_kinds
    ):
        kind = EmployerKind(place.employer_kind).label.lower() if place.employer_kind else "?"
        reasons.append(
            f"✓ The {pct_text(needed)} yes-of-electorate test does not apply: {kind} is not an "
            f"important public service under the {source}"
        )
    else:
        majority_inside, why = important_service_share(
            rule_set=rule_set,
            staff_groups=staff_groups,
            electorate_by_group=electorate_by_group,
        )
        if not majority_inside:
            reasons.append(
                f"✓ The {pct_text(needed)} yes-of-electorate test does not apply: {why} "
                f"(TULRCA s.226(2A), {source})"
            )
        else:
            applies = True
            met = (
                figures.electorate > 0
                and Decimal(figures.votes_yes) * HUNDRED >= needed * figures.electorate
            )
            if met:
                reasons.append(
                    f"✓ {pct_text(yes_of_electorate)} of those entitled to vote voted yes, meeting "
                    f"the {pct_text(needed)} important-public-service threshold ({why}; {source})"
                )
            else:
                reasons.append(
                    f"Only {pct_text(yes_of_electorate)} of those entitled to vote voted yes: "
                    f"below the {pct_text(needed)} important-public-service threshold "
                    f"({why}; {source})"
                )

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
        place=place,
    )


def rule_sets_load() -> list[RuleSet]:
    """Every rule set (a handful of rows), so a page of ballots costs one query for them."""
    return list(RuleSet.objects.all())


def _pick(rows: list[RuleSet] | None, day: date, place: Place | None = None) -> RuleSet:
    if rows is None:
        rows = rule_sets_load()
    place = place or Place(None, None)
    return RuleSet.pick(rows, day, nation=place.nation, employer_kind=place.employer_kind)


def notice_rule_set(
    notice_given_on: date, *, place: Place | None = None, rule_sets: list[RuleSet] | None = None
) -> RuleSet:
    """The rule set that says how much notice employers need: the one in force on the day the
    notice is given (received)."""
    return _pick(rule_sets, notice_given_on, place)


def ballot_places(
    ballot: Ballot, dispute: Dispute | None = None, *, present: set[Place] | None = None
) -> list[Place]:
    """The places a ballot's verdict may differ between: its nations × the dispute's employers,
    only those with schools when ``present`` (from ``dispute_places_present``) is given."""
    dispute = dispute or ballot.dispute
    saved = ballot.pk is not None
    nations = ([n.code for n in ballot.nations.all()] if saved else []) or dispute_nation_codes(
        dispute
    )
    kinds = list(dispute.employer_kinds or DEFAULT_EMPLOYER_KINDS)
    places = [Place(n, k) for n in nations for k in kinds]
    if present:
        places = [p for p in places if p in present] or places
    return places


def dispute_places_present(dispute: Dispute) -> set[Place]:
    """The (nation, kind of employer) pairs that have schools inside the dispute (one query), so
    a verdict is not shown for Welsh academies, which do not exist."""
    from schools.models import School

    rows = (
        School.objects.filter(dispute_school_q(dispute))
        .values_list("district__region__nation__code", "employer_kind")
        .distinct()
        .order_by()
    )
    return {Place(nation, kind) for nation, kind in rows}


def dispute_nation_codes(dispute: Dispute) -> list[str]:
    if dispute.place_kind == PlaceKind.NATION:
        codes = [n.code for n in dispute.nations.all()]
        if codes:
            return codes
    return ["E", "W"]


def ballot_verdict(
    ballot: Ballot,
    *,
    place: Place | None = None,
    today: date | None = None,
    rule_sets: list[RuleSet] | None = None,
    staff_groups: list[str] | None = None,
) -> Verdict:
    """The verdict on a ballot in one place: figures, each threshold and why, the mandate and
    the notice. Without a place, the ballot's first nation and the dispute's first employer.

    A per-unit ballot passes when at least one unit passes; ``units`` holds each unit's verdict.
    An indicative ballot never gives a mandate, whatever its figures.
    """
    if place is None:
        places = ballot_places(ballot)
        place = places[0] if places else Place(None, None)
    if staff_groups is None:
        staff_groups = ballot.staff_groups or ballot.dispute.staff_groups
    groups = list(staff_groups)
    by_group = ballot.electorate_by_group
    today = today or timezone.localdate()
    rule_set = _pick(rule_sets, ballot.opens_on, place)
    figures = Figures(ballot.electorate, ballot.votes_cast, ballot.votes_yes, ballot.votes_no)
    verdict = _figures_verdict(
        figures, rule_set=rule_set, staff_groups=groups, electorate_by_group=by_group, place=place
    )

    if ballot.aggregation == Ballot.Aggregation.PER_UNIT:
        units = list(ballot.units.all())
        verdict.units = [
            UnitVerdict(
                unit=unit,
                verdict=_figures_verdict(
                    Figures(unit.electorate, unit.votes_cast, unit.votes_yes, unit.votes_no),
                    rule_set=rule_set,
                    staff_groups=groups,
                    electorate_by_group=by_group,
                    place=place,
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

    # The mandate's length follows the same rule set as the thresholds (the opening date).
    months = (
        rule_set.mandate_months_with_agreement
        if ballot.employer_agreed_extension
        else rule_set.mandate_months
    )
    verdict.mandate_rule_set = rule_set
    verdict.mandate_months = months
    verdict.mandate_starts_on = ballot.closes_on
    verdict.mandate_ends_on = mandate_last_day(ballot.closes_on, months)
    if verdict.passes:
        extension = (
            " (with the employer's agreement)"
            if ballot.employer_agreed_extension and months > rule_set.mandate_months
            else ""
        )
        verdict.reasons.append(
            f"✓ The mandate lasts {months} months{extension} from the close of the ballot under "
            f"the {rule_set.name}: action may be taken until {long_date(verdict.mandate_ends_on)}"
        )
    notice = notice_rule_set(today, place=place, rule_sets=rule_sets)
    verdict.notice_rule_set = notice
    verdict.notice_days = notice.notice_days
    return verdict


@dataclass
class PlaceVerdict:
    """One verdict and the places it holds for (the places where the answer is the same)."""

    places: list[Place]
    verdict: Verdict

    @property
    def label(self) -> str:
        by_nation: dict[str, list[str]] = {}
        for p in self.places:
            by_nation.setdefault(NATION_NAMES.get(p.nation or "", "every nation"), []).append(
                EmployerKind(p.employer_kind).label.lower() if p.employer_kind else ""
            )
        return "; ".join(
            f"{nation} ({', '.join(k for k in kinds if k)})" for nation, kinds in by_nation.items()
        )


def ballot_verdicts(
    ballot: Ballot,
    *,
    dispute: Dispute | None = None,
    today: date | None = None,
    rule_sets: list[RuleSet] | None = None,
    present: set[Place] | None = None,
) -> list[PlaceVerdict]:
    """The ballot's verdicts across its places, places with the same answer grouped."""
    rule_sets = rule_sets if rule_sets is not None else rule_sets_load()
    grouped: list[PlaceVerdict] = []
    for place in ballot_places(ballot, dispute, present=present):
        verdict = ballot_verdict(ballot, place=place, today=today, rule_sets=rule_sets)
        for row in grouped:
            if row.verdict.reasons == verdict.reasons and row.verdict.passes == verdict.passes:
                row.places.append(place)
                break
        else:
            grouped.append(PlaceVerdict(places=[place], verdict=verdict))
    return grouped


def ballot_passing_units(ballot: Ballot, *, place: Place | None = None) -> list[BallotUnit]:
    """The units of a per-unit ballot that pass on their own figures."""
    verdict = ballot_verdict(ballot, place=place)
    return [u.unit for u in verdict.units if u.verdict.passes]


ALL_SCHOOLS = Q(pk__isnull=False)


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


def dispute_school_q(dispute: Dispute) -> Q:
    """Schools inside the dispute's place whose employer is of a kind the dispute covers."""
    ids = lambda rel: [r.pk for r in getattr(dispute, rel).all()]  # noqa: E731
    kind = dispute.place_kind
    if kind == PlaceKind.NATION:
        place = Q(district__region__nation_id__in=ids("nations"))
    elif kind == PlaceKind.REGION:
        place = Q(district__region_id__in=ids("regions"))
    elif kind == PlaceKind.DISTRICT:
        place = Q(district_id__in=ids("districts"))
    elif kind == PlaceKind.TRUST:
        place = Q(trust_id__in=ids("trusts"))
    elif kind == PlaceKind.EMPLOYER:
        place = Q(district_id__in=ids("districts"), employer_kind=EmployerKind.LOCAL_AUTHORITY)
    elif kind == PlaceKind.SCHOOLS:
        place = Q(pk__in=ids("schools"))
    else:
        place = ALL_SCHOOLS
    kinds = list(dispute.employer_kinds or DEFAULT_EMPLOYER_KINDS)
    return place & Q(employer_kind__in=kinds)


def place_school_q(place: Place) -> Q:
    q = ALL_SCHOOLS
    if place.nation:
        q &= Q(district__region__nation__code=place.nation)
    if place.employer_kind:
        q &= Q(employer_kind=place.employer_kind)
    return q


@dataclass
class Mandate:
    """One passing ballot's window for action, the schools it lets strike and whom it calls."""

    ballot: Ballot
    verdict: Verdict
    starts_after: date
    ends_on: date
    school_q: Q
    staff_groups: list[str]
    places: list[Place] = field(default_factory=list)

    def covers(self, day: date) -> bool:
        return self.starts_after < day <= self.ends_on


@dataclass
class FailedBallot:
    """A ballot that gives no mandate somewhere: for saying why a group is not called out."""

    ballot: Ballot
    verdict: Verdict
    school_q: Q
    staff_groups: list[str]


def dispute_mandates(
    dispute: Dispute,
    *,
    today: date | None = None,
    failed: list[FailedBallot] | None = None,
) -> list[Mandate]:
    """The dispute's passing statutory ballots, each with its window, schools and staff groups.

    A ballot over several places gives one mandate per answer (it may pass in Wales and fail in
    England). Pass ``failed`` to collect where ballots failed, for the reasons shown to members.
    """
    mandates = []
    rows = rule_sets_load()
    scope = dispute_school_q(dispute)
    ballots = dispute.ballots.prefetch_related("units", "nations").order_by("closes_on", "pk")
    for ballot in ballots:
        ballot.dispute = dispute
        try:
            verdicts = ballot_verdicts(ballot, dispute=dispute, today=today, rule_sets=rows)
        except RuleSet.DoesNotExist:
            continue  # a ballot dated before any rule set (a bad row) gives no mandate
        for row in verdicts:
            verdict = row.verdict
            where = Q(pk__in=[])
            for place in row.places:
                where |= place_school_q(place)
            if not verdict.passes:
                if failed is not None:
                    failed.append(
                        FailedBallot(
                            ballot=ballot,
                            verdict=verdict,
                            school_q=scope & where,
                            staff_groups=list(ballot.staff_groups or dispute.staff_groups),
                        )
                    )
                continue
            assert verdict.mandate_ends_on is not None
            school_q = scope & where
            if ballot.aggregation == Ballot.Aggregation.PER_UNIT:
                school_q &= units_school_q([u.unit for u in verdict.units if u.verdict.passes])
            mandates.append(
                Mandate(
                    ballot=ballot,
                    verdict=verdict,
                    starts_after=ballot.closes_on,
                    ends_on=verdict.mandate_ends_on,
                    school_q=school_q,
                    staff_groups=list(ballot.staff_groups or dispute.staff_groups),
                    places=list(row.places),
                )
            )
    return mandates


def notice_problem(
    *, day: date, notice_given_on: date, rule_sets: list[RuleSet] | None = None
) -> str | None:
    """Why notice given on ``notice_given_on`` is too short for action on ``day`` (None if not)."""
    notice = notice_rule_set(notice_given_on, rule_sets=rule_sets)
    if (day - notice_given_on).days < notice.notice_days:
        earliest = notice_given_on + timedelta(days=notice.notice_days)
        return (
            f"Under the {notice.name} employers need {notice.notice_days} days' notice: "
            f"the earliest date is {long_date(earliest)}"
        )
    return None


def notice_before_result(*, day: date, notice_given_on: date, mandates: list[Any]) -> str | None:
    """Why notice given on ``notice_given_on`` does not count for ``day``: it came before a ballot
    whose mandate covers the day had closed (notice of action follows the result)."""
    late = [m for m in mandates if m.covers(day) and notice_given_on < m.ballot.closes_on]
    if not late:
        return None
    closed = max(m.ballot.closes_on for m in late)
    return (
        f"Notice given on {long_date(notice_given_on)} is before the ballot closed on "
        f"{long_date(closed)}: notice of action follows the result, so give it on or after "
        f"{long_date(closed)}."
    )


def notice_problem_safe(*, day: date, notice_given_on: date) -> str | None:
    """``notice_problem``, with a plain answer when no rule set is in force on that date."""
    try:
        return notice_problem(day=day, notice_given_on=notice_given_on)
    except RuleSet.DoesNotExist:
        return (
            f"No rule set is in force on {long_date(notice_given_on)}, the day notice was given: "
            "check the date."
        )


def strike_day_check(
    *,
    dispute: Dispute,
    date: date,
    today: date | None = None,
    mandates: list[Any] | None = None,
    notice_given_on: date | None = None,
) -> list[str]:
    """Why action on ``date`` is not allowed (empty when it is): mandate window and notice.

    Notice is taken as given on ``notice_given_on``, by default today (the day the day is
    announced); notice given before the ballot closed does not count."""
    today = today or timezone.localdate()
    notice_on = notice_given_on or today
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
        seen: set[int] = set()
        windows = []
        for m in mandates:
            if m.ballot.pk in seen:
                continue
            seen.add(m.ballot.pk)
            windows.append(
                f"the {staff_groups_label(m.staff_groups)} ballot that closed on "
                f"{long_date(m.starts_after)} gives a mandate under the "
                f"{m.verdict.mandate_rule_set.name} from "
                f"{long_date(m.starts_after + timedelta(days=1))} to {long_date(m.ends_on)}"
            )
        problems.append(f"{long_date(day)} is outside the mandate: {'; '.join(windows)}.")
    early = notice_before_result(day=day, notice_given_on=notice_on, mandates=mandates)
    if early:
        problems.append(early)
    problem = notice_problem_safe(day=day, notice_given_on=notice_on)
    if problem:
        problems.append(problem)
    return problems


def called_out_groups_q(*, date: date, mandates: list[Mandate]) -> dict[str, Q]:
    """For each staff group, the schools where a mandate covering ``date`` calls it out."""
    by_group: dict[str, Q] = {}
    for m in mandates:
        if not m.covers(date):
            continue
        for group in m.staff_groups:
            by_group[group] = by_group[group] | m.school_q if group in by_group else m.school_q
    return by_group


def allowed_school_q(*, dispute: Dispute, date: date, mandates: list[Mandate]) -> Q | None:
    """Schools the mandates covering ``date`` let strike (for any group), or None when none."""
    by_group = called_out_groups_q(date=date, mandates=mandates)
    if not by_group:
        return None
    q = Q(pk__in=[])
    for group_q in by_group.values():
        q |= group_q
    return q


def group_combinations(by_group: dict[str, Q]) -> list[tuple[list[str], Q]]:
    """Every non-empty combination of groups, with the schools calling out exactly it."""
    groups = [g for g in StaffGroup.values if g in by_group]
    combos: list[tuple[list[str], Q]] = []
    for mask in range(1, 2 ** len(groups)):
        chosen = [g for i, g in enumerate(groups) if mask & (1 << i)]
        q = ALL_SCHOOLS
        for i, g in enumerate(groups):
            q &= by_group[g] if mask & (1 << i) else ~by_group[g]
        combos.append((chosen, q))
    return combos


def strike_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
