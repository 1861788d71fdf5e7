"""The permission helper: each role allowed where it should be, refused everywhere else."""

from __future__ import annotations

import pytest

from members.permissions import Action, may, viewer_for
from schools.models import School
from strikes.models import CalledOutSchool
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    """One person per role, placed in the world's first district/region/school."""
    u = world.union

    class People:
        member = f.MembershipFactory(union=u, workplace=world.s1).user
        rep = f.RoleFactory(union=u, kind="rep", school=world.s1).user
        district = f.RoleFactory(union=u, kind="district_officer", district=world.d1).user
        regional = f.RoleFactory(union=u, kind="regional_officer", region=world.north).user
        national = f.RoleFactory(union=u, kind="national_organiser").user
        stranger = f.UserFactory()

    return People


def test_member_may_sign_up_only_at_own_school(world, people):
    assert may(people.member, Action.SIGN_UP, world.s1, union=world.union)
    assert not may(people.member, Action.SIGN_UP, world.s2, union=world.union)


def test_member_may_not_see_rosters_run_lines_or_dashboards(world, people):
    for action in (
        Action.VIEW_ROSTER,
        Action.RUN_LINE,
        Action.VIEW_DASHBOARD,
        Action.EXPORT,
        Action.PLAN,
        Action.BROADCAST,
    ):
        assert not may(people.member, action, world.s1, union=world.union), action


def test_inactive_membership_gives_no_sign_up(world):
    membership = f.MembershipFactory(union=world.union, workplace=world.s1, is_active=False)
    assert not may(membership.user, Action.SIGN_UP, world.s1, union=world.union)


def test_rep_runs_own_school_only(world, people):
    for action in (Action.SIGN_UP, Action.VIEW_ROSTER, Action.RUN_LINE, Action.VIEW_DASHBOARD):
        assert may(people.rep, action, world.s1, union=world.union), action
        assert not may(people.rep, action, world.s2, union=world.union), action


def test_rep_may_not_export_plan_or_broadcast(world, people):
    for action in (Action.EXPORT, Action.PLAN, Action.BROADCAST):
        assert not may(people.rep, action, world.s1, union=world.union), action


def test_rep_sees_no_district_dashboard(world, people):
    assert not may(people.rep, Action.VIEW_DASHBOARD, world.d1, union=world.union)


def test_district_officer_covers_schools_of_own_district(world, people):
    for action in Action:
        assert may(people.district, action, world.s1, union=world.union), action
        assert may(people.district, action, world.s2, union=world.union), action


def test_district_officer_refused_in_another_district(world, people):
    for action in Action:
        assert not may(people.district, action, world.s3, union=world.union), action
        assert not may(people.district, action, world.d2, union=world.union), action


def test_district_officer_refused_at_region_and_national_level(world, people):
    assert not may(people.district, Action.VIEW_DASHBOARD, world.north, union=world.union)
    assert not may(people.district, Action.PLAN, None, union=world.union)


def test_regional_officer_covers_region_but_not_rosters(world, people):
    for place in (world.north, world.d1, world.d2, world.s1, world.s3):
        assert may(people.regional, Action.VIEW_DASHBOARD, place, union=world.union)
        assert may(people.regional, Action.PLAN, place, union=world.union)
    assert not may(people.regional, Action.VIEW_ROSTER, world.s1, union=world.union)
    assert not may(people.regional, Action.RUN_LINE, world.s1, union=world.union)


def test_regional_officer_refused_in_other_region_and_nationally(world, people):
    for place in (world.south, world.d3, world.s4, None, world.nation):
        assert not may(people.regional, Action.VIEW_DASHBOARD, place, union=world.union), place


def test_national_organiser_sees_everything_but_names(world, people):
    for place in (None, world.nation, world.south, world.d3, world.s4):
        assert may(people.national, Action.VIEW_DASHBOARD, place, union=world.union)
        assert may(people.national, Action.PLAN, place, union=world.union)
        assert may(people.national, Action.EXPORT, place, union=world.union)
    assert not may(people.national, Action.VIEW_ROSTER, world.s1, union=world.union)


def test_officials_may_join_lines_they_represent(world, people):
    assert may(people.district, Action.SIGN_UP, world.s2, union=world.union)
    assert may(people.national, Action.SIGN_UP, world.s4, union=world.union)
    assert not may(people.district, Action.SIGN_UP, world.s4, union=world.union)


def test_nobody_reaches_across_unions(world, people):
    other_union = f.UnionFactory(short_name="PCS")
    for person in (people.member, people.rep, people.district, people.regional, people.national):
        for action in Action:
            assert not may(person, action, world.s1, union=other_union), (person, action)


def test_anonymous_and_strangers_may_do_nothing(world, people):
    from django.contrib.auth.models import AnonymousUser

    for person in (AnonymousUser(), None, people.stranger):
        for action in Action:
            assert not may(person, action, world.s1, union=world.union)


def test_deactivated_user_loses_access_at_once(world, people):
    people.national.is_active = False
    assert not may(people.national, Action.VIEW_DASHBOARD, None, union=world.union)


def test_area_filter_limits_rows_to_viewer_place(world, people):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    for school in School.objects.all():
        f.CalledOutSchoolFactory(strike_day=day, school=school)
    rows = CalledOutSchool.objects.filter(strike_day=day)

    def visible(user, action=Action.VIEW_DASHBOARD):
        q = viewer_for(user).area_q(action, union=world.union)
        return set(rows.filter(q).values_list("school__name", flat=True))

    assert visible(people.national) == {
        "Heaton Primary",
        "Jesmond High",
        "Felling Academy",
        "Holborn Primary",
    }
    assert visible(people.regional) == {"Heaton Primary", "Jesmond High", "Felling Academy"}
    assert visible(people.district) == {"Heaton Primary", "Jesmond High"}
    assert visible(people.rep) == {"Heaton Primary"}
    assert visible(people.member) == set()
    assert visible(people.member, Action.SIGN_UP) == {"Heaton Primary"}
    assert visible(people.stranger) == set()


def test_roles_are_loaded_once_per_request(world, people, django_assert_num_queries):
    user = people.district
    viewer_for(user)
    with django_assert_num_queries(0):
        for school in (world.s1, world.s2, world.s3):
            may(user, Action.RUN_LINE, school, union=world.union.pk)
