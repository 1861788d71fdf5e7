"""Turnout pages: every figure of the board in a known world, the refusals, the link, the
rep's list and marks, and the queries they take."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditEntry
from members.models import Role
from strikes.models import Notification
from strikes.models.turnout import Elector, TurnoutCount
from strikes.selectors import turnout as sel
from strikes.services import turnout as svc
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _at(days_ago: int) -> dt.datetime:
    return f.london(TODAY - dt.timedelta(days=days_ago), "12:00")


class Known:
    pass


@pytest.fixture
def known(world, national):
    """Teachers: s1 has 4 (one voted 3 days ago by themselves, one marked by the rep yesterday,
    one excluded, one not yet); s2 has 2 (one voted today); s3 has 2 (none); s4 (London) has 2
    (one voted 8 days ago). Per unit, with official figures for s1 (3 of 5) and s2 (1 of 2)."""
    k = Known()
    k.world = world
    k.national = national
    k.people = {
        s.pk: [
            f.MembershipFactory(union=world.union, workplace=s, staff_group="teacher")
            for _ in range(n)
        ]
        for s, n in ((world.s1, 4), (world.s2, 2), (world.s3, 2), (world.s4, 2))
    }
    k.tracked = svc.tracked_ballot_create(
        union=world.union,
        title="Pay ballot 2027",
        opens_on=TODAY - dt.timedelta(days=10),
        closes_on=TODAY + dt.timedelta(days=10),
        staff_groups=["teacher"],
        target_pct=60,
        per_unit=True,
        acting_user=national,
    )
    k.rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    k.rep_s3 = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s3).user
    k.district = f.RoleFactory(
        union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d1
    ).user
    k.district2 = f.RoleFactory(
        union=world.union, kind=Role.Kind.DISTRICT_OFFICER, district=world.d2
    ).user
    k.regional = f.RoleFactory(
        union=world.union, kind=Role.Kind.REGIONAL_OFFICER, region=world.north
    ).user
    s1, s2, s4 = k.people[world.s1.pk], k.people[world.s2.pk], k.people[world.s4.pk]

    def mark(m, status, when, by_self=True, reason=""):
        svc.elector_mark(
            elector_id=k.elector(m).pk,
            status=status,
            reason=reason,
            acting_user=m.user if by_self else k.rep,
            by_self=by_self,
            now=when,
        )

    k.elector = lambda m: Elector.objects.get(tracked_ballot=k.tracked, membership=m)
    mark(s1[0], "voted", _at(3))
    mark(s1[1], "voted", _at(1), by_self=False)
    mark(s1[2], "excluded", _at(1), by_self=False, reason="absent")
    mark(s2[0], "voted", _at(0))
    mark(s4[0], "voted", _at(8))
    svc.turnout_official_record(
        tracked_ballot=k.tracked, school=world.s1, electorate=5, votes_cast=3, acting_user=national
    )
    svc.turnout_official_record(
        tracked_ballot=k.tracked, school=world.s2, electorate=2, votes_cast=1, acting_user=national
    )
    svc.turnout_official_record(
        tracked_ballot=k.tracked, electorate=10, votes_cast=5, acting_user=national
    )
    return k


def _board(client, k, user, **params):
    client.force_login(user)
    return client.get(reverse("strikes:turnout-board", args=[k.tracked.pk]), params)


def _row(board, place_id):
    return next(r for r in board.rows if r.place_id == place_id)


def test_union_board_figures(client, known):
    k, w = known, known.world
    response = _board(client, k, k.national)
    assert response.status_code == 200
    board = response.context["board"]
    head = board.figures
    assert (head.entitled, head.excluded, head.voted, head.eligible) == (10, 1, 4, 9)
    assert head.turnout == Decimal("44.4")
    assert head.gap_threshold == Decimal("-5.6")
    assert head.gap_target == Decimal("-15.6")
    assert (head.needed_threshold, head.needed_target) == (1, 2)
    assert (head.official_electorate, head.official_votes) == (10, 5)
    assert head.official_turnout == Decimal("50.0")
    assert [(r.level, r.place_id) for r in board.rows] == [("nation", w.nation.pk)]
    # The projection's inputs: 3 votes in the last 7 days (the one 8 days ago is older), 10
    # days left after today: 4 + floor(3/7 * 10) = 8 of 9.
    p = board.projection
    assert (p.voted, p.eligible) == (4, 9)
    assert (p.window_from, p.window_to, p.window_days) == (TODAY - dt.timedelta(days=6), TODAY, 7)
    assert p.window_votes == 3
    assert p.per_day == Decimal("0.4")
    assert p.days_left == 10
    assert p.projected_votes == 8
    assert p.projected_turnout == Decimal("88.9")
    assert [(t.day, t.votes, t.cumulative) for t in board.trend] == [
        (TODAY - dt.timedelta(days=8), 1, 1),
        (TODAY - dt.timedelta(days=3), 1, 2),
        (TODAY - dt.timedelta(days=1), 1, 3),
        (TODAY, 1, 4),
    ]
    html = response.content.decode()
    assert "44.4%" in html and "88.9%" in html
    for name in (
        m.user.full_name for people in k.people.values() for m in people
    ):  # counts only: no names on a board
        assert name not in html


def test_nation_board_sorts_regions_by_votes_needed(client, known):
    k, w = known, known.world
    board = _board(client, k, k.national, nation=w.nation.pk).context["board"]
    assert [r.place_id for r in board.rows] == [w.north.pk, w.south.pk]
    north, south = _row(board, w.north.pk), _row(board, w.south.pk)
    assert (north.entitled, north.excluded, north.voted, north.turnout) == (
        8,
        1,
        3,
        Decimal("42.9"),
    )
    assert (north.needed_threshold, north.needed_target) == (1, 2)
    assert (south.entitled, south.excluded, south.voted, south.turnout) == (
        2,
        0,
        1,
        Decimal("50.0"),
    )
    assert (south.needed_threshold, south.needed_target) == (0, 1)
    # Per-unit official figures summed by region: s1 and s2 are in the north.
    assert (north.official_electorate, north.official_votes) == (7, 4)
    assert south.official_electorate is None


def test_region_and_district_boards(client, known):
    k, w = known, known.world
    region = _board(client, k, k.regional).context["board"]  # starts at their region
    assert region.place == w.north
    assert [r.place_id for r in region.rows] == [w.d2.pk, w.d1.pk]
    d1 = _row(region, w.d1.pk)
    assert (d1.entitled, d1.excluded, d1.voted, d1.turnout) == (6, 1, 3, Decimal("60.0"))
    assert (d1.needed_threshold, d1.needed_target) == (0, 0)
    d2 = _row(region, w.d2.pk)
    assert (d2.turnout, d2.needed_threshold, d2.needed_target) == (Decimal("0.0"), 1, 2)

    district = _board(client, k, k.district).context["board"]
    assert district.place == w.d1
    assert [r.place_id for r in district.rows] == [w.s2.pk, w.s1.pk]
    s1, s2 = _row(district, w.s1.pk), _row(district, w.s2.pk)
    assert (s1.entitled, s1.excluded, s1.voted, s1.turnout) == (4, 1, 2, Decimal("66.7"))
    assert (s1.gap_threshold, s1.gap_target) == (Decimal("16.7"), Decimal("6.7"))
    assert (s1.official_electorate, s1.official_votes, s1.official_turnout) == (
        5,
        3,
        Decimal("60.0"),
    )
    assert (s2.turnout, s2.needed_threshold, s2.needed_target) == (Decimal("50.0"), 0, 1)
    assert s2.official_turnout == Decimal("50.0")
    assert (district.figures.official_electorate, district.figures.official_votes) == (7, 4)


def test_rep_board_is_their_school(client, known):
    k, w = known, known.world
    board = _board(client, k, k.rep).context["board"]
    assert board.place == w.s1
    assert board.rows == []
    assert (board.figures.voted, board.figures.eligible) == (2, 3)
    assert board.figures.official_turnout == Decimal("60.0")


@pytest.mark.parametrize(
    ("who", "params", "status"),
    [
        ("member", {}, 403),
        ("rep", {"school": "s2"}, 403),
        ("rep", {"district": "d1"}, 403),
        ("district2", {"district": "d1"}, 403),
        ("district", {"region": "north"}, 403),
        ("regional", {"nation": "nation"}, 403),
        ("regional", {"region": "south"}, 403),
        ("other_union", {}, 404),
        ("national", {"school": 99999999}, 404),
        ("national", {"school": "x"}, 404),
    ],
)
def test_board_refusals(client, known, who, params, status):
    k, w = known, known.world
    users = {
        "member": lambda: k.people[w.s1.pk][3].user,
        "rep": lambda: k.rep,
        "district": lambda: k.district,
        "district2": lambda: k.district2,
        "regional": lambda: k.regional,
        "national": lambda: k.national,
        "other_union": lambda: (
            f.RoleFactory(
                union=f.UnionFactory(short_name="PCS"), kind=Role.Kind.NATIONAL_ORGANISER
            ).user
        ),
    }
    places = {"s2": w.s2.pk, "d1": w.d1.pk, "north": w.north.pk, "south": w.south.pk}
    places["nation"] = w.nation.pk
    query = {key: places.get(value, value) for key, value in params.items()}
    assert _board(client, k, users[who](), **query).status_code == status


def test_board_queries_do_not_grow(client, known, django_assert_max_num_queries):
    k = known
    client.force_login(k.national)
    url = reverse("strikes:turnout-board", args=[k.tracked.pk])
    with django_assert_max_num_queries(12):
        assert client.get(url, {"district": k.world.d1.pk}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_htmx_board_is_the_fragment(client, known):
    response = _board(client, known, known.national)
    client.force_login(known.national)
    partial = client.get(
        reverse("strikes:turnout-board", args=[known.tracked.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'id="turnout-board"' in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert "<html" in response.content.decode()


# --- The member's "I've voted" --------------------------------------------------------------


def test_member_says_they_voted_from_their_page(client, known):
    k, w = known, known.world
    member = k.people[w.s3.pk][0]
    client.force_login(member.user)
    page = client.get(reverse("strikes:turnout-home"))
    assert "I've voted" in page.content.decode()
    response = client.post(reverse("strikes:turnout-me", args=[k.tracked.pk]), {"status": "voted"})
    assert response.status_code == 302
    assert k.elector(member).status == "voted"
    assert (
        TurnoutCount.objects.get(tracked_ballot=k.tracked, level="school", place_id=w.s3.pk).voted
        == 1
    )
    assert "You have voted" in client.get(reverse("strikes:turnout-home")).content.decode()


def test_a_member_outside_the_electorate_cannot_mark(client, known):
    k = known
    outsider = f.MembershipFactory(union=k.world.union, workplace=k.world.s1, staff_group="support")
    client.force_login(outsider.user)
    response = client.post(reverse("strikes:turnout-me", args=[k.tracked.pk]), {"status": "voted"})
    assert response.status_code == 403


def test_mark_queries(client, known, django_assert_max_num_queries):
    k, w = known, known.world
    member = k.people[w.s3.pk][1]
    client.force_login(member.user)
    url = reverse("strikes:turnout-me", args=[k.tracked.pk])
    # Issue 16, an action's budget: the user (session, memberships and roles come from the
    # cache), the ballot, the elector, SAVEPOINT, the locked elector, its update, the counts,
    # the day's counts, the audit entry, RELEASE.
    with django_assert_max_num_queries(10):
        assert client.post(url, {"status": "voted"}).status_code == 302


def test_link_marks_only_on_post_and_works_signed_out(client, known):
    k, w = known, known.world
    member = k.people[w.s4.pk][1]
    token = svc.turnout_link_token(elector=k.elector(member))
    url = reverse("strikes:turnout-link", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "I've voted" in page.content.decode()
    assert "how you voted" in page.content.decode()
    assert k.elector(member).status == "not_yet"
    done = client.post(url)
    assert done.status_code == 200
    assert "Thank you for voting" in done.content.decode()
    assert k.elector(member).status == "voted"
    assert client.post(url).status_code == 200  # twice is harmless


def test_bad_and_expired_links(client, known):
    k, w = known, known.world
    assert client.get(reverse("strikes:turnout-link", args=["nonsense"])).status_code == 400
    elector = k.elector(k.people[w.s1.pk][3])
    k.tracked.closes_on = TODAY - dt.timedelta(days=1)
    k.tracked.opens_on = TODAY - dt.timedelta(days=20)
    k.tracked.save()
    elector.tracked_ballot = k.tracked
    token = svc.turnout_link_token(elector=elector)
    assert client.post(reverse("strikes:turnout-link", args=[token])).status_code == 410
    assert k.elector(k.people[w.s1.pk][3]).status == "not_yet"


# --- The rep's chase list and marks ---------------------------------------------------------


def test_rep_sees_chase_list_with_contacts_and_it_is_logged(client, known):
    k, w = known, known.world
    client.force_login(k.rep)
    response = client.get(reverse("strikes:turnout-school", args=[k.tracked.pk, w.s1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    not_yet = k.people[w.s1.pk][3].user
    assert not_yet.email in html
    assert response.context["not_yet"] == [k.elector(k.people[w.s1.pk][3])]
    assert len(response.context["done"]) == 3
    entry = AuditEntry.objects.filter(action="contact_details.viewed").get()
    assert (entry.actor_id, entry.detail["count"]) == (k.rep.pk, 1)


def test_rep_marks_and_the_list_shrinks(client, known, django_assert_max_num_queries):
    k, w = known, known.world
    member = k.people[w.s1.pk][3]
    client.force_login(k.rep)
    url = reverse("strikes:turnout-mark", args=[k.tracked.pk, k.elector(member).pk])
    with django_assert_max_num_queries(20):
        response = client.post(url, {"status": "voted"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="school-electors"' in html and "<html" not in html
    assert 'data-figure="not-yet">0<' in html
    assert 'data-figure="voted">3<' in html
    bad = client.post(url, {"status": "excluded"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 409
    assert k.elector(member).status == "voted"
    plain = client.post(url, {"status": "excluded", "reason": "moved"})
    assert plain.status_code == 302
    assert k.elector(member).reason == "moved"


@pytest.mark.parametrize("who", ["rep_s3", "member", "regional", "other_union", "district2"])
def test_refused_the_list_and_the_marks(client, known, who):
    k, w = known, known.world
    other = f.RoleFactory(
        union=f.UnionFactory(short_name="PCS"), kind=Role.Kind.NATIONAL_ORGANISER
    ).user
    user = {
        "rep_s3": k.rep_s3,
        "member": k.people[w.s1.pk][0].user,
        "regional": k.regional,
        "other_union": other,
        "district2": k.district2,
    }[who]
    expected = {403, 404} if who == "other_union" else {403}
    client.force_login(user)
    target = k.elector(k.people[w.s1.pk][3])
    page = client.get(reverse("strikes:turnout-school", args=[k.tracked.pk, w.s1.pk]))
    assert page.status_code in expected
    mark = client.post(
        reverse("strikes:turnout-mark", args=[k.tracked.pk, target.pk]), {"status": "voted"}
    )
    assert mark.status_code in expected
    chase = client.post(reverse("strikes:turnout-chase", args=[k.tracked.pk, w.s1.pk]))
    assert chase.status_code in expected
    assert k.elector(k.people[w.s1.pk][3]).status == "not_yet"
    assert not Notification.objects.filter(kind=Notification.Kind.TURNOUT).exists()
    assert k.people[w.s1.pk][3].user.email not in page.content.decode()


def test_rep_messages_everyone_not_yet_voted(client, known):
    k, w = known, known.world
    client.force_login(k.rep)
    url = reverse("strikes:turnout-chase", args=[k.tracked.pk, w.s1.pk])
    assert client.post(url).status_code == 302
    rows = Notification.objects.filter(kind=Notification.Kind.TURNOUT)
    assert list(rows.values_list("user_id", flat=True)) == [k.people[w.s1.pk][3].user_id]
    client.post(url)
    assert rows.count() == 1


# --- Official figures and tracking ----------------------------------------------------------


def test_only_a_national_organiser_enters_official_figures(client, known):
    k, w = known, known.world
    url = reverse("strikes:turnout-official", args=[k.tracked.pk])
    client.force_login(k.regional)
    assert client.post(url, {"electorate": 9, "votes_cast": 1}).status_code == 403
    client.force_login(k.national)
    bad = client.post(url, {"electorate": 9, "votes_cast": 10})
    assert bad.status_code == 400
    nourn = client.post(url, {"urn": 12345678, "electorate": 9, "votes_cast": 1})
    assert nourn.status_code == 400
    ok = client.post(url, {"urn": w.s3.urn, "electorate": 3, "votes_cast": 2})
    assert ok.status_code == 302
    board = sel.turnout_board(tracked_ballot=k.tracked, viewer=None, place=w.d2)
    assert _row(board, w.s3.pk).official_turnout == Decimal("66.7")


def test_national_organiser_starts_tracking(client, world, national):
    f.MembershipFactory(union=world.union, workplace=world.s1, staff_group="teacher")
    client.force_login(national)
    url = reverse("strikes:turnout-new")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "", "kind": "election", "opens_on": "x"})
    assert bad.status_code == 400
    response = client.post(
        url,
        {
            "title": "General secretary election",
            "kind": "election",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=20)).isoformat(),
            "target_pct": "40",
        },
    )
    assert response.status_code == 302
    member = f.MembershipFactory(union=world.union, workplace=world.s2)
    client.force_login(member.user)
    assert client.get(url).status_code == 403


def test_a_long_board_shows_the_places_needing_most_first_then_all(client, known, monkeypatch):
    from strikes.views import turnout as views

    monkeypatch.setattr(views, "BOARD_ROWS", 1)
    k, w = known, known.world
    client.force_login(k.national)
    url = reverse("strikes:turnout-board", args=[k.tracked.pk])
    short = client.get(url, {"region": w.north.pk})
    assert [r.place_id for r in short.context["rows"]] == [w.d2.pk]
    assert "Show all 2 places" in short.content.decode()
    full = client.get(url, {"region": w.north.pk, "all": "1"})
    assert [r.place_id for r in full.context["rows"]] == [w.d2.pk, w.d1.pk]


def test_beat_runs_the_reminders_and_the_retention(settings):
    tasks = {v["task"] for v in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "strikes.tasks.turnout_reminders_task" in tasks
    assert "strikes.tasks.turnout_retention_task" in tasks


def test_the_beat_tasks_run_the_services(known):
    from strikes.tasks import turnout_reminders_task, turnout_retention_task

    assert turnout_retention_task() == {"ballots": 0, "marks": 0, "messages": 0}
    assert turnout_reminders_task() == {"ballots": 0, "queued": 0}  # closes in 10 days
