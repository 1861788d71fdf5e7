"""Strike morning with no signal (issue 19), on a phone in real Chromium.

The rep opens today's check-in page with signal; goes offline; checks three people in, adds a
walk-up, undoes one check-in and posts a report; reloads while still offline and sees the same;
comes back online; the server then holds exactly that state, once, with the rep's times.
Screenshots go to test-results/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from strikes.models import PicketLine, PicketReport, Shift, Signup, SyncedAction
from strikes.services import lines as svc
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"offline-{name}.png"), full_page=True)


@pytest.fixture
def gate(world, rule_sets):
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union), title="Pay strike", date=timezone.localdate()
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    # One long shift, so the line's window is open whenever the test runs.
    svc.shifts_create_from_pattern(
        strike_day=day,
        school=world.s1,
        pattern=[("00:30", "23:30")],
        capacity=6,
        minimum_wanted=2,
        acting_user=rep,
    )
    line = PicketLine.objects.get(strike_day=day, school=world.s1, entrance__is_main=True)
    shift = line.shifts.get()
    people = {}
    for name in ["Ann", "Bob", "Cat", "Dev"]:
        user = f.MembershipFactory(
            workplace=world.s1, union=world.union, user__full_name=f"{name} Picket"
        ).user
        people[name] = f.SignupFactory(shift=shift, user=user)
    Shift.objects.filter(pk=shift.pk).update(booked=4)
    return day, rep, line, shift, people


QUEUE_JS = """async () => {
  const user = document.body.dataset.user;
  const db = await new Promise((ok) => { const r = indexedDB.open('picketline-' + user, 1);
    r.onsuccess = () => ok(r.result); });
  return await new Promise((ok) => {
    const r = db.transaction('queue').objectStore('queue').getAll();
    r.onsuccess = () => ok(r.result); });
}"""

SEND_JS = """async (actions) => {
  const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
  const r = await fetch('/rep/sync/', {method: 'POST', headers: {'Content-Type':
    'application/json', 'X-CSRFToken': token}, body: JSON.stringify({actions})});
  return await r.json();
}"""


def test_rep_checks_in_and_reports_offline_and_it_all_arrives_once(
    gate, live_server, page, browser_login
):
    day, rep, line, shift, people = gate
    check_in = live_server.url + reverse("strikes:line-check-in", args=[line.pk])
    report_url = live_server.url + reverse("strikes:line-report", args=[line.pk])
    browser_login(page, rep)

    # Online: the first visit installs the service worker; the pages are then kept.
    page.goto(check_in)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(report_url)
    page.goto(check_in)
    expect(page.get_by_text("0 of 4 here")).to_be_visible()

    # No signal.
    page.context.set_offline(True)
    started = timezone.now()
    for name in ["Ann", "Bob", "Cat"]:
        page.get_by_role("button", name=f"Check in {name} Picket").click()
        expect(page.locator(f"#signup-{people[name].pk} .state")).to_contain_text("Here")
    page.get_by_label("Add a walk-up").fill("Sam Walker")
    page.get_by_role("button", name="Add and check in").click()
    expect(page.get_by_text("Sam Walker")).to_be_visible()
    page.get_by_role("button", name="Undo the check-in of Bob Picket").click()
    expect(page.locator(f"#signup-{people['Bob'].pk} .state")).to_contain_text("Expected")
    expect(page.locator("#offline-status")).to_contain_text("5 changes waiting to send")
    expect(page.locator(f"#presence-{shift.pk}")).to_contain_text("2 of 4 here (+1 walk-up)")
    shot(page, "check-in-queued")

    # The report page, opened with no signal, from what the phone kept.
    page.get_by_role("link", name="Report").first.click()
    page.get_by_label("Closed", exact=True).check()
    page.get_by_label("Pickets here").fill("3")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#offline-status")).to_contain_text("6 changes waiting to send")
    expect(page.locator("#timeline")).to_contain_text("waiting to send")
    shot(page, "report-queued")

    # Reloaded while still offline: the same state, nothing lost.
    page.goto(check_in)
    page.reload()
    expect(page.locator("#offline-status")).to_contain_text("6 changes waiting to send")
    for name, state in [("Ann", "Here"), ("Bob", "Expected"), ("Cat", "Here"), ("Dev", "Expected")]:
        expect(page.locator(f"#signup-{people[name].pk} .state")).to_contain_text(state)
    expect(page.get_by_text("Sam Walker")).to_be_visible()
    assert not Signup.objects.filter(status="arrived").exists()  # nothing has reached us yet
    queue = page.evaluate(QUEUE_JS)
    assert [entry["kind"] for entry in queue] == [
        "checkin",
        "checkin",
        "checkin",
        "walkup",
        "undo",
        "report",
    ]
    shot(page, "reloaded-offline")

    # Signal again: the queue goes, in order, and the page says so.
    back_online = timezone.now()
    page.context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("All sent.", timeout=15000)
    expect(page.get_by_text("not sent yet")).to_have_count(0)
    shot(page, "all-sent")

    def server_state():
        return sorted(
            (s.walk_up_name or s.user.full_name, s.status, s.arrived_at)
            for s in Signup.objects.filter(shift=shift).select_related("user")
        )

    state = server_state()
    assert [(who, status) for who, status, _ in state] == [
        ("Ann Picket", "arrived"),
        ("Bob Picket", "registered"),
        ("Cat Picket", "arrived"),
        ("Dev Picket", "registered"),
        ("Sam Walker", "arrived"),
    ]
    # The rep's times: when they tapped, offline, not when the queue arrived.
    for _, status, arrived in state:
        if status == "arrived":
            assert started <= arrived <= back_online
    report = PicketReport.objects.get(picket_line=line)
    assert report.school_status == "closed" and report.pickets == 3
    assert started <= report.reported_at <= back_online
    assert SyncedAction.objects.count() == 6

    # A flaky network sends the same queue twice more: nothing changes.
    replay = [{k: v for k, v in entry.items() if k != "seq"} for entry in queue]
    for _ in range(2):
        answer = page.evaluate(SEND_JS, replay)
        assert [r["status"] for r in answer["results"]] == ["already"] * 6, json.dumps(answer)
    assert server_state() == state
    assert PicketReport.objects.count() == 1

    # The dashboard shows the report after the next refresh.
    officer = f.RoleFactory(
        union=day.dispute.union,
        kind=Role.Kind.DISTRICT_OFFICER,
        district=line.school.district,
    )
    browser_login(page, officer.user)
    page.goto(live_server.url + reverse("strikes:dashboard-school", args=[day.pk, line.school_id]))
    expect(page.get_by_text(re.compile(r"Latest report at \d\d:\d\d"))).to_be_visible()
    expect(page.locator(f"#line-{line.pk}")).to_contain_text("3 pickets")
    shot(page, "dashboard")


def test_signing_out_clears_the_phone(gate, live_server, page, browser_login):
    _day, rep, line, _shift, _people = gate
    browser_login(page, rep)
    page.goto(live_server.url + reverse("strikes:line-check-in", args=[line.pk]))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.context.set_offline(True)
    page.get_by_role("button", name="Check in Ann Picket").click()
    expect(page.locator("#offline-status")).to_contain_text("1 change waiting to send")
    page.context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("All sent.", timeout=15000)
    assert page.evaluate("caches.keys()") == ["picketline-offline-v1"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("caches.keys()") == []
    names = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    assert f"picketline-{rep.pk}" not in names


def test_a_members_shifts_are_readable_offline_as_last_seen(gate, live_server, page, browser_login):
    _day, _rep, line, _shift, people = gate
    browser_login(page, people["Ann"].user)
    url = live_server.url + reverse("strikes:my-shifts")
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.get_by_text(line.school.name).first).to_be_visible()
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_text(line.school.name).first).to_be_visible()
    expect(page.get_by_text(line.entrance.name).first).to_be_visible()
    shot(page, "my-shifts")
