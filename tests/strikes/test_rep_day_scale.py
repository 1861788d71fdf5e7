"""The rep's day page at any size: lines fold beyond a threshold and open one at a time; the
members not signed up come a page at a time, searchable, with one action that nudges them all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kernel.models import AuditEntry
from members.models import Membership, User
from schools.models import Entrance, Site
from strikes.models import Notification, Shift
from strikes.selectors.lines import INLINE_SHIFTS, NUDGE_PAGE_SIZE
from strikes.services.signups import signup_create
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(world):
    """Four lines of 20 shifts (80 > INLINE_SHIFTS) at Heaton Primary, its rep, 120 members."""
    assert INLINE_SHIFTS < 4 * 20

    class B:
        pass

    b = B()
    b.world = world
    b.school = world.s1
    b.day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=b.day, school=b.school)
    site = Site.objects.get(school=b.school, is_main=True)
    entrances = [Entrance.objects.get(site=site, is_main=True)] + [
        Entrance.objects.create(site=site, name=f"Gate {i}") for i in (2, 3, 4)
    ]
    b.lines = [f.PicketLineFactory(strike_day=b.day, entrance=e) for e in entrances]
    start = f.london(b.day.date, "07:00")
    for line in b.lines:
        Shift.objects.bulk_create(
            Shift(
                picket_line=line,
                starts_at=start + dt.timedelta(minutes=15 * k),
                ends_at=start + dt.timedelta(minutes=15 * (k + 1)),
                capacity=6,
                minimum_wanted=2,
            )
            for k in range(20)
        )
    b.rep = f.RoleFactory(kind="rep", school=b.school, union=world.union).user
    users = User.objects.bulk_create(
        User(email=f"m{i}@example.org", full_name=f"Member {i:03d}") for i in range(120)
    )
    Membership.objects.bulk_create(
        Membership(user=u, union=world.union, workplace=b.school) for u in users
    )
    b.users = users
    b.url = reverse("strikes:rep-day", args=[b.day.pk, b.school.pk])
    return b


def _shifts_shown(body: str, line) -> int:
    return sum(f'id="shift-{s.pk}"' in body for s in line.shifts.all())


def test_only_one_line_is_open_and_the_others_summarised(client, big):
    client.force_login(big.rep)
    body = client.get(big.url).content.decode()
    open_lines = [line for line in big.lines if _shifts_shown(body, line)]
    assert len(open_lines) == 1
    assert _shifts_shown(body, open_lines[0]) == 20
    assert body.count('20 shifts, <span class="badge bad">20 below the minimum</span>') == 3
    for line in big.lines:
        if line not in open_lines:
            assert f'href="?line={line.pk}#line-{line.pk}"' in body


def test_a_folded_line_opens_plain_and_by_htmx(client, big):
    client.force_login(big.rep)
    last = big.lines[-1]
    page = client.get(big.url + f"?line={last.pk}").content.decode()
    assert _shifts_shown(page, last) == 20
    part = client.get(big.url + f"?line={last.pk}", headers={"HX-Request": "true"})
    body = part.content.decode()
    assert "<html" not in body and f'id="line-{last.pk}"' in body
    assert _shifts_shown(body, last) == 20
    assert _shifts_shown(body, big.lines[0]) == 0


def test_a_line_of_another_school_is_not_opened(client, big, world):
    other_day_line = f.PicketLineFactory(
        strike_day=big.day, entrance=Entrance.objects.get(site__school=world.s2, is_main=True)
    )
    client.force_login(big.rep)
    response = client.get(big.url + f"?line={other_day_line.pk}", headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_members_not_signed_up_come_a_page_at_a_time(client, big):
    signup_create(shift=big.lines[0].shifts.first(), user=big.users[0], acting_user=big.users[0])
    client.force_login(big.rep)
    first = client.get(big.url).content.decode()
    # The page itself does not wait for the list: it comes in its own request (htmx on load),
    # or with the page when asked for without JavaScript.
    assert 'hx-get="' + big.url + '?part=not-signed-up"' in first
    assert 'name="user"' not in first and 'href="?nudges=1#not-signed-up"' in first
    body = client.get(big.url + "?nudges=1").content.decode()
    # 119 of the 120 members are not signed up; one page of 50 is shown.
    assert "119 members have not signed up." in body
    assert body.count('name="user"') == NUDGE_PAGE_SIZE
    assert "Page 1 of 3" in body
    last = client.get(big.url + "?page=3").content.decode()
    assert last.count('name="user"') == 119 - 2 * NUDGE_PAGE_SIZE
    assert "Member 000" not in body  # signed up, so not listed


def test_the_search_finds_members_by_name_and_swaps_in_place(client, big):
    client.force_login(big.rep)
    response = client.get(
        big.url + "?part=not-signed-up&q=Member 11", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="not-signed-up"' in body
    assert body.count('name="user"') == 10  # Member 110 .. 119
    assert "10 matches" in body


def test_nudge_everyone_queues_each_once_a_day_and_skips_those_who_opted_out(client, big):
    User.objects.filter(pk=big.users[5].pk).update(reminders_opt_out=True)
    client.force_login(big.rep)
    nudge = reverse("strikes:rep-nudge", args=[big.day.pk, big.school.pk])
    response = client.post(nudge, {"all": "1"})
    assert response.status_code == 302
    nudges = Notification.objects.filter(kind=Notification.Kind.NUDGE, strike_day=big.day)
    # Every member of the school but the one who asked not to be nudged.
    expected = Membership.objects.filter(workplace=big.school).count() - 1
    assert nudges.count() == expected
    assert not nudges.filter(user=big.users[5]).exists()
    client.post(nudge, {"all": "1"})
    assert nudges.count() == expected  # the second press adds nobody
    entry = AuditEntry.objects.filter(action="members.nudged_all").order_by("at")
    assert [e.detail["count"] for e in entry] == [expected, 0]


def test_a_member_of_the_school_cannot_nudge_everyone(client, big):
    client.force_login(big.users[1])
    nudge = reverse("strikes:rep-nudge", args=[big.day.pk, big.school.pk])
    assert client.post(nudge, {"all": "1"}).status_code in (403, 404)
    assert not Notification.objects.filter(kind=Notification.Kind.NUDGE).exists()


def test_the_page_costs_the_same_queries_at_any_size(client, big, django_assert_max_num_queries):
    client.force_login(big.rep)
    with django_assert_max_num_queries(30) as small:
        client.get(big.url)
    users = User.objects.bulk_create(
        User(email=f"x{i}@example.org", full_name=f"Extra {i:04d}") for i in range(1000)
    )
    Membership.objects.bulk_create(
        Membership(user=u, union=big.world.union, workplace=big.school) for u in users
    )
    site = Site.objects.get(school=big.school, is_main=True)
    start = f.london(big.day.date, "07:00")
    for i in range(10):
        line = f.PicketLineFactory(
            strike_day=big.day, entrance=Entrance.objects.create(site=site, name=f"Door {i}")
        )
        Shift.objects.bulk_create(
            Shift(
                picket_line=line,
                starts_at=start + dt.timedelta(minutes=15 * k),
                ends_at=start + dt.timedelta(minutes=15 * (k + 1)),
                capacity=6,
                minimum_wanted=2,
            )
            for k in range(40)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(big.url).content.decode()
    assert len(body) < 80_000


def test_an_opened_line_shows_each_shift_with_its_people_escaped(client, big):
    """The opened line's shifts (built in Python for speed) say who is on each, what they
    are, and escape whatever a name holds."""
    line = big.lines[0]
    shift = line.shifts.order_by("starts_at").first()
    hostile = User.objects.create(email="h@example.org", full_name='<img src=x onerror="1">')
    f.SignupFactory(shift=shift, user=hostile)
    f.SignupFactory(
        shift=shift, user=None, supporter=f.SupporterFactory(name="Pat Parent"), is_supporter=True
    )
    f.SignupFactory(shift=shift, user=None, is_walk_up=True, walk_up_name="Sam Walker")
    Shift.objects.filter(pk=shift.pk).update(booked=1)
    client.force_login(big.rep)
    body = client.get(big.url + f"?line={line.pk}").content.decode()
    block = body.split(f'id="shift-{shift.pk}"', 1)[1].split('<div class="shift"', 1)[0]
    assert "07:00–07:15" in block and "1/6 booked</span>, minimum 2" in block
    assert "Below the minimum wanted." in block
    assert "&lt;img src=x onerror=&quot;1&quot;&gt;" in block and "<img" not in block
    assert 'Pat Parent <span class="muted">(supporter)</span>' in block
    assert 'Sam Walker <span class="muted">(walk-up)</span>' in block
    assert reverse("strikes:rep-shift-edit", args=[shift.pk]) in block
    assert reverse("strikes:rep-shift-remove", args=[shift.pk]) in block
    empty = body.split(f'id="shift-{shift.pk + 1}"', 1)[1].split("</ul>", 1)[0]
    assert '<li class="empty">Nobody yet.</li>' in empty


def test_people_are_numbered_not_named_for_a_viewer_without_the_roster():
    from types import SimpleNamespace

    from strikes.views._shift_rows import shift_rows

    start = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
    person = SimpleNamespace(
        user_id=1, user=SimpleNamespace(display_name="Ann"), supporter_id=None, status="arrived"
    )
    shift = SimpleNamespace(
        pk=9,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        booked=1,
        capacity=8,
        minimum_wanted=1,
        people=[person],
    )
    html = shift_rows(
        [shift],
        show_names=False,
        advised=6,
        advice="No more than six.",
        edit_url=("/e/", "/"),
        remove_url=("/r/", "/"),
        csrf_token="tok",
    )
    assert "Picket 1" in html and "Ann" not in html
    assert '<p class="badge warn">No more than six.</p>' in html  # capacity 8 > 6 advised
    assert "Arrived" in html and 'value="tok"' in html
