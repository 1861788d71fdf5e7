"""The rule sets applied to ballots: worked figures on both sides of every threshold."""

from __future__ import annotations

import datetime as dt

import pytest

from strikes.mandate import (
    add_months,
    ballot_passing_units,
    ballot_verdict,
    strike_day_check,
)
from strikes.models import Ballot, BallotUnit
from tests import factories as f

OLD = dt.date(2026, 1, 5)  # opened under the Trade Union Act 2016
NEW = dt.date(2026, 3, 2)  # opened under the Employment Rights Act 2025

pytestmark = pytest.mark.usefixtures("rule_sets")


def ballot(*, opens_on=NEW, closes_on=None, cast=600, yes=540, no=None, electorate=1000, **kw):
    dispute = kw.pop("dispute", None) or f.DisputeFactory(
        staff_groups=kw.pop("groups", ["teacher"])
    )
    return f.BallotFactory(
        dispute=dispute,
        opens_on=opens_on,
        closes_on=closes_on or opens_on + dt.timedelta(days=28),
        electorate=electorate,
        votes_cast=cast,
        votes_yes=yes,
        votes_no=cast - yes if no is None else no,
        **kw,
    )


def test_turnout_of_exactly_half_passes():
    verdict = ballot_verdict(ballot(cast=500, yes=450))
    assert verdict.turnout_met
    assert verdict.passes


def test_turnout_one_vote_short_of_half_fails_with_reason():
    verdict = ballot_verdict(ballot(cast=499, yes=450))
    assert not verdict.turnout_met
    assert not verdict.passes
    assert "Turnout 49.9% is below the 50% threshold (Employment Rights Act 2025)" in (
        verdict.reasons
    )


def test_turnout_threshold_also_holds_under_the_old_regime():
    verdict = ballot_verdict(ballot(opens_on=OLD, cast=482, yes=450))
    assert not verdict.passes
    assert "Turnout 48.2% is below the 50% threshold (Trade Union Act 2016)" in verdict.reasons


def test_old_regime_teachers_400_yes_of_1000_meets_forty_percent():
    verdict = ballot_verdict(ballot(opens_on=OLD, cast=500, yes=400))
    assert verdict.important_service_applies
    assert verdict.important_service_met
    assert verdict.passes
    assert verdict.yes_of_electorate_pct == 40


def test_old_regime_teachers_399_yes_of_1000_fails_forty_percent():
    verdict = ballot_verdict(ballot(opens_on=OLD, cast=500, yes=399))
    assert verdict.turnout_met and verdict.majority
    assert verdict.important_service_met is False
    assert not verdict.passes
    assert any("below the 40% important-public-service threshold" in r for r in verdict.reasons)


def test_new_regime_399_yes_of_500_cast_passes_without_forty_percent_rule():
    verdict = ballot_verdict(ballot(opens_on=NEW, cast=500, yes=399))
    assert not verdict.important_service_applies
    assert verdict.passes


def test_old_regime_forty_percent_rule_does_not_apply_to_support_staff_only():
    verdict = ballot_verdict(ballot(opens_on=OLD, cast=500, yes=399, groups=["support"]))
    assert not verdict.important_service_applies
    assert verdict.passes


def test_old_regime_applies_forty_percent_to_heads():
    verdict = ballot_verdict(ballot(opens_on=OLD, cast=500, yes=399, groups=["leader", "support"]))
    assert verdict.important_service_applies
    assert not verdict.passes


def test_ballot_opened_the_day_before_the_change_uses_the_old_rules():
    verdict = ballot_verdict(ballot(opens_on=dt.date(2026, 2, 17), cast=500, yes=399))
    assert verdict.rule_set.name == "Trade Union Act 2016"
    assert not verdict.passes


def test_ballot_opened_on_the_day_of_the_change_uses_the_new_rules():
    verdict = ballot_verdict(ballot(opens_on=dt.date(2026, 2, 18), cast=500, yes=399))
    assert verdict.rule_set.name == "Employment Rights Act 2025"
    assert verdict.passes


