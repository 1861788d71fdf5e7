"""Disputes with a place and employers, ballots with a constituency, the groups called out.

The 2023 figures are the NEU's published results (NEU press release of 16 January 2023, as
reported by FE News): teachers in England 90.44% yes on a 53.27% turnout; in Wales 92.28% yes on
58.07%; support staff in England 84.13% yes on 46.46% (short of 50%); in Wales 88.26% yes on
51.30%. The electorates here are scaled to 10,000 (the release gives percentages), so the counts
reproduce those percentages.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kernel.errors import DomainError, NotAllowed
from schools.models import School
from strikes.mandate import ballot_verdict
from strikes.models import CalledOutSchool
from strikes.services.planning import (
    ballot_record,
    dispute_create,
    strike_day_announce,
    strike_day_cancel_for,
    strike_day_move_for,
)
from tests import factories as f

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]

TEACHERS = ["teacher", "leader"]


def organiser(union, kind="national_organiser", **place):
    return f.RoleFactory(union=union, kind=kind, **place).user


def figures(turnout: float, yes: float, electorate: int = 10_000) -> dict[str, int]:
    cast = round(electorate * turnout / 100)
    votes_yes = round(cast * yes / 100)
    return {
        "electorate": electorate,
        "votes_cast": cast,
        "votes_yes": votes_yes,
        "votes_no": cast - votes_yes,
    }


@pytest.fixture
def wales(world):
    nation = f.NationFactory(code="W")
    region = f.RegionFactory(nation=nation, name="Wales", slug="wales")
    cardiff = f.DistrictFactory(region=region, name="Cardiff", la_code="681")
    world.wales = nation
    world.cardiff = cardiff
    world.w1 = f.SchoolFactory(district=cardiff, name="Ysgol Glan Ceubal")
    world.w2 = f.SchoolFactory(district=cardiff, name="Cathays High School")
    return world


@pytest.fixture
def neu_2023(wales, national):
    """One national dispute, four ballots (teachers and support staff, England and Wales),
    opened 31 October 2022 and closed 13 January 2023."""
    world = wales
    dispute = dispute_create(
        union=world.union,
        title="Pay 2022-23",
        place_kind="nation",
        nations=[world.nation, world.wales],
        staff_groups=["teacher", "leader", "support"],
        acting_user=national,
        opened_on=dt.date(2022, 10, 1),
    )
    dates = {"opens_on": dt.date(2022, 10, 31), "closes_on": dt.date(2023, 1, 13)}
    for nation, groups, turnout, yes in (
        (world.nation, TEACHERS, 53.27, 90.44),
        (world.wales, TEACHERS, 58.07, 92.28),
        (world.nation, ["support"], 46.46, 84.13),
        (world.wales, ["support"], 51.30, 88.26),
    ):
        ballot_record(
            dispute=dispute,
            nations=[nation],
            staff_groups=groups,
            acting_user=national,
            **dates,
            **figures(turnout, yes),
        )
    return dispute


def test_the_2023_shape_calls_out_teachers_everywhere_and_support_staff_in_wales(
    neu_2023, wales, national
):
    world = wales
    day = strike_day_announce(
        dispute=neu_2023,
        date=dt.date(2023, 2, 1),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2023, 1, 16),
    )
    out = dict(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school_id", "staff_groups")
    )
    for school in (world.s1, world.s2, world.s3, world.s4):
        assert out[school.pk] == ["teacher", "leader"]
    for school in (world.w1, world.w2):
        assert out[school.pk] == ["teacher", "leader", "support"]


def test_2023_verdicts_each_ballot_on_its_own_figures_and_rules(neu_2023):
    ballots = {(b.nations.get().code, tuple(b.staff_groups)): b for b in neu_2023.ballots.all()}
    england_teachers = ballot_verdict(ballots["E", ("teacher", "leader")])
    assert england_teachers.passes
    assert england_teachers.important_service_applies  # 48.2% of the electorate said yes
    assert float(england_teachers.yes_of_electorate_pct) == pytest.approx(48.18, abs=0.01)
    assert england_teachers.mandate_ends_on == dt.date(2023, 7, 12)

    england_support = ballot_verdict(ballots["E", ("support",)])
    assert not england_support.passes
    assert "Turnout 46.5% is below the 50% threshold (Trade Union Act 2016)" in (
        england_support.reasons
    )
    assert not england_support.important_service_applies  # support staff only

    wales_teachers = ballot_verdict(ballots["W", ("teacher", "leader")])
    assert wales_teachers.passes
    assert not wales_teachers.important_service_applies  # Trade Union (Wales) Act 2017
    assert "Wales" in wales_teachers.rule_set.name

    wales_support = ballot_verdict(ballots["W", ("support",)])
    assert wales_support.passes
    assert not wales_support.important_service_applies


def test_a_school_dispute_with_an_aggregated_ballot_never_calls_out_a_whole_region(world, national):
    dispute = dispute_create(
        union=world.union,
        title="Workload at Heaton",
        place_kind="schools",
        schools=[world.s1],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 20),
        acting_user=national,
        **figures(80, 90, electorate=60),
    )
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="region",
        regions=[world.north],
        acting_user=national,
        today=dt.date(2026, 11, 23),
    )
    assert list(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school", flat=True)
    ) == [world.s1.pk]


def test_a_trust_day_calls_out_only_the_trust_schools_inside_the_dispute(world, national):
    trust = f.AcademyTrustFactory(name="Tyne Learning Trust")
    for school in (world.s1, world.s2, world.s3):
        school.trust = trust
        school.employer_kind = "academy_trust"
        school.save(update_fields=["trust", "employer_kind"])
    dispute = dispute_create(
        union=world.union,
        title="Two academies",
        place_kind="schools",
        schools=[world.s1, world.s2],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 20),
        acting_user=national,
        **figures(70, 90, electorate=80),
    )
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="trust",
        trusts=[trust],
        acting_user=national,
        today=dt.date(2026, 11, 23),
    )
    assert set(CalledOutSchool.objects.filter(strike_day=day).values_list("school", flat=True)) == {
        world.s1.pk,
        world.s2.pk,
    }


def test_a_national_day_leaves_out_independent_schools_colleges_and_universities(
    dispute, world, national
):
    for kind in ("independent", "further_education", "higher_education", "other"):
        f.SchoolFactory(district=world.d1, employer_kind=kind, name=f"A {kind} place")
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2026, 11, 23),
    )
    kinds = set(
        School.objects.filter(
            pk__in=CalledOutSchool.objects.filter(strike_day=day).values("school")
        ).values_list("employer_kind", flat=True)
    )
    assert kinds == {"local_authority"}


def test_a_dispute_that_covers_independent_schools_calls_them_out(world, national):
    independent = f.SchoolFactory(district=world.d1, employer_kind="independent")
    dispute = dispute_create(
        union=world.union,
        title="Independent sector",
        employer_kinds=["independent"],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 20),
        acting_user=national,
        **figures(60, 80, electorate=100),
    )
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2026, 11, 23),
    )
    assert list(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school", flat=True)
    ) == [independent.pk]


# --- A national organiser scopes to schools and trusts -----------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
def test_national_organiser_announces_cancels_and_moves_school_and_trust_days(
    dispute, world, national
):
    trust = f.AcademyTrustFactory()
    world.s3.trust = trust
    world.s3.save(update_fields=["trust"])
    today = dt.date(2026, 11, 23)
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="schools",
        schools=[world.s1, world.s2],
        acting_user=national,
        today=today,
    )
    trust_day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 11),
        scope_kind="trust",
        trusts=[trust],
        acting_user=national,
        today=today,
    )
    assert trust_day.schools.get().school_id == world.s3.pk
    assert strike_day_cancel_for(strike_day=day, schools=[world.s1], acting_user=national) == 1
    moved = strike_day_move_for(
        strike_day=day,
        new_date=dt.date(2026, 12, 14),
        schools=[world.s2],
        acting_user=national,
        today=today,
    )
    assert moved.schools.get().school_id == world.s2.pk


# --- Who records a ballot ------------------------------------------------------------------------


def test_a_district_officer_cannot_record_a_ballot_on_a_dispute_outside_their_area(dispute, world):
    officer = organiser(world.union, "district_officer", district=world.d3)
    with pytest.raises(NotAllowed) as refused:
        ballot_record(
            dispute=dispute,
            opens_on=dt.date(2026, 10, 1),
            closes_on=dt.date(2026, 10, 20),
            acting_user=officer,
            **figures(60, 80, electorate=100),
        )
    assert "covers the whole of this dispute" in refused.value.message


def test_a_district_officer_records_a_ballot_for_a_dispute_in_their_district(world):
    officer = organiser(world.union, "district_officer", district=world.d1)
    dispute = dispute_create(
        union=world.union,
        title="Heaton",
        place_kind="district",
        districts=[world.d1],
        staff_groups=["teacher"],
        acting_user=officer,
    )
    ballot = ballot_record(
        dispute=dispute,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 20),
        acting_user=officer,
        **figures(60, 80, electorate=100),
    )
    assert ballot.staff_groups == ["teacher"]


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [
        (dt.date(2026, 10, 1), dt.date(9999, 12, 31)),
        (dt.date(1, 1, 1), dt.date(2026, 10, 1)),
        (dt.date(1999, 12, 31), dt.date(2026, 10, 1)),
    ],
)
def test_implausible_ballot_dates_are_refused_with_a_message(
    dispute, national, opens_on, closes_on
):
    with pytest.raises(DomainError) as refused:
        ballot_record(
            dispute=dispute,
            opens_on=opens_on,
            closes_on=closes_on,
            acting_user=national,
            **figures(60, 80, electorate=100),
        )
    assert refused.value.code == "implausible_date"
    assert "is not a plausible date: give a date between 1 January 2000 and" in (
        refused.value.message
    )


def test_electorate_by_group_must_add_up(dispute, national):
    with pytest.raises(DomainError) as refused:
        ballot_record(
            dispute=dispute,
            staff_groups=["teacher", "support"],
            electorate_teacher=60,
            electorate_support=30,
            opens_on=dt.date(2026, 10, 1),
            closes_on=dt.date(2026, 10, 20),
            acting_user=national,
            **figures(60, 80, electorate=100),
        )
    assert refused.value.code == "electorate_split_mismatch"


# --- What people see: who is out, and why the others are not ---------------------------------


@pytest.fixture
def feb_1(neu_2023, national):
    return strike_day_announce(
        dispute=neu_2023,
        date=dt.date(2023, 2, 1),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2023, 1, 16),
    )


NOT_OUT = (
    "Teachers and leaders are called out; support staff are not: their ballot did not meet the "
    "turnout threshold."
)


def member(world, school, group):
    return f.MembershipFactory(union=world.union, workplace=school, staff_group=group).user


@time_machine.travel(dt.datetime(2023, 1, 20, 9, 0, tzinfo=dt.UTC), tick=False)
def test_english_support_staff_see_why_they_are_not_called_out_and_cannot_sign_up(
    client, wales, feb_1
):
    from django.urls import reverse

    from strikes.models import Shift
    from strikes.services.signups import signup_create

    world = wales
    support = member(world, world.s1, "support")
    client.force_login(support)
    page = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert NOT_OUT in page
    assert "You are not called out on this day." in page
    assert "You are not protected as a striker" in page
    assert "refuse to cross the picket line is your own decision" in page
    assert ">Sign up</button>" not in page

    shift = Shift.objects.filter(picket_line__school=world.s1, picket_line__strike_day=feb_1)[0]
    with pytest.raises(DomainError) as refused:
        signup_create(shift=shift, user=support, acting_user=support)
    assert refused.value.code == "group_not_called_out"
    response = client.post(reverse("strikes:shift-sign-up", args=[shift.pk]))
    assert not shift.signups.exists()
    assert response.status_code in (200, 302, 409)


@time_machine.travel(dt.datetime(2023, 1, 20, 9, 0, tzinfo=dt.UTC), tick=False)
def test_teachers_in_england_and_support_staff_in_wales_sign_up(client, wales, feb_1):
    from django.urls import reverse

    from strikes.models import Shift
    from strikes.services.signups import signup_create

    world = wales
    teacher = member(world, world.s1, "teacher")
    welsh_support = member(world, world.w1, "support")
    client.force_login(welsh_support)
    page = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "Teachers, leaders and support staff are called out." in page
    assert ">Sign up</button>" in page
    for user, school in ((teacher, world.s1), (welsh_support, world.w1)):
        shift = Shift.objects.filter(picket_line__school=school, picket_line__strike_day=feb_1)[0]
        assert signup_create(shift=shift, user=user, acting_user=user).status == "registered"


@time_machine.travel(dt.datetime(2023, 1, 20, 9, 0, tzinfo=dt.UTC), tick=False)
def test_reps_see_members_not_called_out_apart_and_cannot_nudge_them(client, wales, feb_1):
    from django.urls import reverse

    from strikes.services.lines import member_nudge

    world = wales
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    f.MembershipFactory(user=rep, union=world.union, workplace=world.s1, staff_group="teacher")
    teacher = member(world, world.s1, "teacher")
    support = member(world, world.s1, "support")
    client.force_login(rep)
    url = reverse("strikes:rep-day", args=[feb_1.pk, world.s1.pk])
    page = client.get(url + "?nudges=1").content.decode()
    assert NOT_OUT in page
    missing, _, not_called = page.partition('id="not-called-out"')
    assert "Members not called out today" in not_called
    assert "1 member." in not_called or support.display_name in not_called
    assert "their ballot did not meet the turnout threshold" in not_called
    assert str(teacher.pk) in missing
    assert f'value="{support.pk}"' not in page  # no nudge button for them
    with pytest.raises(DomainError) as refused:
        member_nudge(strike_day=feb_1, school=world.s1, user=support, acting_user=rep)
    assert refused.value.code == "group_not_called_out"


def test_the_planning_day_page_says_who_is_out_where(client, wales, national, feb_1):
    from django.urls import reverse

    client.force_login(national)
    page = client.get(reverse("strikes:planning-day", args=[feb_1.pk])).content.decode()
    assert f"4 schools:</strong> {NOT_OUT}" in page
    assert "2 schools:</strong> Teachers, leaders and support staff are called out." in page


def test_the_dashboard_school_page_says_who_is_out(client, wales, national, feb_1):
    from django.urls import reverse

    client.force_login(national)
    url = reverse("strikes:dashboard-school", args=[feb_1.pk, wales.s2.pk])
    assert NOT_OUT in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [
        (dt.date(2026, 10, 1), dt.date(9999, 12, 31)),
        (dt.date(1, 1, 1), dt.date(2026, 10, 1)),
        (dt.date(9999, 12, 31), dt.date(9999, 12, 31)),
    ],
)
def test_a_bad_ballot_row_left_by_an_old_version_never_breaks_a_page(
    client, dispute, national, world, opens_on, closes_on
):
    from django.urls import reverse

    from strikes.models import Ballot

    Ballot.objects.create(
        dispute=dispute,
        staff_groups=["teacher"],
        opens_on=opens_on,
        closes_on=closes_on,
        electorate=100,
        votes_cast=60,
        votes_yes=50,
        votes_no=10,
    )
    client.force_login(national)
    response = client.get(reverse("strikes:planning-dispute", args=[dispute.pk]))
    assert response.status_code == 200
    # The good ballot still gives its mandate: announcing works.
    day = strike_day_announce(
        dispute=dispute,
        date=dt.date(2026, 12, 10),
        scope_kind="national",
        acting_user=national,
        today=dt.date(2026, 11, 23),
    )
    assert day.schools.count() == 4
    assert client.get(reverse("strikes:planning-day", args=[day.pk])).status_code == 200


# --- Finding schools -----------------------------------------------------------------------------


def test_schools_are_found_by_name_town_postcode_or_urn_within_the_area(client, world):
    from django.urls import reverse

    world.s1.town, world.s1.postcode = "Newcastle upon Tyne", "NE6 5RE"
    world.s1.save(update_fields=["town", "postcode"])
    officer = organiser(world.union, "district_officer", district=world.d1)
    client.force_login(officer)
    url = reverse("strikes:planning-school-search")
    for q in ("heaton", "NE6 5RE", "ne6", "Newcastle", str(world.s1.urn)):
        page = client.get(url, {"q": q}).content.decode()
        assert "Heaton Primary" in page, q
    # Felling Academy is in Gateshead, outside this officer's district.
    assert "Felling Academy" not in client.get(url, {"q": "Felling"}).content.decode()
    partial = client.get(url, {"q": "heaton"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="school-results"' in partial and "<html" not in partial


def test_two_schools_of_the_same_name_are_told_apart_by_urn(client, world, national):
    from strikes.forms.planning import SchoolUrnsField

    a = f.SchoolFactory(district=world.d1, name="Oaks Park High School", town="Ilford")
    b = f.SchoolFactory(district=world.d3, name="Oaks Park High School", town="Carshalton")
    field = SchoolUrnsField()
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        field.clean("Oaks Park High School")
    message = " ".join(refused.value.messages)
    assert f"URN {a.urn}" in message and f"URN {b.urn}" in message and "give the URN" in message
    assert field.clean(f"{a.urn}") == [a]
    assert field.clean("Heaton Primary\nJesmond High") == [world.s1, world.s2]


def test_a_refused_officer_cannot_search_schools(client, world):
    from django.urls import reverse

    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    assert client.get(reverse("strikes:planning-school-search"), {"q": "heaton"}).status_code == 403


def test_a_data_officer_records_a_rule_change_in_the_admin_with_lists_not_json(
    admin_client, rule_sets
):
    from strikes.models import RuleSet

    page = admin_client.get("/admin/strikes/ruleset/add/").content.decode()
    assert 'type="checkbox" name="important_service_staff_groups" value="teacher"' in page
    assert 'type="checkbox" name="employer_kinds" value="independent"' in page
    response = admin_client.post(
        "/admin/strikes/ruleset/add/",
        {
            "name": "Turnout threshold repealed",
            "effective_from": "2027-04-01",
            "nation": "",
            "as_at": "2026-12-01",
            "source": "Regulations ending the 50% turnout threshold.",
            "turnout_threshold_pct": "0",
            "important_service_staff_groups": [],
            "mandate_months": "12",
            "mandate_months_with_agreement": "12",
            "notice_days": "10",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RuleSet.objects.get(name="Turnout threshold repealed")
    assert rule.important_service_staff_groups == [] and rule.employer_kinds == []
    assert RuleSet.in_force_on(dt.date(2027, 4, 1)) == rule
