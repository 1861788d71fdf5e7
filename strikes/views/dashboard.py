"""Strike-day dashboards for organisers: figures, table by area, needs attention, chart, map,
CSV export, and a school's lines with their reports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from kernel.errors import Refused
from kernel.forms import IdField
from members.access import IN_UNION, requires, signed_in
from members.exports import FIGURES, export_footer
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, Region, School
from strikes.dashboard import html
from strikes.models import StrikeDay
from strikes.selectors import dashboard as sel
from strikes.selectors import maps as maps_sel
from strikes.selectors import public as public_sel
from strikes.selectors.access import (
    dashboard_scope_for_viewer,
    strike_day_school_place,
    strike_day_union,
)
from strikes.selectors.callout import call_out_at
from strikes.services.exports import dashboard_exported
from strikes.views import public as public_views

DEFAULT_BY = dt.time(9, 0)
PLACE_PARAMS = ("school", "district", "region")
COLUMNS = (
    ("called_out", "Called out"),
    ("staffed", "Lines with signups"),
    ("no_signups", "No signups"),
    ("below_minimum", "Below minimum"),
    ("reported", "Reported"),
    ("pickets", "Pickets"),
    ("supporters", "Supporters"),
    ("refusing", "Non-balloted refusing"),
    ("closed", "Closed"),
    ("restricted", "Restricted"),
    ("open", "Open"),
    ("not_reported", "Not reported"),
)


class DashboardForm(forms.Form):
    """The querystring: drill-down place, sort, and the "not reported by" time."""

    region = IdField(required=False)
    district = IdField(required=False)
    school = IdField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(c, c) for c in sel.SORT_COLUMNS])
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    by = forms.TimeField(required=False, input_formats=["%H:%M"])


def _scope_for(
    request: HttpRequest, strike_day: StrikeDay, viewer: Viewer, action: Action
) -> tuple[sel.Scope, dict[str, Any]]:
    form = DashboardForm(request.GET)
    form.is_valid()  # a bad value is dropped field by field (sort, time), not refused
    data = form.cleaned_data
    if any(name in form.errors for name in PLACE_PARAMS):
        raise Refused("No such place.", hide=True)
    scope = dashboard_scope_for_viewer(
        strike_day=strike_day,
        viewer=viewer,
        action=action,
        region_id=data.get("region"),
        district_id=data.get("district"),
        school_id=data.get("school"),
    )
    return scope, data


def _by_datetime(strike_day: StrikeDay, by: dt.time | None) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(strike_day.date, by or DEFAULT_BY, tzinfo=tz)


def _query(params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(clean)}" if clean else ""


@signed_in  # lists only the days of the viewer's own dashboards; says so when there are none
def dashboard_home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    days = list(sel.strike_days_for_viewer(viewer=viewer))
    today = timezone.localdate()
    return render(
        request,
        "strikes/dashboard/home.html",
        {
            "upcoming": [d for d in days if d.date >= today][::-1],
            "past": [d for d in days if d.date < today],
            "has_dashboard": bool(viewer.roles),
        },
    )


# Who has no dashboard in the day's union gets a 404; the place asked for is checked in the scope.
@requires(Action.VIEW_DASHBOARD, place=strike_day_union)
def dashboard_day(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    strike_day, viewer = request.target.obj, request.viewer
    scope, data = _scope_for(request, strike_day, viewer, Action.VIEW_DASHBOARD)
    base = reverse("strikes:dashboard", args=[strike_day.pk])
    keep = {
        "sort": data.get("sort"),
        "dir": data.get("dir"),
        "by": data["by"].strftime("%H:%M") if data.get("by") else None,
    }
    place_param = {}
    if scope.place is not None and scope.level in PLACE_PARAMS and _explicit(data):
        place_param = {scope.level: scope.place.pk}
    may_export = _may_export(viewer, scope, strike_day)
    live = _live_html(request, scope, data, keep, place_param, may_export)
    if request.htmx:
        return HttpResponse(live)
    # The map's points come in their own request once the page has loaded (and every minute
    # after), so the figures never wait for them (static/js/map.js).
    context = {
        "live_html": live,
        "strike_day": strike_day,
        "scope": scope,
        "crumbs": _crumbs(scope, base, keep),
        "points_url": reverse("strikes:dashboard-map", args=[strike_day.pk]) + _query(place_param),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "legend": MAP_LEGEND,
        "joint": _joint(scope),
        "is_today": strike_day.date == timezone.localdate(),
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
    }
    return public_views.map_csp(render(request, "strikes/dashboard/day.html", context))


def _live_html(
    request: HttpRequest,
    scope: sel.Scope,
    data: dict[str, Any],
    keep: dict[str, Any],
    place_param: dict[str, int],
    may_export: bool,
) -> str:
    """The part of the dashboard that refreshes every 30 seconds (figures, table, needs
    attention, chart), rendered once per ``DASHBOARD_CACHE_SECONDS`` for everyone who asks for
    the same address with the same area and export right: an organiser's refresh, or a second
    organiser opening the same view, reads it from the cache and renders nothing. Its
    "Updated" time is when it was rendered."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    path = request.get_full_path()
    digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()[:16]
    key = scope.cache_key(f"html:{digest}:{int(may_export)}")
    if seconds:
        found = cache.get(key)
        if found is not None:
            return found
    strike_day = scope.strike_day
    base = reverse("strikes:dashboard", args=[strike_day.pk])
    by = _by_datetime(strike_day, data.get("by"))
    table, attention, chart = sel.dashboard_live(scope=scope, by=by)
    table = sel.table_sorted(
        table, sort=data.get("sort") or "name", direction=data.get("dir") or "asc"
    )
    # One reverse() for all the school links: "/dashboard/1/school/" + id + "/".
    school_prefix = reverse("strikes:dashboard-school", args=[strike_day.pk, 0])[:-2]
    for row in table.rows:
        if table.child_level == sel.LEVEL_SCHOOL:
            row.url = f"{school_prefix}{row.key}/"
        else:
            row.url = base + _query({table.child_level: row.key, **keep})
    headers = []
    for column, label in (("name", "Area"), *COLUMNS):
        active = table.sort == column
        direction = "desc" if active and table.direction == "asc" else "asc"
        if not active and column != "name":
            direction = "desc"
        headers.append(
            {
                "column": column,
                "label": label,
                "active": active,
                "dir": table.direction if active else "",
                "url": base + _query({**place_param, **keep, "sort": column, "dir": direction}),
            }
        )
    context = {
        "rows_html": html.table_rows(table.rows),
        "attention_html": _attention_html(attention, school_prefix),
        "chart_bars": html.chart_bars(chart),
        "scope": scope,
        "table": table,
        "figures": table.headline,
        "headers": headers,
        "attention": attention,
        "chart": chart,
        "by_value": f"{by:%H:%M}",
        "live_url": path,
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "export_url": reverse("strikes:dashboard-export", args=[strike_day.pk])
        + _query({**place_param, **keep}),
        "may_export": may_export,
        "place_param": place_param,
        "keep": keep,
    }
    live = render_to_string("strikes/dashboard/day.html#dash-live", context, request)
    if seconds:
        cache.set(key, live, seconds)
    return live