def test_a_tie_is_not_a_majority():
    verdict = ballot_verdict(ballot(cast=600, yes=300, no=300))
    assert not verdict.majority
    assert not verdict.passes


def test_support_is_a_share_of_votes_cast():
    verdict = ballot_verdict(ballot(cast=600, yes=450, no=150))
    assert verdict.turnout_pct == 60
    assert verdict.support_pct == 75
    assert verdict.yes_of_electorate_pct == 45


def test_mandate_is_six_months_beginning_with_the_closing_day_under_old_rules():
    # "the period of six months beginning with the date of the ballot" (TULRCA s.234(1)):
    # the closing day is the first day of the period, so it ends the day before 12 July.
    b = ballot(opens_on=dt.date(2025, 12, 1), closes_on=dt.date(2026, 1, 12), cast=600, yes=500)
    assert ballot_verdict(b).mandate_ends_on == dt.date(2026, 7, 11)


def test_mandate_is_nine_months_with_employer_agreement_under_old_rules():
    b = ballot(
        opens_on=dt.date(2025, 12, 1),
        closes_on=dt.date(2026, 1, 12),
        cast=600,
        yes=500,
        employer_agreed_extension=True,
    )
    assert ballot_verdict(b).mandate_ends_on == dt.date(2026, 10, 11)


def test_straddling_ballot_takes_thresholds_and_mandate_from_its_opening_date():
    # Opened 20 Jan 2026, closed 20 Feb 2026: the ERA 2025 transitional provisions give a
    # 12-month mandate only to ballots opening on or after 18 Feb 2026, so this one keeps the
    # 2016 Act's six months, as it keeps its thresholds (one coherent answer).
    b = ballot(opens_on=dt.date(2026, 1, 20), closes_on=dt.date(2026, 2, 20), cast=600, yes=500)
    verdict = ballot_verdict(b)
    assert verdict.rule_set.name == "Trade Union Act 2016"
    assert verdict.mandate_rule_set.name == "Trade Union Act 2016"
    assert verdict.mandate_ends_on == dt.date(2026, 8, 19)


def test_ballot_opening_on_the_day_of_the_change_gets_twelve_months():
    b = ballot(opens_on=dt.date(2026, 2, 18), closes_on=dt.date(2026, 3, 18), cast=600, yes=500)
    verdict = ballot_verdict(b)
    assert verdict.mandate_rule_set.name == "Employment Rights Act 2025"
    assert verdict.mandate_ends_on == dt.date(2027, 3, 17)


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_notice_days_follow_the_rule_set_in_force_today():
    b = ballot()
    assert ballot_verdict(b, today=dt.date(2026, 1, 10)).notice_days == 14
    assert ballot_verdict(b, today=dt.date(2026, 11, 23)).notice_days == 10


def test_indicative_ballot_gives_no_mandate():
    verdict = ballot_verdict(ballot(kind=Ballot.Kind.INDICATIVE, cast=900, yes=800))
    assert not verdict.passes
    assert any("indicative" in r for r in verdict.reasons)


def test_per_unit_ballot_passing_units(world):
    b = ballot(aggregation=Ballot.Aggregation.PER_UNIT)
    good = BallotUnit.objects.create(
        ballot=b, school=world.s1, electorate=40, votes_cast=20, votes_yes=15, votes_no=5
    )
    BallotUnit.objects.create(
        ballot=b, school=world.s2, electorate=40, votes_cast=19, votes_yes=15, votes_no=4
    )
    assert ballot_passing_units(b) == [good]
    verdict = ballot_verdict(b)
    assert verdict.passes
    assert "✓ 1 of 2 units passed: only their schools may take action" in verdict.reasons


# --- strike_day_check: mandate window and notice -------------------------------------------


def passing_new_ballot():
    return ballot(opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 11, 2), cast=600, yes=500)


def test_notice_ten_days_exactly_is_enough():
    b = passing_new_ballot()
    today = dt.date(2026, 11, 23)
    assert strike_day_check(dispute=b.dispute, date=dt.date(2026, 12, 3), today=today) == []


