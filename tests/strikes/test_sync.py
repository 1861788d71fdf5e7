"""The offline queue's server side: ``POST /rep/sync/`` applies each queued change once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditEntry
from strikes import counters
from strikes.models import PicketLine, PicketReport, Shift, Signup, SyncedAction
from strikes.services import lines as svc
from strikes.services.lines import line_window
from strikes.services.sync import acted_at_bounded
from tests import factories as f

URL = "/rep/sync/"


@pytest.fixture
def gate(world, rule_sets, strike_morning):
    """Today is a strike day at Heaton Primary: a shift at its gate with four booked."""

    class S:
        pass

    s = S()
    s.w = world
    s.day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union), date=timezone.localdate()
    )
    f.CalledOutSchoolFactory(strike_day=s.day, school=world.s1)
    s.rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    # One long shift, so the line's check-in window is open whenever the tests run.
    svc.shifts_create_from_pattern(
        strike_day=s.day,
        school=world.s1,
        pattern=[("00:30", "23:30")],
        capacity=6,
        minimum_wanted=2,
        acting_user=s.rep,
    )
    s.line = PicketLine.objects.get(strike_day=s.day, school=world.s1, entrance__is_main=True)
    s.shift = s.line.shifts.order_by("starts_at").first()
    s.people = [
        f.SignupFactory(
            shift=s.shift, user=f.MembershipFactory(workplace=world.s1, union=world.union).user
        )
        for _ in range(4)
    ]
    Shift.objects.filter(pk=s.shift.pk).update(booked=4)
    return s


def ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def checkin(s, person, nonce, at, kind="checkin"):
    action = "arrived" if kind == "checkin" else "undo"
    return {
        "nonce": nonce,
        "kind": kind,
        "line": s.line.pk,
        "at": ms(at),
        "fields": {"action": action, "signup": str(person.pk), "nonce": nonce},
    }


def queue_for(s, now):
    """Three check-ins, a walk-up, one check-in undone, a report: as the phone sends them."""
    t = [now - dt.timedelta(minutes=40 - i) for i in range(6)]
    return [
        checkin(s, s.people[0], "n-checkin-0", t[0]),
        checkin(s, s.people[1], "n-checkin-1", t[1]),
        checkin(s, s.people[2], "n-checkin-2", t[2]),
        {
            "nonce": "n-walkup-1",
            "kind": "walkup",
            "line": s.line.pk,
            "at": ms(t[3]),
            "fields": {"action": "walk_up", "shift": str(s.shift.pk), "name": "Sam Walker"},
        },
        checkin(s, s.people[1], "n-undo-1", t[4], kind="undo"),
        {
            "nonce": "n-report-1",
            "kind": "report",
            "line": s.line.pk,
            "at": ms(t[5]),
            "fields": {"school_status": "closed", "pickets": "3", "supporters": "0"},
        },
    ]


def send(client, queue):
    return client.post(URL, json.dumps({"actions": queue}), content_type="application/json")


def state(s):
    return sorted(
        (x.walk_up_name or str(x.user_id), x.status, x.arrived_at)
        for x in Signup.objects.filter(shift=s.shift)
    )


# --- Who may send ----------------------------------------------------------------------------


def test_an_expired_session_is_told_to_sign_in_and_nothing_applies(client, gate):
    response = send(client, queue_for(gate, timezone.now()))
    assert response.status_code == 401
    assert response.json()["sign_in"]
    assert not SyncedAction.objects.exists()
    assert not Signup.objects.filter(status="arrived").exists()


def test_a_member_who_is_no_rep_is_refused(client, gate):
    client.force_login(gate.people[0].user)
    response = send(client, queue_for(gate, timezone.now()))
    assert response.status_code == 403
    assert not Signup.objects.filter(status="arrived").exists()


def test_a_rep_of_another_school_cannot_touch_this_line(client, gate):
    other = f.RoleFactory(kind="rep", school=gate.w.s2, union=gate.w.union).user
    client.force_login(other)
    response = send(client, queue_for(gate, timezone.now()))
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["status"] for r in results} == {"refused"}
    assert "not one you run" in results[0]["message"]
    assert not Signup.objects.filter(status="arrived").exists()
    assert not PicketReport.objects.exists()


def test_a_get_is_not_allowed(client, gate):
    client.force_login(gate.rep)
    assert client.get(URL).status_code == 405


# --- Applying the queue ----------------------------------------------------------------------


def test_the_queue_applies_in_order_with_the_reps_times(
    client, gate, django_assert_max_num_queries
):
    client.force_login(gate.rep)
    counters.rebuild(strike_day_id=gate.day.pk)  # the fixture booked places by hand
    now = timezone.now()
    queue = queue_for(gate, now)
    # Each change costs a bounded number of queries, whatever the size of the line.
    with django_assert_max_num_queries(25 * len(queue)):
        response = send(client, queue)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * 6
    people = {x.pk: x for x in Signup.objects.filter(shift=gate.shift)}
    first, second, third = (people[p.pk] for p in gate.people[:3])
    assert first.status == "arrived" and third.status == "arrived"
    assert second.status == "registered" and second.arrived_at is None
    assert people[gate.people[3].pk].status == "registered"
    walk_up = Signup.objects.get(shift=gate.shift, is_walk_up=True)
    assert walk_up.walk_up_name == "Sam Walker" and walk_up.status == "arrived"
    # The times the rep acted, not the time the queue arrived.
    assert abs(first.arrived_at - (now - dt.timedelta(minutes=40))) < dt.timedelta(seconds=1)
    assert abs(walk_up.arrived_at - (now - dt.timedelta(minutes=37))) < dt.timedelta(seconds=1)
    report = PicketReport.objects.get()
    assert abs(report.reported_at - (now - dt.timedelta(minutes=35))) < dt.timedelta(seconds=1)
    assert report.school_status == "closed" and report.pickets == 3
    gate.line.refresh_from_db()
    assert gate.line.latest_report_id == report.pk
    assert counters.check(strike_day_id=gate.day.pk) == []
    assert AuditEntry.objects.filter(action="offline_action.synced").count() == 6


def test_a_replayed_queue_changes_nothing(client, gate):
    client.force_login(gate.rep)
    queue = queue_for(gate, timezone.now())
    send(client, queue)
    before = state(gate)
    reports = list(PicketReport.objects.values_list("pk", "reported_at"))
    again = send(client, queue).json()["results"]
    assert [r["status"] for r in again] == ["already"] * 6
    assert state(gate) == before
    assert list(PicketReport.objects.values_list("pk", "reported_at")) == reports
    assert SyncedAction.objects.count() == 6


def test_a_queue_cut_off_halfway_and_sent_again_applies_the_rest_once(client, gate):
    client.force_login(gate.rep)
    queue = queue_for(gate, timezone.now())
    send(client, queue[:3])
    results = send(client, queue).json()["results"]
    assert [r["status"] for r in results] == ["already"] * 3 + ["applied"] * 3
    assert Signup.objects.filter(shift=gate.shift, status="arrived").count() == 3


def test_an_undo_of_a_walk_up_added_offline_removes_it(client, gate):
    client.force_login(gate.rep)
    now = timezone.now()
    walk_up = queue_for(gate, now)[3]
    undo = {"nonce": "n-undo-walk", "kind": "undo", "line": gate.line.pk, "at": ms(now)}
    undo["walk_up"] = walk_up["nonce"]
    results = send(client, [walk_up, undo]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert Signup.objects.get(is_walk_up=True).status == "cancelled"


def test_a_change_to_a_cancelled_shift_is_refused_with_the_reason(client, gate):
    client.force_login(gate.rep)
    Shift.objects.filter(pk=gate.shift.pk).update(cancelled_at=timezone.now())
    results = send(client, queue_for(gate, timezone.now())[:1]).json()["results"]
    assert results[0]["status"] == "refused"
    assert results[0]["message"] == "The shift was cancelled, so this was not applied."
    assert Signup.objects.get(pk=gate.people[0].pk).status == "registered"
    # Sent again, the same answer, and still nothing applied.
    again = send(client, queue_for(gate, timezone.now())[:1]).json()["results"]
    assert again[0]["status"] == "refused" and "cancelled" in again[0]["message"]


def test_a_change_for_a_cancelled_strike_day_is_refused(client, gate):
    client.force_login(gate.rep)
    type(gate.day).objects.filter(pk=gate.day.pk).update(status="cancelled")
    results = send(client, queue_for(gate, timezone.now())[5:]).json()["results"]
    assert results[0]["status"] == "refused"
    assert "strike day was cancelled" in results[0]["message"]
    assert not PicketReport.objects.exists()


def test_one_refusal_does_not_lose_the_changes_after_it(client, gate):
    client.force_login(gate.rep)
    queue = queue_for(gate, timezone.now())
    queue[0]["fields"]["signup"] = "999999"
    results = send(client, queue).json()["results"]
    assert [r["status"] for r in results] == ["refused"] + ["applied"] * 5
    assert PicketReport.objects.count() == 1


def test_a_time_in_the_future_or_before_the_day_is_kept_within_bounds(gate):
    now = timezone.now()
    assert acted_at_bounded(now + dt.timedelta(days=3), strike_day=gate.day) <= timezone.now()
    early = acted_at_bounded(now - dt.timedelta(days=30), strike_day=gate.day)
    assert timezone.localtime(early).date() == gate.day.date
    assert acted_at_bounded(None, strike_day=gate.day) <= timezone.now()


def test_a_future_time_is_recorded_as_the_time_it_arrived(client, gate):
    client.force_login(gate.rep)
    queue = queue_for(gate, timezone.now() + dt.timedelta(days=2))[:1]
    send(client, queue)
    arrived = Signup.objects.get(pk=gate.people[0].pk).arrived_at
    assert arrived <= timezone.now()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "{}",
        '{"actions": 5}',
        "[1, 2, 3]",
        '[{"nonce": "short", "kind": "checkin"}]',
        '[{"nonce": "abcdefgh1", "kind": "fly", "line": 1}]',
        '[{"nonce": "abcdefgh2", "kind": "checkin", "line": "x", "fields": {}}]',
        '[{"nonce": "abcdefgh3", "kind": "report", "line": 1, "fields": {"pickets": "-4"}}]',
        '[{"nonce": "abcdefgh4", "kind": "walkup", "line": 1, "fields": {"shift": "1"}}]',
        '[{"nonce": "abcdefgh5", "kind": "checkin", "line": 1, "at": 1e300, "fields": []}]',
        '[{"nonce": "abcdefgh6", "kind": "undo", "line": true, "fields": {"signup": true}}]',
    ],
)
def test_junk_gets_a_plain_answer_never_a_500(client, gate, body):
    client.force_login(gate.rep)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code in (200, 400)
    payload = response.json()
    if response.status_code == 200:
        assert all(r["status"] == "refused" and r["message"] for r in payload["results"])
    else:
        assert payload["message"]
    assert not Signup.objects.filter(status="arrived").exists()


def test_too_many_changes_at_once_are_refused(client, gate):
    client.force_login(gate.rep)
    queue = [checkin(gate, gate.people[0], f"n-many-{i:04d}", timezone.now()) for i in range(201)]
    response = send(client, queue)
    assert response.status_code == 400
    assert "at most 200" in response.json()["message"]


def test_the_url_name_resolves():
    assert reverse("strikes:rep-sync") == URL


def test_a_change_made_in_the_window_and_sent_after_it_closed_still_applies(client, gate):
    """The window is judged when the rep acted: a phone that found signal only after midnight."""
    client.force_login(gate.rep)
    window = line_window(picket_line=gate.line)
    acted = window.opens_at + dt.timedelta(minutes=5)
    queue = [checkin(gate, gate.people[0], "n-late-0", acted)]
    with time_machine.travel(window.closes_at + dt.timedelta(hours=1)):
        client.force_login(gate.rep)
        results = send(client, queue).json()["results"]
    assert results[0]["status"] == "applied"
    assert Signup.objects.get(pk=gate.people[0].pk).arrived_at == acted


def test_a_change_the_phone_says_was_made_before_the_window_is_refused(client, gate):
    client.force_login(gate.rep)
    Shift.objects.filter(pk=gate.shift.pk).update(
        starts_at=gate.shift.starts_at + dt.timedelta(hours=3)
    )
    window = line_window(picket_line=gate.line)
    queue = [checkin(gate, gate.people[0], "n-early-0", window.opens_at - dt.timedelta(minutes=5))]
    with time_machine.travel(window.opens_at + dt.timedelta(minutes=30)):
        results = send(client, queue).json()["results"]
    assert results[0]["status"] == "refused" and "open at" in results[0]["message"]
    assert Signup.objects.get(pk=gate.people[0].pk).status == "registered"