def _attention_html(attention: sel.Attention, school_prefix: str) -> dict[str, str]:
    lists = {
        "no_signups": "Every line has at least one signup.",
        "below_minimum": "Every shift has its minimum.",
        "not_reported": "Every line has reported.",
    }
    out = {
        name: html.line_list(
            getattr(attention, name).items,
            more=getattr(attention, name).more,
            empty=empty,
            school_prefix=school_prefix,
        )
        for name, empty in lists.items()
    }
    out["escalated"] = html.escalated_list(
        attention.escalated.items, more=attention.escalated.more, school_prefix=school_prefix
    )
    return out


MAP_LEGEND = [
    ("closed", "Closed"),
    ("restricted", "Open with restricted attendance"),
    ("open", "Open"),
    ("not_reported", "Not reported"),
]


def _joint(scope: sel.Scope) -> list[public_sel.JointDay]:
    """Other unions out the same day here, from their published pages only."""
    place = scope.place
    if isinstance(place, School):
        return public_sel.joint_days(day=scope.strike_day, school_id=place.pk)
    if isinstance(place, District):
        return public_sel.joint_days(day=scope.strike_day, district_ids=[place.pk])
    if isinstance(place, Region):
        return public_sel.joint_days(day=scope.strike_day, region_id=place.pk)
    return public_sel.joint_days(day=scope.strike_day)


