"""Who is called out at a school on a strike day, and why the other staff groups are not.

Every page that lists who is out says so in one sentence, e.g. "Teachers and leaders are called
out; support staff are not: their ballot did not meet the turnout threshold." The groups called
out are stored on the called-out school row (set when the day was announced); the reason for the
others is worked out from the dispute's ballots for the school's nation and kind of employer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strikes.mandate import Place, ballot_verdict, rule_sets_load
from strikes.models import Ballot, CalledOutSchool, RuleSet, StaffGroup
from strikes.models.planning import staff_groups_text

SHORT = {"teacher": "teachers", "leader": "leaders", "support": "support staff"}


@dataclass
class CallOut:
    """The staff groups out at one school that day, and a sentence saying who is not, and why."""

    groups_out: list[str]
    groups_not: list[str]
    reason_not: str

    @property
    def text(self) -> str:
        out = staff_groups_text(self.groups_out)
        if not self.groups_not:
            return f"{out[0].upper()}{out[1:]} are called out."
        not_out = staff_groups_text(self.groups_not)
        if not self.groups_out:
            return f"No staff group is called out: {not_out} are not ({self.reason_not})."
        return f"{out[0].upper()}{out[1:]} are called out; {not_out} are not: {self.reason_not}."

    def member_is_out(self, staff_group: str | None) -> bool:
        return staff_group in self.groups_out

    def member_text(self, staff_group: str) -> str:
        """What a member whose group is not called out sees instead of the sign-up button."""
        name = SHORT.get(staff_group, staff_group)
        return (
            f"{name[0].upper()}{name[1:]} are not called out at this school on this day: "
            f"{self.reason_not}. You are not protected as a striker, so the app cannot sign you "
            "up to picket. Whether to refuse to cross the picket line is your own decision; talk "
            "to your rep first."
        )


class CallOutReasons:
    """Works out reasons for many called-out rows of one dispute with one load of its ballots."""

    def __init__(self, dispute: Any) -> None:
        self.dispute = dispute
        self._ballots: list[Ballot] | None = None
        self._rule_sets: list[RuleSet] | None = None
        self._cache: dict[tuple[str | None, str | None, str, Any], str] = {}

    def _load(self) -> list[Ballot]:
        if self._ballots is None:
            self._ballots = list(self.dispute.ballots.prefetch_related("nations", "units"))
            for ballot in self._ballots:
                ballot.dispute = self.dispute
            self._rule_sets = rule_sets_load()
        return self._ballots

    def reason(self, *, group: str, nation: str | None, employer_kind: str | None, day: Any) -> str:
        key = (nation, employer_kind, group, day)
        if key in self._cache:
            return self._cache[key]
        asked = [
            b
            for b in self._load()
            if group in (b.staff_groups or self.dispute.staff_groups)
            and (not b.nations.all() or nation in {n.code for n in b.nations.all()})
        ]
        if not asked:
            text = "no ballot in this dispute asked them"
        else:
            text = ""
            place = Place(nation, employer_kind)
            for ballot in asked:
                try:
                    verdict = ballot_verdict(ballot, place=place, rule_sets=self._rule_sets)
                except (RuleSet.DoesNotExist, ValueError, OverflowError):
                    continue
                if not verdict.passes:
                    text = verdict.failure_text
                    if ballot.aggregation == Ballot.Aggregation.PER_UNIT and verdict.units:
                        text = "their ballot did not pass at this school"
                    continue
                if verdict.mandate_ends_on and not (
                    ballot.closes_on < day <= verdict.mandate_ends_on
                ):
                    text = "their ballot's mandate does not cover this day"
                    continue
                text = "this school is outside their ballot (or was not called out for them)"
                break
            text = text or "their ballot gives no mandate here"
        self._cache[key] = text
        return text

    def for_row(self, called: CalledOutSchool, *, school: Any = None) -> CallOut:
        """The call-out at one school; ``school`` needs ``district__region__nation`` loaded."""
        school = school or called.school
        nation = school.district.region.nation.code
        groups_out = [g for g in StaffGroup.values if g in (called.staff_groups or [])]
        groups_not = [g for g in StaffGroup.values if g not in groups_out]
        reasons = [
            self.reason(
                group=g,
                nation=nation,
                employer_kind=school.employer_kind,
                day=called.strike_day.date,
            )
            for g in groups_not
        ]
        # One reason when they agree (the usual case), else each group's own.
        if len(set(reasons)) <= 1:
            reason = reasons[0] if reasons else ""
        else:
            reason = "; ".join(f"{SHORT[g]}: {r}" for g, r in zip(groups_not, reasons, strict=True))
        return CallOut(groups_out=groups_out, groups_not=groups_not, reason_not=reason)


def call_out_for(called: CalledOutSchool) -> CallOut:
    """The call-out sentence for one school on one day (one page, a few queries)."""
    return CallOutReasons(called.strike_day.dispute).for_row(called)


def call_out_at(*, strike_day: Any, school: Any) -> CallOut | None:
    """The call-out at one school on a day (the caller checked the viewer may see it)."""
    called = (
        CalledOutSchool.objects.filter(strike_day=strike_day, school=school)
        .select_related("strike_day__dispute", "school__district__region__nation")
        .first()
    )
    return call_out_for(called) if called is not None else None


@dataclass
class GroupsRow:
    """Schools of a day (in the viewer's area) calling out the same staff groups."""

    groups: list[str]
    schools: int
    call_out: CallOut


def call_outs_for_day(*, strike_day: Any, area: Any) -> list[GroupsRow]:
    """How many schools call out each combination of staff groups, with the sentence saying
    who is not out and why (one query for the counts, one per combination for an example)."""
    from django.db.models import Count

    rows = list(
        CalledOutSchool.objects.filter(area, strike_day=strike_day, cancelled_at__isnull=True)
        .values("staff_groups")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    finder = CallOutReasons(strike_day.dispute)
    out = []
    for row in rows:
        groups = [g for g in StaffGroup.values if g in (row["staff_groups"] or [])]
        example = (
            CalledOutSchool.objects.filter(
                area, strike_day=strike_day, staff_groups=row["staff_groups"]
            )
            .select_related("strike_day", "school__district__region__nation")
            .first()
        )
        if example is None:
            continue
        out.append(GroupsRow(groups=groups, schools=row["n"], call_out=finder.for_row(example)))
    return out
