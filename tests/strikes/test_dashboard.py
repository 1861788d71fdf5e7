"""The organisers' dashboard: figures on a small known world, drill-down, refusals, export."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditEntry
from members.models import Role
from schools.models import Entrance, School
from strikes import counters
from strikes.models import CalledOutSchool, PicketLine
from strikes.selectors import dashboard as sel
from strikes.selectors.maps import dashboard_map_data, map_points_decode
from tests import factories as f
from tests.factories import london

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    """Ids are reused between tests: start each with no cached figures or map."""
    cache.clear()


def report(line, cos, hhmm, *, pickets, supporters=0, status="closed", day=None, **extra):
    """A report at a given time as the reporting service leaves things: the row, the line's
    counters, the chart's buckets and the school's status."""
    at = london(day or line.strike_day.date, hhmm)
    row = f.PicketReportFactory(
        picket_line=line,
        reported_at=at,
        pickets=pickets,
        supporters=supporters,
        school_status=status,
        **extra,
    )
    counters.rebuild(strike_day_id=line.strike_day_id, figures=("reports", "buckets"))
    line.refresh_from_db()
    cos.status = status
    cos.reported_at = at
    cos.save(update_fields=["status", "reported_at"])
    return row


def line_at(day, school, *, pickets=0, supporters=0, entrance=None):
    entrance = entrance or Entrance.objects.get(site__school=school, is_main=True)
    return f.PicketLineFactory(
        strike_day=day,
        entrance=entrance,
        pickets_signed_up=pickets,
        supporters_signed_up=supporters,
    )


class Known:
    pass


def build(world, day_date=None):
    """The known world (see the expected figures in the tests)."""
    w = world
    k = Known()
    k.w = w
    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=w.union), date=day_date or timezone.localdate()
    )
    k.day = day
    cos = {s: f.CalledOutSchoolFactory(strike_day=day, school=s) for s in (w.s1, w.s2, w.s3, w.s4)}
    k.s5 = f.SchoolFactory(district=w.d3, name="Cancelled School")
    f.CalledOutSchoolFactory(strike_day=day, school=k.s5, cancelled_at=timezone.now())
    # s1: two lines; the main one reported twice (latest counts), the back gate empty.
    k.l1 = line_at(day, w.s1, pickets=3)
    f.ShiftFactory(picket_line=k.l1, booked=3, minimum_wanted=2)
    report(k.l1, cos[w.s1], "07:30", pickets=6, supporters=1)
    report(k.l1, cos[w.s1], "07:45", pickets=4, supporters=2)
    back = f.EntranceFactory(site=w.s1.sites.get(), name="Back gate")
    k.l1b = line_at(day, w.s1, entrance=back)
    f.ShiftFactory(picket_line=k.l1b, booked=0, minimum_wanted=2)
    # s2: one picket signed up of two wanted; restricted; an escalated incident.
    k.l2 = line_at(day, w.s2, pickets=1)
    f.ShiftFactory(picket_line=k.l2, booked=1, minimum_wanted=2)
    report(
        k.l2,
        cos[w.s2],
        "08:10",
        pickets=2,
        status="restricted",
        escalate=True,
        incident="Head photographing the line",
    )
    # s3: only a supporter signed up; open; reported late.
    k.l3 = line_at(day, w.s3, supporters=1)
    report(k.l3, cos[w.s3], "09:30", pickets=1, supporters=3, status="open")
    # s4: staffed, never reported.
    k.l4 = line_at(day, w.s4, pickets=2)
    f.ShiftFactory(picket_line=k.l4, booked=2, minimum_wanted=2)
    return k


def organiser(union, kind=Role.Kind.NATIONAL_ORGANISER, **place):
    return f.RoleFactory(union=union, kind=kind, **place).user


def get(client, user, day, **params):
    client.force_login(user)
    cache.clear()
    return client.get(reverse("strikes:dashboard", args=[day.pk]), params)


def by_nine(day):
    return london(day.date, "09:00")


def as_dict(fig):
    return {
        name: getattr(fig, name)
        for name in (
            "called_out",
            "lines",
            "staffed",
            "no_signups",
            "below_minimum",
            "not_reported_by",
            "reported",
            "pickets",
            "supporters",
            "closed",
            "restricted",
            "open",
            "not_reported",
        )
    }


def test_headline_and_national_rows_are_right(world):
    k = build(world)
    user = organiser(world.union)
    from members.permissions import viewer_for

    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer_for(user), place=None)
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day))
    assert as_dict(table.headline) == {
        "called_out": 4,
        "lines": 5,
        "staffed": 4,
        "no_signups": 1,
        "below_minimum": 2,
        "not_reported_by": 3,
        "reported": 3,
        "pickets": 7,
        "supporters": 5,
        "closed": 1,
        "restricted": 1,
        "open": 1,
        "not_reported": 1,
    }
    assert table.headline.closed_share == 25
    rows = {r.name: as_dict(r) for r in table.rows}
    assert rows == {
        "Northern": {
            "called_out": 3,
            "lines": 4,
            "staffed": 3,
            "no_signups": 1,
            "below_minimum": 2,
            "not_reported_by": 2,
            "reported": 3,
            "pickets": 7,
            "supporters": 5,
            "closed": 1,
            "restricted": 1,
            "open": 1,
            "not_reported": 0,
        },
        "London": {
            "called_out": 1,
            "lines": 1,
            "staffed": 1,
            "no_signups": 0,
            "below_minimum": 0,
            "not_reported_by": 1,
            "reported": 0,
            "pickets": 0,
            "supporters": 0,
            "closed": 0,
            "restricted": 0,
            "open": 0,
            "not_reported": 1,
        },
    }


def test_region_and_district_drill_down_group_by_the_next_level(world):
    k = build(world)
    user = organiser(world.union)
    from members.permissions import viewer_for

    viewer = viewer_for(user)
    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer, place=world.north)
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day))
    rows = {r.name: (r.called_out, r.lines, r.pickets, r.closed, r.open) for r in table.rows}
    assert rows == {"Newcastle upon Tyne": (2, 3, 6, 1, 0), "Gateshead": (1, 1, 1, 0, 1)}
    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer, place=world.d1)
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day), sort="pickets", direction="desc")
    assert [(r.name, r.pickets, r.lines, r.staffed) for r in table.rows] == [
        ("Heaton Primary", 4, 2, 1),
        ("Jesmond High", 2, 1, 1),
    ]


def test_attention_lists_and_chart(world):
    k = build(world)
    from members.permissions import viewer_for

    scope = sel.dashboard_scope(
        strike_day=k.day, viewer=viewer_for(organiser(world.union)), place=None
    )
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day))
    att = sel.dashboard_attention(scope=scope, table=table, by=by_nine(k.day))
    assert [line.pk for line in att.no_signups.items] == [k.l1b.pk]
    assert {line.pk for line in att.below_minimum.items} == {k.l1b.pk, k.l2.pk}
    assert {line.pk for line in att.not_reported.items} == {k.l1b.pk, k.l3.pk, k.l4.pk}
    assert att.not_reported.total == 3
    assert [r.picket_line_id for r in att.escalated.items] == [k.l2.pk]
    chart = sel.dashboard_chart(scope=scope)
    got = {b.label: (b.reports, b.pickets) for b in chart.buckets if b.reports}
    assert got == {"07:30": (1, 6), "07:45": (1, 4), "08:00": (1, 2), "09:30": (1, 1)}
    # The day's own hours (07:30-16:00), from the hour before: 06:00 to 16:00.
    assert (chart.buckets[0].label, chart.buckets[-1].label) == ("06:00", "15:45")
    assert len(chart.buckets) == 40


def test_chart_covers_the_strike_days_own_hours(client, world):
    """An afternoon day (12:30-17:15) charts 11:00 to 18:00, reports after noon included."""
    from members.permissions import viewer_for

    day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union),
        starts_at=dt.time(12, 30),
        ends_at=dt.time(17, 15),
    )
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=world.s1.sites.get().entrances.get(is_main=True)
    )
    f.PicketReportFactory(picket_line=line, reported_at=f.london(day.date, "14:20"), pickets=3)
    user = organiser(world.union)
    scope = sel.dashboard_scope(strike_day=day, viewer=viewer_for(user), place=world.s1)
    chart = sel.dashboard_chart(scope=scope)
    assert (chart.buckets[0].label, chart.buckets[-1].label) == ("11:00", "17:45")
    got = {b.label: (b.reports, b.pickets) for b in chart.buckets if b.reports}
    assert got == {"14:15": (1, 3)}
    client.force_login(user)
    page = client.get(reverse("strikes:dashboard", args=[day.pk])).content.decode()
    assert "per 15 minutes, 11:00 to 18:00" in page


def test_chart_from_district_buckets_equals_the_chart_from_the_reports(world):
    """Above a school the chart sums the per-district counters; a rep's chart buckets the
    reports themselves. Both give the same figures."""
    k = build(world)
    from members.permissions import viewer_for

    officer = organiser(world.union, Role.Kind.REGIONAL_OFFICER, region=world.north)
    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer_for(officer), place=world.north)
    assert scope.district_area is not None
    by_buckets = sel.dashboard_chart(scope=scope)
    by_reports = sel.dashboard_chart(scope=dataclasses.replace(scope, district_area=None))
    assert [(b.label, b.reports, b.pickets) for b in by_buckets.buckets] == [
        (b.label, b.reports, b.pickets) for b in by_reports.buckets
    ]
    assert sum(b.reports for b in by_buckets.buckets) > 0
    rep = f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user
    rep_scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer_for(rep), place=world.s1)
    assert rep_scope.district_area is None
    got = {b.label: (b.reports, b.pickets) for b in sel.dashboard_chart(scope=rep_scope).buckets}
    assert got["07:30"] == (1, 6) and got["08:00"] == (0, 0)


def test_sort_param_is_validated(client, world):
    k = build(world)
    response = get(client, organiser(world.union), k.day, sort="drop table", dir="sideways")
    assert response.status_code == 200
    response = get(client, organiser(world.union), k.day, sort="pickets", dir="desc", by="nonsense")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Northern") < body.index("London")


def test_past_day_ignores_reports_after_its_end(world):
    past = timezone.localdate() - dt.timedelta(days=7)
    k = build(world, day_date=past)
    cos = CalledOutSchool.objects.get(strike_day=k.day, school=world.s4)
    late = report(k.l4, cos, "10:00", pickets=9, status="closed", day=past + dt.timedelta(days=1))
    assert late.reported_at > sel.day_end(k.day)
    from members.permissions import viewer_for

    scope = sel.dashboard_scope(
        strike_day=k.day, viewer=viewer_for(organiser(world.union)), place=None
    )
    assert scope.as_of == sel.day_end(k.day)
    assert scope.late_reports and not scope.from_counters
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day))
    h = table.headline
    assert (h.called_out, h.reported, h.pickets, h.closed, h.not_reported) == (4, 3, 7, 1, 1)


def test_past_day_without_late_reports_reads_the_counters_with_the_same_figures(world):
    from members.permissions import viewer_for

    past = timezone.localdate() - dt.timedelta(days=7)
    k = build(world, day_date=past)
    viewer = viewer_for(organiser(world.union))
    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer, place=None)
    assert scope.as_of is not None and scope.from_counters
    worked_out = dataclasses.replace(scope, late_reports=True)
    assert not worked_out.from_counters
    by = by_nine(k.day)
    fast = sel.dashboard_table(scope=scope, by=by)
    slow = sel.dashboard_table(scope=worked_out, by=by)
    assert as_dict(fast.headline) == as_dict(slow.headline)
    assert [as_dict(r) for r in fast.rows] == [as_dict(r) for r in slow.rows]
    assert as_dict(fast.headline)["pickets"] == 7
    fast_map = map_points_decode(dashboard_map_data(scope=scope))
    cache.clear()
    assert fast_map == map_points_decode(dashboard_map_data(scope=worked_out))


def test_page_shows_figures_chart_and_map(client, world):
    k = build(world)
    response = get(client, organiser(world.union), k.day)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-figure="pickets">7<' in body
    assert 'id="chart"' in body and 'id="dash-map"' in body
    assert 'hx-trigger="every 30s"' in body
    assert "Head photographing the line" in body


def test_htmx_refresh_returns_the_fragment_keeping_the_querystring(client, world):
    k = build(world)
    user = organiser(world.union)
    client.force_login(user)
    url = reverse("strikes:dashboard", args=[k.day.pk]) + f"?region={world.north.pk}&sort=pickets"
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="dash-live"' in body and "<html" not in body
    assert f'hx-get="{url.replace("&", "&amp;")}"' in body
    assert "Newcastle upon Tyne" in body


def _count_queries(client, user, day) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("strikes:dashboard", args=[day.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_data(client, union):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=union), date=timezone.localdate())
    user = organiser(union)
    client.force_login(user)

    def add_schools(n):
        for _ in range(n):
            school = f.SchoolFactory(district=f.DistrictFactory())
            cos = f.CalledOutSchoolFactory(strike_day=day, school=school)
            line = line_at(day, school, pickets=1)
            f.ShiftFactory(picket_line=line, booked=1)
            report(line, cos, "08:00", pickets=2, escalate=True, incident="x")

    add_schools(1)
    small = _count_queries(client, user, day)
    add_schools(29)
    assert _count_queries(client, user, day) == small
    # Built by factories, this day has no district figures: one query finds none, and the
    # table is counted from the rows (tests/strikes/test_counters.py covers the figures' path).
    assert small <= 19


def test_regional_officer_starts_at_their_region(client, world):
    k = build(world)
    user = organiser(world.union, Role.Kind.REGIONAL_OFFICER, region=world.north)
    response = get(client, user, k.day)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Newcastle upon Tyne" in body and "Camden" not in body
    assert get(client, user, k.day, region=world.south.pk).status_code == 403


def test_district_officer_cannot_see_or_export_another_district(client, world):
    k = build(world)
    user = organiser(world.union, Role.Kind.DISTRICT_OFFICER, district=world.d1)
    response = get(client, user, k.day)
    assert response.status_code == 200
    assert "Heaton Primary" in response.content.decode()
    assert "Holborn Primary" not in response.content.decode()
    assert get(client, user, k.day, district=world.d3.pk).status_code == 403
    assert get(client, user, k.day, region=world.north.pk).status_code == 403
    export = reverse("strikes:dashboard-export", args=[k.day.pk])
    assert client.get(export, {"district": world.d3.pk}).status_code == 403
    assert not AuditEntry.objects.filter(action="dashboard.export").exists()
    own = client.get(export)
    assert own.status_code == 200
    assert "Heaton Primary" in own.content.decode()
    assert "Holborn Primary" not in own.content.decode()
    assert AuditEntry.objects.filter(action="dashboard.export").count() == 1
    school = reverse("strikes:dashboard-school", args=[k.day.pk, world.s4.pk])
    assert client.get(school).status_code == 403


def test_not_reported_by_follows_the_chosen_time(client, world):
    k = build(world)
    response = get(client, organiser(world.union), k.day, by="10:00")
    body = response.content.decode()
    assert "Not reported by 10:00" in body
    assert 'value="10:00"' in body
    # The back gate and Holborn; not Gateshead.
    assert 'Not reported by 10:00 <span class="badge warn">2</span>' in body


def test_officer_of_another_union_gets_404(client, world):
    k = build(world)
    other = f.UnionFactory(short_name="PCS")
    user = organiser(other)
    assert get(client, user, k.day).status_code == 404
    export = reverse("strikes:dashboard-export", args=[k.day.pk])
    assert client.get(export).status_code == 404


def test_member_cannot_see_a_dashboard(client, world):
    k = build(world)
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    assert get(client, member, k.day).status_code == 404
    assert get(client, member, k.day, district=world.d1.pk).status_code == 404


def test_rep_sees_only_their_own_school(client, world):
    k = build(world)
    rep = organiser(world.union, Role.Kind.REP, school=world.s1)
    response = get(client, rep, k.day)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Heaton Primary" in body and "Jesmond High" not in body
    assert get(client, rep, k.day, district=world.d1.pk).status_code == 403
    assert get(client, rep, k.day, school=world.s2.pk).status_code == 403
    export = reverse("strikes:dashboard-export", args=[k.day.pk])
    assert client.get(export).status_code == 403
    own = reverse("strikes:dashboard-school", args=[k.day.pk, world.s1.pk])
    assert client.get(own).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, world):
    k = build(world)
    for url in (
        reverse("strikes:dashboard-home"),
        reverse("strikes:dashboard", args=[k.day.pk]),
        reverse("strikes:dashboard-export", args=[k.day.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_unknown_ids_are_404(client, world):
    k = build(world)
    user = organiser(world.union)
    assert get(client, user, k.day, district=999999).status_code == 404
    assert get(client, user, k.day, district="abc").status_code == 404
    client.force_login(user)
    assert client.get(reverse("strikes:dashboard", args=[999999])).status_code == 404


def test_export_writes_the_table_and_an_audit_entry(client, world):
    k = build(world)
    user = organiser(world.union, Role.Kind.REGIONAL_OFFICER, region=world.north)
    client.force_login(user)
    response = client.get(reverse("strikes:dashboard-export", args=[k.day.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("District,Lines,Called out")
    assert lines[1].startswith("Gateshead,1,1,")
    assert lines[2].startswith("Newcastle upon Tyne,3,2,")
    assert lines[3].startswith("Total: Northern,4,3,")
    (footer,) = next(csv.reader([lines[-1]]))
    assert footer.startswith(f"Exported by {user.full_name} <{user.email}> on ")
    assert "figures only, no names" in footer
    entry = AuditEntry.objects.get(action="dashboard.export")
    assert entry.actor == user
    assert entry.object_id == str(k.day.pk)
    assert entry.detail["scope"] == "region"
    assert entry.detail["place_id"] == world.north.pk


def test_school_page_lists_lines_with_their_reports(client, world):
    k = build(world)
    client.force_login(organiser(world.union))
    response = client.get(reverse("strikes:dashboard-school", args=[k.day.pk, world.s1.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Latest report at 07:45" in body
    assert "Back gate" in body and "No report from this line yet." in body


def test_home_lists_strike_days_of_the_viewers_union(client, world):
    k = build(world)
    other = f.StrikeDayFactory(dispute=f.DisputeFactory(union=f.UnionFactory(short_name="UCU")))
    client.force_login(organiser(world.union, Role.Kind.DISTRICT_OFFICER, district=world.d1))
    body = client.get(reverse("strikes:dashboard-home")).content.decode()
    assert reverse("strikes:dashboard", args=[k.day.pk]) in body
    assert reverse("strikes:dashboard", args=[other.pk]) not in body


def test_refresh_within_the_cache_window_reuses_the_figures(client, world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 10
    k = build(world)
    user = organiser(world.union)
    client.force_login(user)
    cache.clear()
    url = reverse("strikes:dashboard", args=[k.day.pk])
    htmx = {"HX-Request": "true"}
    with CaptureQueriesContext(connection) as first:
        client.get(url, headers=htmx)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url, headers=htmx)
    assert len(second.captured_queries) < len(first.captured_queries) - 8
    assert 'data-figure="pickets">7<' in response.content.decode()
    settings.DASHBOARD_CACHE_SECONDS = 0
    cos = CalledOutSchool.objects.get(strike_day=k.day, school=world.s4)
    report(k.l4, cos, "10:00", pickets=5, status="closed")
    response = client.get(url, headers=htmx)
    assert 'data-figure="pickets">12<' in response.content.decode()


def test_the_cached_live_part_is_rendered_once_and_never_crosses_areas(client, world, settings):
    """An organiser's refresh inside the cache window renders nothing and reads only who is
    asking; an officer of a smaller area asking for the same address gets their own figures."""
    settings.DASHBOARD_CACHE_SECONDS = 10
    k = build(world)
    cache.clear()
    url = reverse("strikes:dashboard", args=[k.day.pk])
    htmx = {"HX-Request": "true"}
    client.force_login(organiser(world.union))
    national = client.get(url, headers=htmx).content.decode()
    assert "Holborn Primary" in national and "Download this table" in national
    with CaptureQueriesContext(connection) as again:
        assert client.get(url, headers=htmx).content.decode() == national
    tables = {q["sql"].split('FROM "', 1)[1].split('"', 1)[0] for q in again.captured_queries}
    assert not tables & {"strikes_picketline", "strikes_districtfigures", "strikes_picketreport"}
    client.force_login(organiser(world.union, Role.Kind.DISTRICT_OFFICER, district=world.d1))
    district = client.get(url, headers=htmx).content.decode()
    assert "Heaton Primary" in district and "Holborn Primary" not in district
    client.force_login(f.RoleFactory(union=world.union, kind=Role.Kind.REP, school=world.s1).user)
    rep = client.get(url, headers=htmx).content.decode()
    assert "Download this table" not in rep and "Holborn Primary" not in rep


def test_map_points_colour_each_school_by_its_status(world):
    """Four schools on one spot keep four points, one per status (no shared dots)."""
    from collections import Counter

    from members.permissions import viewer_for

    k = build(world)
    for school in (world.s1, world.s2, world.s3, world.s4):
        school.latitude, school.longitude = 54.9, -1.6
        school.save(update_fields=["latitude", "longitude"])
    scope = sel.dashboard_scope(
        strike_day=k.day, viewer=viewer_for(organiser(world.union)), place=None
    )
    points = map_points_decode(dashboard_map_data(scope=scope))
    assert Counter(status for *_, status in points) == {
        "closed": 1,
        "restricted": 1,
        "open": 1,
        "not_reported": 1,
    }


def test_map_draws_points_without_tiles_and_tiles_when_a_server_is_set(client, world, settings):
    k = build(world)
    world.s4.latitude, world.s4.longitude = 53.4, -2.2
    world.s4.save(update_fields=["latitude", "longitude"])
    user = organiser(world.union)
    settings.MAP_TILE_URL = ""
    page = get(client, user, k.day).content.decode()
    assert 'data-tiles=""' in page and "uk-base.geojson" in page  # the bundled base only
    points_url = reverse("strikes:dashboard-map", args=[k.day.pk])
    assert f'data-points="{points_url}"' in page  # the points come after the page
    cache.clear()
    data = client.get(points_url).json()
    points = map_points_decode(data)
    assert len(points) == 4  # the cancelled school is not on the map
    assert {"closed", "not_reported"} <= {status for *_, status in points}
    assert data["url"].endswith("/school/{id}/")
    # A few schools carry their names, in the points' order.
    names = dict(School.objects.values_list("pk", "name"))
    assert data["names"] == [names[school_id] for school_id, *_ in points]
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example contributors"
    body = get(client, user, k.day).content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in body
    assert "© Example contributors" in body


def test_non_balloted_refusals_show_in_the_figures_table_and_export(client, world):
    k = build(world)
    line = PicketLine.objects.filter(strike_day=k.day, school=world.s3).first()
    cos = CalledOutSchool.objects.get(strike_day=k.day, school=world.s3)
    report(line, cos, "09:30", pickets=2, non_balloted_refusing=4)
    user = organiser(world.union)
    from members.permissions import viewer_for

    scope = sel.dashboard_scope(strike_day=k.day, viewer=viewer_for(user), place=None)
    table = sel.dashboard_table(scope=scope, by=by_nine(k.day))
    assert table.headline.refusing == 4
    assert {r.name: r.refusing for r in table.rows} == {"Northern": 4, "London": 0}
    client.force_login(user)
    page = client.get(reverse("strikes:dashboard", args=[k.day.pk])).content.decode()
    assert 'data-figure="refusing">4</span> non-balloted staff refusing to cross' in page
    assert "Non-balloted refusing" in page
    csv_text = client.get(reverse("strikes:dashboard-export", args=[k.day.pk])).content.decode()
    header = next(csv.reader([csv_text.splitlines()[0]]))
    assert "Non-balloted refusing" in header
    column = header.index("Non-balloted refusing")
    rows = {r[0]: r for r in csv.reader(csv_text.splitlines()[1:3])}
    assert rows["Northern"][column] == "4"
