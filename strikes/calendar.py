"""Every iCalendar (RFC 5545) file and feed the app serves, built with ``icalendar``.

One builder for the three calendars: a member's shifts (download, feed and the confirmation
email's attachment) and an organiser's strike days (the planning feed). Times are written in
London local time with ``TZID=Europe/London`` and every calendar carries the matching
``VTIMEZONE`` (RFC 5545 3.6.5 requires it), so a 07:30 picket is 07:30 on both sides of the
clock change. ``icalendar`` does the escaping and the 75-octet line folding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from strikes.models import Signup, StrikeDay

LONDON_TZID = "Europe/London"
LONDON = ZoneInfo(LONDON_TZID)


def _london(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def calendar_text(*, name: str, prodid: str, events: Iterable[Event]) -> str:
    """A whole VCALENDAR: the London VTIMEZONE (covering the events' years), then the events."""
    events = list(events)
    years = [event.start.year for event in events] or [timezone.localdate().year]
    calendar = Calendar.new(
        prodid=prodid, name=name, calscale="GREGORIAN", method="PUBLISH", version="2.0"
    )
    # Only the transitions around the events, not every clock change since 1970.
    calendar.add_component(
        Timezone.from_tzinfo(
            LONDON,
            tzid=LONDON_TZID,
            first_date=dt.date(min(years) - 1, 1, 1),
            last_date=dt.date(max(years) + 2, 1, 1),
        )
    )
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def signup_event(signup: Signup, *, stamp: dt.datetime) -> Event:
    shift = signup.shift
    line = shift.picket_line
    school = line.school
    status = "Waitlist: " if signup.status == Signup.Status.WAITLISTED else ""
    where = ", ".join(
        part for part in (school.name, line.entrance.name, school.town, school.postcode) if part
    )
    return Event.new(
        uid=f"signup-{signup.pk}@picketline",
        stamp=stamp,
        start=_london(shift.starts_at),
        end=_london(shift.ends_at),
        summary=f"{status}Picket at {school.name}",
        location=where,
        description=f"Picket line at {line.entrance.name}.",
    )


def ics_calendar(signups: Iterable[Signup], *, name: str = "Picket shifts") -> str:
    """A member's shifts (shift, line, school and entrance preloaded)."""
    stamp = timezone.now()
    return calendar_text(
        name=name,
        prodid="-//Picketline//Picket shifts//EN",
        events=(signup_event(signup, stamp=stamp) for signup in signups),
    )


def signup_ics(signup: Signup) -> str:
    """One signup's calendar text (the confirmation email's attachment)."""
    return ics_calendar([signup])


def ics_attachment_for_signup(signup_id: int) -> tuple[str, str, str] | None:
    """(filename, text, mimetype) for attaching a signup's .ics to its confirmation email."""
    signup = (
        Signup.objects.select_related("shift__picket_line__school", "shift__picket_line__entrance")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None:
        return None
    return (f"picket-{signup.pk}.ics", ics_calendar([signup]), "text/calendar")


def strike_days_ics(days: Iterable[StrikeDay], *, title: str, host: str) -> str:
    """An organiser's feed of a dispute's strike days, one event per day in London time.

    Each day carries ``schools_out`` (annotated by the planning selector), which the event's
    description states.
    """
    stamp = timezone.now()
    events = []
    for day in days:
        count = day.schools_out
        notice = day.notice_on
        text = (
            f"{count} school{'' if count == 1 else 's'} called out. Notice given to the "
            f"employers on {notice.day} {notice:%B %Y}."
        )
        events.append(
            Event.new(
                uid=f"strike-day-{day.pk}@{host}",
                stamp=stamp,
                start=dt.datetime.combine(day.date, day.starts_at, tzinfo=LONDON),
                end=dt.datetime.combine(day.date, day.ends_at, tzinfo=LONDON),
                summary=day.title or f"Strike day: {title}",
                description=text,
            )
        )
    return calendar_text(name=title, prodid="-//Picketline//Planning//EN", events=events)
