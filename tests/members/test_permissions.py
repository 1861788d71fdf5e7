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


# --- The copy kept in the session (issue 16) ------------------------------------------------


def test_memberships_and_roles_come_from_the_session_after_the_first_request(
    client, world, people, django_assert_max_num_queries
):
    from django.urls import reverse

    client.force_login(people.rep)
    url = reverse("strikes:my-shifts")
    assert client.get(url).status_code == 200  # reads them, and keeps a copy
    with django_assert_max_num_queries(50) as counted:
        assert client.get(url).status_code == 200
    tables = " ".join(q["sql"] for q in counted.captured_queries)
    assert "members_membership" not in tables and "members_role" not in tables


def test_a_role_taken_away_is_refused_at_the_next_request(client, world, people):
    """The session's copy is stamped with the user's access version; removing the role moves
    it, so the copy is not used again."""
    from django.urls import reverse

    from members.models import Role

    client.force_login(people.rep)
    url = reverse("strikes:rep-home")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # from the session's copy
    Role.objects.filter(user=people.rep).delete()
    assert client.get(url).status_code == 403


def test_a_role_given_counts_at_the_next_request(client, world, people):
    from django.urls import reverse

    client.force_login(people.member)
    url = reverse("strikes:rep-home")
    assert client.get(url).status_code == 403
    assert client.get(url).status_code == 403  # from the session's copy
    f.RoleFactory(user=people.member, union=world.union, kind="rep", school=world.s1)
    assert client.get(url).status_code == 200


def test_a_membership_made_inactive_stops_sign_up_at_the_next_request(client, world, people):
    from members.models import Membership
    from members.permissions import VIEWER_SESSION_KEY, viewer_from_snapshot, viewer_snapshot

    viewer = viewer_for(people.member)
    people.member.refresh_from_db()
    data = viewer_snapshot(viewer, version=people.member.access_version)
    kept = viewer_from_snapshot(people.member, data)
    assert kept is not None and kept.may(Action.SIGN_UP, world.s1, union=world.union)
    assert [m.joined_on for m in kept.memberships] == [m.joined_on for m in viewer.memberships]
    membership = Membership.objects.get(user=people.member)
    membership.is_active = False
    membership.save()
    people.member.refresh_from_db()
    assert viewer_from_snapshot(people.member, data) is None
    assert viewer_from_snapshot(people.rep, data) is None  # someone else's copy
    assert VIEWER_SESSION_KEY


def test_the_sessions_cache_copy_is_capped(settings):
    """A session is cached for at most SESSION_CACHE_SECONDS, whatever its own life."""
    from config.sessions import SessionStore

    settings.SESSION_CACHE_SECONDS = 7
    seen = []

    class Spy:
        def set(self, key, value, timeout=None, **kwargs):
            seen.append(timeout)

    store = SessionStore()
    store._cache._cache = Spy()
    store._cache.set("k", 1, 14 * 24 * 3600)
    store._cache.set("k", 1, 3)
    assert seen == [7, 3]