def test_notice_nine_days_is_refused_naming_the_rule_and_earliest_date():
    b = passing_new_ballot()
    problems = strike_day_check(
        dispute=b.dispute, date=dt.date(2026, 12, 2), today=dt.date(2026, 11, 23)
    )
    assert problems == [
        "Under the Employment Rights Act 2025 employers need 10 days' notice: "
        "the earliest date is 3 December 2026"
    ]


def test_notice_fourteen_days_under_old_rules():
    b = ballot(opens_on=dt.date(2025, 10, 1), closes_on=dt.date(2025, 11, 3), cast=600, yes=500)
    today = dt.date(2026, 1, 5)
    assert strike_day_check(dispute=b.dispute, date=dt.date(2026, 1, 19), today=today) == []
    problems = strike_day_check(dispute=b.dispute, date=dt.date(2026, 1, 18), today=today)
    assert problems == [
        "Under the Trade Union Act 2016 employers need 14 days' notice: "
        "the earliest date is 19 January 2026"
    ]


def test_last_day_of_the_mandate_is_allowed_and_the_next_is_refused():
    b = passing_new_ballot()  # closes 2 Nov 2026, 12 months beginning that day: ends 1 Nov 2027
    today = dt.date(2027, 10, 1)
    assert strike_day_check(dispute=b.dispute, date=dt.date(2027, 11, 1), today=today) == []
    problems = strike_day_check(dispute=b.dispute, date=dt.date(2027, 11, 2), today=today)
    assert len(problems) == 1
    assert problems[0].startswith("2 November 2027 is outside the mandate")
    assert "1 November 2027" in problems[0]


def test_day_the_ballot_closes_is_outside_the_mandate():
    b = ballot(opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 12, 10), cast=600, yes=500)
    today = dt.date(2026, 11, 23)
    problems = strike_day_check(dispute=b.dispute, date=dt.date(2026, 12, 10), today=today)
    assert problems and "outside the mandate" in problems[0]
    # Inside the mandate; but notice given today, before the ballot has closed, does not count.
    assert strike_day_check(dispute=b.dispute, date=dt.date(2026, 12, 11), today=today) == [
        "Notice given on 23 November 2026 is before the ballot closed on 10 December 2026: "
        "notice of action follows the result, so give it on or after 10 December 2026."
    ]
    assert (
        strike_day_check(
            dispute=b.dispute,
            date=dt.date(2026, 12, 21),
            today=today,
            notice_given_on=dt.date(2026, 12, 10),
        )
        == []
    )


def test_failed_ballot_gives_no_mandate():
    b = ballot(opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 11, 2), cast=499, yes=450)
    problems = strike_day_check(
        dispute=b.dispute, date=dt.date(2026, 12, 10), today=dt.date(2026, 11, 23)
    )
    assert "no statutory ballot that passed" in problems[0]


@pytest.mark.django_db
def test_thresholds_match_integer_arithmetic_for_any_figures():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from strikes.models import RuleSet

    old = RuleSet.in_force_on(OLD)
    new = RuleSet.in_force_on(NEW)
    dispute = f.DisputeFactory(staff_groups=["teacher"])

    @settings(max_examples=300, deadline=None)
    @given(st.integers(1, 5000), st.data())
    def check(electorate, data):
        cast = data.draw(st.integers(0, electorate))
        yes = data.draw(st.integers(0, cast))
        no = data.draw(st.integers(0, cast - yes))
        for rule_set, opens_on in ((old, OLD), (new, NEW)):
            b = Ballot(
                dispute=dispute,
                opens_on=opens_on,
                closes_on=opens_on,
                electorate=electorate,
                votes_cast=cast,
                votes_yes=yes,
                votes_no=no,
            )
            verdict = ballot_verdict(b, rule_sets=[old, new], today=NEW)
            turnout_ok = cast * 2 >= electorate
            forty_ok = rule_set is new or yes * 10 >= electorate * 4
            assert verdict.turnout_met == turnout_ok
            assert verdict.passes == (turnout_ok and yes > no and forty_ok)

    check()
