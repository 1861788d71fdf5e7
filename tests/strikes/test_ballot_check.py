"""``manage.py ballot_check``: real results, each side of every threshold and boundary date, both
regimes, both nations, teacher-only, support-only and mixed electorates; errors per case.

The 2023 figures are the NEU's published results (press release of 16 January 2023, reported by
FE News): England teachers 53.27% turnout, 90.44% yes; England support staff 46.46%, 84.13%;
Wales teachers 58.07%, 92.28%; Wales support staff 51.30%, 88.26%. The ballots opened on
31 October 2022 and closed on 13 January 2023; the first strike day was 1 February 2023.
Electorates are scaled to 10,000 (the release gives percentages).
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]


def run(tmp_path, cases) -> tuple[list[dict], int]:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases) if not isinstance(cases, str) else cases)
    out = io.StringIO()
    code = 0
    try:
        call_command("ballot_check", str(path), stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        code = exc.code
    return json.loads(out.getvalue()), code


def case(**kw):
    base = {
        "id": "x",
        "nation": "england",
        "employer": "local_authority",
        "electorate": {"teacher": 1000},
        "opens_on": "2026-03-02",
        "closes_on": "2026-03-30",
        "votes_cast": 600,
        "votes_yes": 500,
    }
    base.update(kw)
    return base


def scaled(turnout: float, yes: float, electorate: int = 10_000) -> dict[str, int]:
    cast = round(electorate * turnout / 100)
    return {"votes_cast": cast, "votes_yes": round(cast * yes / 100)}


NEU_2023 = {"opens_on": "2022-10-31", "closes_on": "2023-01-13"}
FEB_1 = [{"date": "2023-02-01", "notice_given_on": "2023-01-16"}]


def test_neu_2023_national_ballots(tmp_path):
    answers, code = run(
        tmp_path,
        [
            case(
                id="England teachers",
                electorate={"teacher": 9_600, "leader": 400},
                strike_days=FEB_1,
                **NEU_2023,
                **scaled(53.27, 90.44),
            ),
            case(
                id="England support staff",
                electorate={"support": 10_000},
                strike_days=FEB_1,
                **NEU_2023,
                **scaled(46.46, 84.13),
            ),
            case(
                id="Wales teachers",
                nation="wales",
                electorate={"teacher": 9_600, "leader": 400},
                strike_days=FEB_1,
                **NEU_2023,
                **scaled(58.07, 92.28),
            ),
            case(
                id="Wales support staff",
                nation="wales",
                electorate={"support": 10_000},
                strike_days=FEB_1,
                **NEU_2023,
                **scaled(51.30, 88.26),
            ),
        ],
    )
    assert code == 0
    england_t, england_s, wales_t, wales_s = answers
    assert [a["id"] for a in answers] == [
        "England teachers",
        "England support staff",
        "Wales teachers",
        "Wales support staff",
    ]
    assert england_t["passes"] and england_t["rules"] == "Trade Union Act 2016"
    assert england_t["mandate_ends"] == "2023-07-12"
    assert any("48.2% of those entitled to vote voted yes" in r for r in england_t["reasons"])
    assert england_t["strike_days"][0]["allowed"] is True
    assert not england_s["passes"] and england_s["mandate_ends"] is None
    assert (
        "Turnout 46.5% is below the 50% threshold (Trade Union Act 2016)" in (england_s["reasons"])
    )
    assert england_s["strike_days"][0]["allowed"] is False
    assert wales_t["passes"] and "Trade Union (Wales) Act 2017" in wales_t["rules"]
    assert wales_s["passes"] and wales_s["strike_days"][0]["allowed"] is True


# --- Each side of each threshold ----------------------------------------------------------------

OLD = {"opens_on": "2026-01-05", "closes_on": "2026-02-02"}
NEW = {"opens_on": "2026-03-02", "closes_on": "2026-03-30"}
TEACHERS = {"teacher": 1000}
SUPPORT = {"support": 1000}
MIXED_TEACHER_MAJORITY = {"teacher": 501, "support": 499}
MIXED_SUPPORT_MAJORITY = {"teacher": 500, "support": 500}  # half is not a majority


@pytest.mark.parametrize(
    ("label", "kw", "passes"),
    [
        ("turnout exactly 50%, new", dict(**NEW, votes_cast=500, votes_yes=400), True),
        ("turnout 49.9%, new", dict(**NEW, votes_cast=499, votes_yes=400), False),
        ("turnout exactly 50%, old", dict(**OLD, votes_cast=500, votes_yes=400), True),
        ("turnout 49.9%, old", dict(**OLD, votes_cast=499, votes_yes=499), False),
        ("tie, new", dict(**NEW, votes_cast=600, votes_yes=300, votes_no=300), False),
        ("one more yes than no", dict(**NEW, votes_cast=601, votes_yes=301, votes_no=300), True),
        ("teachers 40.0% yes, old", dict(**OLD, votes_cast=500, votes_yes=400), True),
        ("teachers 39.9% yes, old", dict(**OLD, votes_cast=500, votes_yes=399), False),
        ("teachers 39.9% yes, new", dict(**NEW, votes_cast=500, votes_yes=399), True),
        (
            "support only 39.9% yes, old",
            dict(**OLD, electorate=SUPPORT, votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "teacher majority 39.9% yes, old",
            dict(**OLD, electorate=MIXED_TEACHER_MAJORITY, votes_cast=500, votes_yes=399),
            False,
        ),
        (
            "half teachers 39.9% yes, old",
            dict(**OLD, electorate=MIXED_SUPPORT_MAJORITY, votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "Welsh maintained teachers 39.9% yes, old",
            dict(**OLD, nation="wales", votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "Welsh teachers 39.9% yes, governing body, old",
            dict(**OLD, nation="wales", employer="governing_body", votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "English academy teachers 39.9% yes, old",
            dict(**OLD, employer="academy_trust", votes_cast=500, votes_yes=399),
            False,
        ),
        (
            "independent school teachers 39.9% yes, old",
            dict(**OLD, employer="independent", votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "Welsh independent school teachers 39.9% yes, old",
            dict(**OLD, nation="wales", employer="independent", votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "opened 17 Feb 2026: old rules",
            dict(opens_on="2026-02-17", closes_on="2026-03-10", votes_cast=500, votes_yes=399),
            False,
        ),
        (
            "opened 18 Feb 2026: new rules",
            dict(opens_on="2026-02-18", closes_on="2026-03-10", votes_cast=500, votes_yes=399),
            True,
        ),
        (
            "Wales before the 2017 Act: 12 September 2017",
            dict(
                nation="wales",
                opens_on="2017-09-12",
                closes_on="2017-10-10",
                votes_cast=500,
                votes_yes=399,
            ),
            False,
        ),
        (
            "Wales on 13 September 2017",
            dict(
                nation="wales",
                opens_on="2017-09-13",
                closes_on="2017-10-10",
                votes_cast=500,
                votes_yes=399,
            ),
            True,
        ),
    ],
)
def test_thresholds(tmp_path, label, kw, passes):
    answers, code = run(tmp_path, [case(id=label, **kw)])
    assert code == 0, answers
    assert answers[0]["passes"] is passes, answers[0]["reasons"]


def test_opened_before_1_march_2017_has_no_rules_and_says_so(tmp_path):
    answers, code = run(tmp_path, [case(opens_on="2016-06-01", closes_on="2016-07-01")])
    assert code == 1
    assert "No rule set is in force on 1 June 2016" in answers[0]["error"]


# --- Mandate and notice boundaries --------------------------------------------------------------


def test_mandate_straddling_18_february_2026_takes_six_months_from_its_opening(tmp_path):
    answers, _ = run(
        tmp_path,
        [
            case(
                opens_on="2026-02-10",
                closes_on="2026-03-10",
                strike_days=[
                    {"date": "2026-09-09", "notice_given_on": "2026-08-20"},
                    {"date": "2026-09-10", "notice_given_on": "2026-08-20"},
                ],
            ),
            case(opens_on="2026-02-18", closes_on="2026-03-10"),
        ],
    )
    straddling, new = answers
    assert straddling["rules"] == "Trade Union Act 2016"
    assert straddling["mandate_ends"] == "2026-09-09"
    assert [d["allowed"] for d in straddling["strike_days"]] == [True, False]
    assert new["mandate_ends"] == "2027-03-09"


def test_nine_months_with_agreement_only_under_the_old_rules(tmp_path):
    answers, _ = run(
        tmp_path,
        [
            case(**OLD, employer_agreed_extension=True),
            case(**NEW, employer_agreed_extension=True),
        ],
    )
    assert answers[0]["mandate_ends"] == "2026-11-01"
    assert answers[1]["mandate_ends"] == "2027-03-29"


def test_notice_follows_the_day_it_was_given(tmp_path):
    ballot = {"opens_on": "2026-01-05", "closes_on": "2026-02-02"}  # old rules, passes
    answers, _ = run(
        tmp_path,
        [
            case(
                **ballot,
                strike_days=[
                    # Given 17 Feb (old): 14 days needed, 13 given.
                    {"date": "2026-03-02", "notice_given_on": "2026-02-17"},
                    {"date": "2026-03-03", "notice_given_on": "2026-02-17"},
                    # Given 18 Feb (new): 10 days needed.
                    {"date": "2026-02-28", "notice_given_on": "2026-02-18"},
                    {"date": "2026-02-27", "notice_given_on": "2026-02-18"},
                    # On the closing day itself: never.
                    {"date": "2026-02-02", "notice_given_on": "2026-02-02"},
                    # Notice before the ballot closed.
                    {"date": "2026-03-20", "notice_given_on": "2026-01-20"},
                ],
            )
        ],
    )
    days = answers[0]["strike_days"]
    assert [d["allowed"] for d in days] == [False, True, True, False, False, False]
    assert "employers need 14" in days[0]["reason"]
    assert "employers need 10" in days[3]["reason"]
    assert "pickets need a supervisor" not in days[2]["reason"]  # picketing after 18 Feb 2026


def test_picket_supervisor_follows_the_strike_day(tmp_path):
    answers, _ = run(
        tmp_path,
        [case(**OLD, strike_days=[{"date": "2026-02-17", "notice_given_on": "2026-02-02"}])],
    )
    assert "pickets need a supervisor" in answers[0]["strike_days"][0]["reason"]


# --- Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        (dict(opens_on="2026-02-30"), "opens_on '2026-02-30' is not a date that exists."),
        (dict(closes_on="9999-12-31"), "closes_on 9999-12-31 is not a plausible date"),
        (dict(opens_on="0001-01-01"), "opens_on 0001-01-01 is not a plausible date"),
        (dict(opens_on="1/3/2026"), "not a date in the form YYYY-MM-DD"),
        (dict(closes_on="2026-03-01"), "closes_on 2026-03-01 is before opens_on 2026-03-02"),
        (dict(votes_cast=1001), "votes_cast (1001) is more than the electorate (1000)."),
        (dict(votes_yes=601), "votes_yes (601) is more than votes_cast (600)."),
        (dict(votes_yes=-1), "votes_yes cannot be negative"),
        (dict(votes_yes="500"), "votes_yes must be a whole number"),
        (dict(votes_yes=True), "votes_yes must be a whole number"),
        (dict(nation="scotland"), "nation 'scotland' is not known"),
        (dict(nation=None), "nation None is not known"),
        (dict(employer="charity"), "employer 'charity' is not known"),
        (dict(electorate={"cleaner": 5}), "unknown staff group 'cleaner'"),
        (dict(electorate={"teacher": 0}), "The electorate is 0"),
        (dict(electorate=1000), "electorate must give the number entitled to vote"),
        (dict(strike_days=[{"date": "2026-04-31"}]), "strike_days[0].date '2026-04-31'"),
        (dict(strike_days="2026-04-10"), "strike_days must be a list"),
    ],
)
def test_a_case_that_cannot_be_judged_gets_an_error(tmp_path, kw, error):
    answers, code = run(tmp_path, [case(id="bad", **kw), case(id="good")])
    assert code == 1
    assert answers[0]["id"] == "bad"
    assert error in answers[0]["error"]
    assert set(answers[0]) == {"id", "error"}
    assert answers[1]["passes"] is True


def test_cases_that_are_not_objects_get_errors_in_order(tmp_path):
    answers, code = run(tmp_path, [7, None, "x", case(id="good")])
    assert code == 1
    assert [a.get("error") for a in answers[:3]] == ["Each case must be a JSON object."] * 3
    assert answers[3]["id"] == "good"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON"),
        ('{"id": 1}', "must hold a JSON list of cases"),
        ("", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_file_that_is_not_a_list_of_cases_is_refused_without_a_traceback(
    tmp_path, content, message
):
    from django.core.management.base import CommandError

    path = tmp_path / "cases.json"
    path.write_text(content)
    with pytest.raises(CommandError) as refused:
        call_command("ballot_check", str(path), stdout=io.StringIO())
    assert message in str(refused.value)


def test_unreadable_files_are_refused_without_a_traceback(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("ballot_check", str(tmp_path / "missing.json"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="is a folder"):
        call_command("ballot_check", str(tmp_path), stdout=io.StringIO())
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("ballot_check", str(binary), stdout=io.StringIO())


def test_the_command_line_exits_1_without_a_traceback(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "cases.json"
    path.write_text("not json")
    done = subprocess.run(
        [sys.executable, "manage.py", "ballot_check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "is not valid JSON" in done.stderr
