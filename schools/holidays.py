"""School holidays as data: which recorded holidays cover a date in an area, and whether an area
has term dates recorded at all for a school year.

Places only (no strikes): ``holiday_calendar`` loads, in one query, every holiday of the given
local authorities and their nations around the given dates; the caller counts its own schools by
local authority and asks the calendar about each. A school year runs from 1 September to 31
August; an area has term dates for a year when a holiday of its own or of its nation starts in
that year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q

from schools.models import MAX_HOLIDAY_DAYS, SchoolHoliday


def school_year(day: dt.date) -> int:
    """The calendar year a school year starts in: 12 March 2027 is in 2026/27, so 2026."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(year: int) -> str:
    """'2026/27'."""
    return f"{year}/{(year + 1) % 100:02d}"


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


@dataclass(frozen=True)
class _Holiday:
    name: str
    first_day: dt.date
    last_day: dt.date


@dataclass
class HolidayCalendar:
    """The recorded holidays of some local authorities (by district id) and their nations."""

    nation_of: Mapping[int, int]
    by_district: dict[int, list[_Holiday]] = field(default_factory=dict)
    by_nation: dict[int, list[_Holiday]] = field(default_factory=dict)

    def _rows(self, district_id: int) -> list[_Holiday]:
        nation_id = self.nation_of.get(district_id)
        return self.by_district.get(district_id, []) + self.by_nation.get(nation_id, [])

    def names_on(self, day: dt.date, district_id: int) -> list[str]:
        """The holidays covering ``day`` in the local authority (its own or its nation's)."""
        names: list[str] = []
        for h in self._rows(district_id):
            if h.first_day <= day <= h.last_day and h.name not in names:
                names.append(h.name)
        return names

    def has_term_dates(self, day: dt.date, district_id: int) -> bool:
        """Are any term dates recorded for the local authority in ``day``'s school year?"""
        start, end = _year_bounds(school_year(day))
        return any(start <= h.first_day <= end for h in self._rows(district_id))


def holiday_calendar(*, dates: Iterable[dt.date], nation_of: Mapping[int, int]) -> HolidayCalendar:
    """The holidays of these local authorities (``nation_of``: district id -> nation id) and
    their nations, in the school years of ``dates`` (one query)."""
    calendar = HolidayCalendar(nation_of=nation_of)
    years = sorted({school_year(d) for d in dates})
    if not years or not nation_of:
        return calendar
    # A holiday covering a date may have started up to its length before the year began.
    starts = Q()
    for year in years:
        start, end = _year_bounds(year)
        starts |= Q(first_day__range=(start - dt.timedelta(days=MAX_HOLIDAY_DAYS), end))
    rows = (
        SchoolHoliday.objects.filter(starts)
        .filter(
            Q(district_id__in=list(nation_of)) | Q(nation_id__in=sorted(set(nation_of.values())))
        )
        .values_list("district_id", "nation_id", "name", "first_day", "last_day")
    )
    for district_id, nation_id, name, first_day, last_day in rows:
        holiday = _Holiday(name=name, first_day=first_day, last_day=last_day)
        if district_id is not None:
            calendar.by_district.setdefault(district_id, []).append(holiday)
        else:
            calendar.by_nation.setdefault(nation_id, []).append(holiday)
    return calendar
