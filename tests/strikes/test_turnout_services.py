"""Turnout tracking: the electorate, marks and their counts, reminders, the link, retention."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from kernel.errors import DomainError
from kernel.models import AuditEntry
from strikes.models import Notification
from strikes.models.turnout import Elector, TrackedBallot, TurnoutCount, TurnoutDay
from strikes.services import turnout as svc
from strikes.turnout_counters import turnout_counts_check, turnout_counts_rebuild
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def electorate(world, national):
    """Teachers of the NEU: 4 at s1, 2 at s2 (d1), 2 at s3 (d2), 2 at s4 (d3, London).
    Not in it: a support worker at s1, a PCS member at s1, a lapsed member at s2."""
    people = {}
    for school, n in ((world.s1, 4), (world.s2, 2), (world.s3, 2), (world.s4, 2)):
        people[school.pk] = [
            f.MembershipFactory(union=world.union, workplace=school, staff_group="teacher")
            for _ in range(n)
        ]
    f.MembershipFactory(union=world.union, workplace=world.s1, staff_group="support")
    f.MembershipFactory(union=f.UnionFactory(short_name="PCS"), workplace=world.s1)
    f.MembershipFactory(union=world.union, workplace=world.s2, is_active=False)
    tracked = svc.tracked_ballot_create(
        union=world.union,
        title="Pay ballot 2027",
        opens_on=TODAY - dt.timedelta(days=10),
        closes_on=TODAY + dt.timedelta(days=10),
        staff_groups=["teacher"],
        nations=[world.nation],
        acting_user=national,
    )
    return tracked, people


def _elector(tracked, membership):
    return Elector.objects.get(tracked_ballot=tracked, membership=membership)


def _count(tracked, level, place_id):
    c = TurnoutCount.objects.get(tracked_ballot=tracked, level=level, place_id=place_id)
    return (c.entitled, c.excluded, c.voted)


def test_electorate_is_the_active_members_of_the_constituency(world, electorate):
    tracked, _ = electorate
    assert Elector.objects.filter(tracked_ballot=tracked).count() == 10
    assert _count(tracked, "union", 0) == (10, 0, 0)
    assert _count(tracked, "nation", world.nation.pk) == (10, 0, 0)
    assert _count(tracked, "region", world.north.pk) == (8, 0, 0)
    assert _count(tracked, "district", world.d1.pk) == (6, 0, 0)
    assert _count(tracked, "school", world.s1.pk) == (4, 0, 0)
    assert _count(tracked, "school", world.s4.pk) == (2, 0, 0)


def test_marks_move_every_level_and_the_day(world, electorate, national):
    tracked, people = electorate
    s1 = people[world.s1.pk]
    svc.elector_mark(
        elector_id=_elector(tracked, s1[0]).pk,
        status="voted",
        acting_user=s1[0].user,
        by_self=True,
    )
    svc.elector_mark(
        elector_id=_elector(tracked, s1[1]).pk, status="voted", acting_user=national, by_self=False
    )
    svc.elector_mark(
        elector_id=_elector(tracked, s1[2]).pk,
        status="excluded",
        reason="absent",
        acting_user=national,
        by_self=False,
    )
    assert _count(tracked, "school", world.s1.pk) == (4, 1, 2)
    assert _count(tracked, "district", world.d1.pk) == (6, 1, 2)
    assert _count(tracked, "region", world.north.pk) == (8, 1, 2)
    assert _count(tracked, "union", 0) == (10, 1, 2)
    assert _count(tracked, "region", world.south.pk) == (2, 0, 0)
    day = TurnoutDay.objects.get(tracked_ballot=tracked, level="union", place_id=0)
    assert (day.day, day.voted) == (TODAY, 2)
    # Undo and re-mark: counts follow, nothing counted twice.
    svc.elector_mark(
        elector_id=_elector(tracked, s1[1]).pk,
        status="not_yet",
        acting_user=national,
        by_self=False,
    )
    _, changed = svc.elector_mark(
        elector_id=_elector(tracked, s1[0]).pk, status="voted", acting_user=None, by_self=True
    )
    assert changed is False
    assert _count(tracked, "school", world.s1.pk) == (4, 1, 1)
    assert turnout_counts_check(tracked_ballot_id=tracked.pk) == []


def test_a_members_own_mark_is_logged_without_them(world, electorate):
    tracked, people = electorate
    member = people[world.s2.pk][0]
    svc.elector_mark(
        elector_id=_elector(tracked, member).pk,
        status="voted",
        acting_user=member.user,
        by_self=True,
    )
    entry = AuditEntry.objects.get(action="turnout.mark")
    assert entry.actor_id is None
    assert entry.detail["by"] == "self"


def test_members_cannot_exclude_themselves_and_reasons_are_required(world, electorate, national):
    tracked, people = electorate
    elector = _elector(tracked, people[world.s1.pk][0])
    with pytest.raises(DomainError) as exc:
        svc.elector_mark(
            elector_id=elector.pk, status="excluded", reason="left", acting_user=None, by_self=True
        )
    assert exc.value.code == "turnout_bad_mark"
    with pytest.raises(DomainError):
        svc.elector_mark(
            elector_id=elector.pk, status="excluded", acting_user=national, by_self=False
        )
    with pytest.raises(DomainError):
        svc.elector_mark(elector_id=elector.pk, status="maybe", acting_user=None, by_self=True)
    assert _count(tracked, "school", world.s1.pk) == (4, 0, 0)


def test_no_marks_after_the_close(world, electorate):
    tracked, people = electorate
    elector = _elector(tracked, people[world.s1.pk][0])
    with pytest.raises(DomainError) as exc:
        svc.elector_mark(
            elector_id=elector.pk,
            status="voted",
            acting_user=None,
            by_self=True,
            now=tracked.closes_at,
        )
    assert exc.value.code == "turnout_closed"


def test_rebuild_agrees_with_what_the_marks_kept(world, electorate, national):
    tracked, people = electorate
    for m in people[world.s3.pk] + people[world.s4.pk][:1]:
        svc.elector_mark(
            elector_id=_elector(tracked, m).pk, status="voted", acting_user=national, by_self=False
        )
    before = sorted(
        TurnoutCount.objects.filter(tracked_ballot=tracked).values_list(
            "level", "place_id", "entitled", "excluded", "voted"
        )
    )
    TurnoutCount.objects.filter(tracked_ballot=tracked, level="union").update(voted=99)
    assert [d.field for d in turnout_counts_check(tracked_ballot_id=tracked.pk)] == ["voted"]
    turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
    after = sorted(
        TurnoutCount.objects.filter(tracked_ballot=tracked).values_list(
            "level", "place_id", "entitled", "excluded", "voted"
        )
    )
    assert before == after
    assert turnout_counts_check(tracked_ballot_id=tracked.pk) == []


def test_link_marks_until_the_close_and_refuses_tampering(world, electorate):
    tracked, people = electorate
    elector = _elector(tracked, people[world.s1.pk][0])
    token = svc.turnout_link_token(elector=elector)
    assert svc.turnout_link_read(token) == elector.pk
    with pytest.raises(signing.BadSignature):
        svc.turnout_link_read(token[:-2] + "xx")
    TrackedBallot.objects.filter(pk=tracked.pk).update(
        opens_on=TODAY - dt.timedelta(days=20), closes_on=TODAY - dt.timedelta(days=1)
    )
    elector.tracked_ballot.refresh_from_db()
    old = svc.turnout_link_token(elector=elector)
    with pytest.raises(svc.LinkExpired):
        svc.turnout_link_read(old)


def _reminders():
    return Notification.objects.filter(kind=Notification.Kind.TURNOUT)


def test_reminders_go_only_to_those_not_yet_voted_once_each(world, electorate, national):
    tracked, people = electorate
    voted = people[world.s1.pk][0]
    svc.elector_mark(
        elector_id=_elector(tracked, voted).pk, status="voted", acting_user=None, by_self=True
    )
    svc.elector_mark(
        elector_id=_elector(tracked, people[world.s1.pk][1]).pk,
        status="excluded",
        reason="left",
        acting_user=national,
        by_self=False,
    )
    opted_out = people[world.s2.pk][0].user
    opted_out.reminders_opt_out = True
    opted_out.save(update_fields=["reminders_opt_out"])
    closes = tracked.closes_on
    # Ten days out: nothing yet.
    assert svc.turnout_reminders_schedule(
        now=f.london(closes - dt.timedelta(days=10), "12:00")
    ) == {
        "ballots": 0,
        "queued": 0,
    }
    week = f.london(closes - dt.timedelta(days=7), "10:05")
    result = svc.turnout_reminders_schedule(now=week)
    assert result == {"ballots": 1, "queued": 7}  # 10 less voted, excluded, opted out
    assert svc.turnout_reminders_schedule(now=week) == {"ballots": 0, "queued": 0}
    keys = set(_reminders().values_list("key", flat=True))
    assert all(k.startswith(f"turnout:week:{tracked.pk}:") for k in keys)
    assert voted.user_id not in set(_reminders().values_list("user_id", flat=True))
    # Someone votes; the two-day reminder skips them, the week one still does not repeat.
    late = people[world.s4.pk][0]
    svc.elector_mark(
        elector_id=_elector(tracked, late).pk,
        status="voted",
        acting_user=None,
        by_self=True,
        now=week,
    )
    two = f.london(closes - dt.timedelta(days=2), "10:00")
    assert svc.turnout_reminders_schedule(now=two)["queued"] == 6
    last = f.london(closes, "10:00")
    assert svc.turnout_reminders_schedule(now=last)["queued"] == 6
    assert svc.turnout_reminders_schedule(now=last)["queued"] == 0
    assert _reminders().count() == 7 + 6 + 6
    assert _reminders().filter(user=late.user).count() == 1  # the week one, before they voted


def test_a_reminder_for_someone_who_since_voted_is_not_sent(world, electorate, mailoutbox):
    from strikes.services.delivery import notification_deliver

    tracked, people = electorate
    member = people[world.s3.pk][0]
    svc.turnout_chase_send(tracked_ballot=tracked, school=world.s3, acting_user=None)
    rows = {n.user_id: n for n in _reminders()}
    assert set(rows) == {m.user_id for m in people[world.s3.pk]}
    svc.elector_mark(
        elector_id=_elector(tracked, member).pk, status="voted", acting_user=None, by_self=True
    )
    assert notification_deliver(notification_id=rows[member.user_id].pk) == "cancelled"
    other = people[world.s3.pk][1]
    assert notification_deliver(notification_id=rows[other.user_id].pk) == "sent"
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Pay ballot 2027" in body
    token = body.split("/turnout/v/")[1].split("/")[0]
    assert svc.turnout_link_read(token) == _elector(tracked, other).pk
    # Pressing "message everyone" again the same day sends nothing more.
    assert svc.turnout_chase_send(tracked_ballot=tracked, school=world.s3, acting_user=None) == 0


def test_retention_deletes_marks_and_keeps_counts(world, electorate, national, settings):
    tracked, people = electorate
    for m in people[world.s1.pk][:3]:
        svc.elector_mark(
            elector_id=_elector(tracked, m).pk, status="voted", acting_user=None, by_self=True
        )
    svc.turnout_chase_send(tracked_ballot=tracked, school=world.s1, acting_user=None)
    counts = sorted(
        TurnoutCount.objects.filter(tracked_ballot=tracked).values_list(
            "level", "place_id", "entitled", "excluded", "voted"
        )
    )
    settings.TURNOUT_MARKS_RETENTION_DAYS = 30
    closes = tracked.closes_on
    too_soon = svc.turnout_marks_delete(now=f.london(closes + dt.timedelta(days=30), "12:00"))
    assert too_soon.ballots == []
    done = svc.turnout_marks_delete(now=f.london(closes + dt.timedelta(days=31), "12:00"))
    assert done.ballots == [tracked.pk]
    assert done.marks == 10
    assert done.messages == 1
    assert not Elector.objects.filter(tracked_ballot=tracked).exists()
    assert not _reminders().exists()
    assert (
        sorted(
            TurnoutCount.objects.filter(tracked_ballot=tracked).values_list(
                "level", "place_id", "entitled", "excluded", "voted"
            )
        )
        == counts
    )
    assert TurnoutDay.objects.filter(tracked_ballot=tracked).exists()
    tracked.refresh_from_db()
    assert tracked.marks_deleted_at is not None
    with pytest.raises(DomainError):
        turnout_counts_rebuild(tracked_ballot_id=tracked.pk)
    again = svc.turnout_marks_delete(now=f.london(closes + dt.timedelta(days=40), "12:00"))
    assert again.ballots == []


def test_erasure_unnames_the_mark_and_export_lists_it(world, electorate):
    from members.privacy import retention_sweep, user_data_collect, user_erase

    tracked, people = electorate
    member = people[world.s1.pk][0]
    svc.elector_mark(
        elector_id=_elector(tracked, member).pk, status="voted", acting_user=None, by_self=True
    )
    data = user_data_collect(user=member.user)
    assert [(d["ballot"], d["mark"]) for d in data["ballot_marks"]] == [
        ("Pay ballot 2027", "Voted")
    ]
    user_erase(user=member.user, acting_user=member.user)
    assert svc.turnout_data_for_user(member.user) == []
    assert Elector.objects.filter(tracked_ballot=tracked, membership__isnull=True).count() == 1
    assert _count(tracked, "school", world.s1.pk) == (4, 0, 1)
    assert turnout_counts_check(tracked_ballot_id=tracked.pk) == []
    # The registry's retention sweep covers the marks too (nothing closed yet here).
    outcomes = retention_sweep(older_than_days=0, dry_run=True)
    assert any("ballot mark" in o.summary() for o in outcomes)


def test_the_my_data_page_shows_ballot_marks(client, world, electorate):
    tracked, people = electorate
    member = people[world.s2.pk][0]
    svc.elector_mark(
        elector_id=_elector(tracked, member).pk, status="voted", acting_user=None, by_self=True
    )
    client.force_login(member.user)
    html = client.get(reverse("members:my-data")).content.decode()
    assert "Ballots: whether you have voted" in html
    assert "Pay ballot 2027" in html


def test_tracking_an_industrial_action_ballot_takes_its_constituency(world, dispute, national):
    f.MembershipFactory(union=world.union, workplace=world.s1, staff_group="teacher")
    f.MembershipFactory(union=world.union, workplace=world.s1, staff_group="support")
    ballot = dispute.ballots.get()
    tracked = svc.tracked_ballot_create(
        union=world.union,
        title="Pay 2026 ballot",
        opens_on=ballot.opens_on,
        closes_on=ballot.closes_on,
        ballot=ballot,
        acting_user=national,
    )
    assert tracked.staff_groups == ["teacher"]
    assert list(tracked.nations.all()) == [world.nation]
    assert tracked.electors.count() == 1
    other = f.UnionFactory(short_name="PCS")
    with pytest.raises(DomainError):
        svc.tracked_ballot_create(
            union=other,
            title="x",
            opens_on=ballot.opens_on,
            closes_on=ballot.closes_on,
            ballot=ballot,
            acting_user=national,
        )


def test_refresh_adds_members_who_joined_since(world, electorate, national):
    tracked, _ = electorate
    f.MembershipFactory(union=world.union, workplace=world.s3, staff_group="teacher")
    assert svc.tracked_ballot_electorate_refresh(tracked_ballot=tracked, acting_user=national) == 1
    assert svc.tracked_ballot_electorate_refresh(tracked_ballot=tracked, acting_user=national) == 0
    assert _count(tracked, "school", world.s3.pk) == (3, 0, 0)
    assert _count(tracked, "union", 0) == (11, 0, 0)


def test_the_counter_commands_find_and_mend_a_wrong_count(world, electorate):
    from django.core.management import CommandError, call_command

    tracked, _ = electorate
    out = io.StringIO()
    call_command("turnout_counters_check", stdout=out)
    assert "All turnout counts agree" in out.getvalue()
    TurnoutCount.objects.filter(
        tracked_ballot=tracked, level="school", place_id=world.s2.pk
    ).update(voted=5)
    with pytest.raises(CommandError):
        call_command("turnout_counters_check", stdout=io.StringIO())
    call_command("turnout_counters_rebuild", ballot=tracked.pk, stdout=io.StringIO())
    assert _count(tracked, "school", world.s2.pk) == (2, 0, 0)
    with pytest.raises(CommandError):
        call_command("turnout_counters_check", ballot=999999, stdout=io.StringIO())
