"""Warnings (never blocks) about strike days that fall in a recorded school holiday, and about
the areas called out that have no term dates recorded, so silence is not taken for a clean bill.

Set-based at any scale: one query counts the schools called out by day and local authority, one
loads the holidays of those authorities (``schools.holidays``); a national day of 23,000
schools costs the same two queries as a day for three."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, Q

from schools.holidays import holiday_calendar, school_year, school_year_label
from strikes.models import CalledOutSchool, StrikeDay

#: How many local authorities a warning names before "and N more".
NAMED_AREAS = 5


def _names(names: Sequence[str]) -> str:
    shown = list(names[:NAMED_AREAS])
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _share(count: int, total: int) -> str:
    """'31 of the 120 schools', 'all 4 schools', 'both schools', 'the one school'."""
    if count < total:
        return f"{count} of the {total} schools"
    return {1: "the one school", 2: "both schools"}.get(total, f"all {total} schools")


def dates_text(days: Sequence[dt.date]) -> str:
    """'12 March 2027'; '29, 30 and 31 March 2027'; '31 March 2027 and 1 April 2027'."""
    days = sorted(days)
    if len({(d.year, d.month) for d in days}) == 1:
        parts = [str(d.day) for d in days]
        tail = f" {days[0]:%B %Y}"
    else:
        parts = [f"{d.day} {d:%B %Y}" for d in days]
        tail = ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return listed + tail


def strike_days_holiday_warnings(*, days: Sequence[StrikeDay], area: Q | None = None) -> list[str]:
    """For each recorded holiday a day falls in: the day, the holiday, how many of the day's
    schools it covers and where; then, for each school year, the local authorities called out
    that have no term dates recorded for it. ``area`` (a filter on the called-out schools, as
    ``Viewer.area_q`` makes) limits it all to an officer's own area."""
    days = [d for d in days if d.pk is not None]
    if not days:
        return []
    rows = list(
        CalledOutSchool.objects.filter(
            area if area is not None else Q(),
            strike_day_id__in=[d.pk for d in days],
            cancelled_at__isnull=True,
        )
        .values_list("strike_day_id", "district_id", "district__name", "region__nation_id")
        .annotate(schools=Count("id"))
        .order_by("district__name", "district_id")
    )
    if not rows:
        return []
    date_of = {d.pk: d.date for d in days}
    nation_of = {district_id: nation_id for _day, district_id, _n, nation_id, _c in rows}
    calendar = holiday_calendar(dates=date_of.values(), nation_of=nation_of)

    totals: dict[dt.date, int] = {}
    in_holiday: dict[tuple[dt.date, str], tuple[int, list[str]]] = {}
    called: dict[int, dict[int, str]] = {}  # school year -> district id -> name
    missing: dict[int, dict[int, str]] = {}
    for day_id, district_id, district_name, _nation_id, schools in rows:
        day = date_of[day_id]
        totals[day] = totals.get(day, 0) + schools
        for name in calendar.names_on(day, district_id):
            count, where = in_holiday.get((day, name), (0, []))
            in_holiday[(day, name)] = (count + schools, [*where, district_name])
        year = school_year(day)
        called.setdefault(year, {})[district_id] = district_name
        if not calendar.has_term_dates(day, district_id):
            missing.setdefault(year, {})[district_id] = district_name

    # Days with the same holiday, schools and places are said once.
    grouped: dict[tuple[str, int, int, tuple[str, ...]], list[dt.date]] = {}
    for (day, name), (count, where) in sorted(in_holiday.items()):
        grouped.setdefault((name, count, totals[day], tuple(where)), []).append(day)
    warnings = []
    for (name, count, total, where), on in grouped.items():
        verb = "is" if len(on) == 1 else "are"
        warnings.append(
            f"{dates_text(on)} {verb} in the {name} for {_share(count, total)} called out "
            f"({_names(where)}): schools may be closed, so check the dates."
        )
    for year in sorted(missing):
        absent = sorted(missing[year].values())
        out = len(called[year])
        label = school_year_label(year)
        if len(absent) == out:
            warnings.append(
                f"No school term dates are recorded for {label} for "
                f"{'the local authority' if out == 1 else f'any of the {out} local authorities'} "
                f"called out ({_names(absent)}), so school holidays were not checked there."
            )
        else:
            warnings.append(
                f"No school term dates are recorded for {label} for {len(absent)} of the {out} "
                f"local authorities called out ({_names(absent)}), so school holidays were not "
                "checked there."
            )
    return warnings