@requires(Action.VIEW_DASHBOARD, place=strike_day_union)
def dashboard_map(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    """The map's points for the dashboard's place (compact JSON: strikes/selectors/maps.py)."""
    strike_day, viewer = request.target.obj, request.viewer
    scope, _ = _scope_for(request, strike_day, viewer, Action.VIEW_DASHBOARD)
    # The JSON text itself is shared for the points' minute: a national map is 23,000 points,
    # and encoding them again for every organiser cost as much as the cached request.
    key = scope.cache_key("map-json")
    body = cache.get(key)
    if body is None:
        data = dict(maps_sel.dashboard_map_data(scope=scope))
        data["labels"] = dict(MAP_LEGEND)
        body = json.dumps(data, separators=(",", ":"))
        cache.set(key, body, maps_sel.DASHBOARD_MAP_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/json")
    patch_cache_control(response, private=True, max_age=30)
    return response


def _may_export(viewer: Viewer, scope: sel.Scope, strike_day: StrikeDay) -> bool:
    union_id = strike_day.dispute.union_id
    if scope.place is None:
        return bool(viewer.roles_in(union_id, ALLOWED_KINDS[Action.EXPORT]))
    return viewer.may(Action.EXPORT, scope.place, union=union_id)


def _explicit(data: dict[str, Any]) -> bool:
    return any(data.get(p) for p in PLACE_PARAMS)


def _crumbs(scope: sel.Scope, base: str, keep: dict[str, Any]) -> list[dict[str, str]]:
    """Links back up the drill-down: nation, region, district."""
    crumbs: list[dict[str, str]] = []
    place = scope.place
    region = district = None
    if isinstance(place, School):
        district = place.district
        region = district.region
    elif isinstance(place, District):
        district, region = place, place.region
    elif isinstance(place, Region):
        region = place
    crumbs.append({"label": "All areas", "url": base + _query(keep)})
    if region is not None and place is not region:
        crumbs.append({"label": region.name, "url": base + _query({"region": region.pk, **keep})})
    if district is not None and place is not district:
        crumbs.append(
            {"label": district.name, "url": base + _query({"district": district.pk, **keep})}
        )
    return crumbs


# A rep (who has a dashboard but may not export) is told why; others in no role get a 404.
@requires(Action.EXPORT, place=strike_day_union, reveal=Action.VIEW_DASHBOARD)
def dashboard_export(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    strike_day, viewer = request.target.obj, request.viewer
    scope, data = _scope_for(request, strike_day, viewer, Action.EXPORT)
    by = _by_datetime(strike_day, data.get("by"))
    table = sel.dashboard_table(
        scope=scope, by=by, sort=data.get("sort") or "name", direction=data.get("dir") or "asc"
    )
    dashboard_exported(
        strike_day=strike_day,
        acting_user=request.user,
        level=scope.level,
        place_id=getattr(scope.place, "pk", None),
        rows=len(table.rows),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"strike-day-{strike_day.date:%Y-%m-%d}-{scope.level}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    level_label = {
        sel.LEVEL_REGION: "District",
        sel.LEVEL_NATIONAL: "Region",
    }.get(scope.level, "School")
    writer.writerow([level_label, "Lines", *(label for _, label in COLUMNS)])
    for row in [*table.rows, table.headline]:
        name = row.name if row is not table.headline else f"Total: {row.name}"
        writer.writerow(
            [_csv_safe(name), row.lines, *(getattr(row, column) for column, _ in COLUMNS)]
        )
    writer.writerow([])
    writer.writerow([export_footer(user=request.user, contains=FIGURES)])
    return response


def _csv_safe(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


@requires(Action.VIEW_DASHBOARD, place=strike_day_school_place, reveal=IN_UNION)
def dashboard_school(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    strike_day, school, viewer = request.target.obj, request.target.place, request.viewer
    lines = sel.school_lines(strike_day=strike_day, school=school)
    base = reverse("strikes:dashboard", args=[strike_day.pk])
    union_id = strike_day.dispute.union_id
    upcoming = sel.as_of_for(strike_day) is None
    return render(
        request,
        "strikes/dashboard/school.html",
        {
            "strike_day": strike_day,
            "school": school,
            "lines": lines,
            "call_out": call_out_at(strike_day=strike_day, school=school),
            "back_url": base + _query({"district": school.district_id}),
            # Officials act on the lines of schools they represent, straight from here.
            "run_url": reverse("strikes:rep-day", args=[strike_day.pk, school.pk])
            if upcoming and viewer.may(Action.RUN_LINE, school, union=union_id)
            else "",
            "join_url": reverse("strikes:my-strike-days") + _query({"school": school.pk})
            if upcoming and viewer.may(Action.SIGN_UP, school, union=union_id)
            else "",
        },
    )


urlpatterns = [
    path("dashboard/", dashboard_home, name="dashboard-home"),
    path("dashboard/<int:strike_day_id>/", dashboard_day, name="dashboard"),
    path("dashboard/<int:strike_day_id>/export.csv", dashboard_export, name="dashboard-export"),
    path("dashboard/<int:strike_day_id>/map.json", dashboard_map, name="dashboard-map"),
    path(
        "dashboard/<int:strike_day_id>/school/<int:school_id>/",
        dashboard_school,
        name="dashboard-school",
    ),
]
