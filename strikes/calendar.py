"""iCalendar (RFC 5545) text for picket shifts, written by hand: it is a small format.

Times are written in UTC with a ``Z``, so calendar apps place a 07:30 London picket right on
both sides of the clock change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone

from strikes.models import Signup

CRLF = "\r\n"


def ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current = " "
            size = 1
        current += char
        size += width
    parts.append(current)
    return CRLF.join(parts)


def ics_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(signup: Signup, stamp: datetime) -> list[str]:
    shift = signup.shift
    line = shift.picket_line
    school = line.school
    status = "Waitlist: " if signup.status == Signup.Status.WAITLISTED else ""
    where = ", ".join(
        part for part in (school.name, line.entrance.name, school.town, school.postcode) if part
    )
    return [
        "BEGIN:VEVENT",
        f"UID:signup-{signup.pk}@picketline",
        f"DTSTAMP:{ics_utc(stamp)}",
        f"DTSTART:{ics_utc(shift.starts_at)}",
        f"DTEND:{ics_utc(shift.ends_at)}",
        f"SUMMARY:{ics_escape(f'{status}Picket at {school.name}')}",
        f"LOCATION:{ics_escape(where)}",
        f"DESCRIPTION:{ics_escape(f'Picket line at {line.entrance.name}.')}",
        "END:VEVENT",
    ]


def ics_calendar(signups: Iterable[Signup], *, name: str = "Picket shifts") -> str:
    """A whole VCALENDAR for these signups (shift, line, school and entrance preloaded)."""
    stamp = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Picketline//Picket shifts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
    ]
    for signup in signups:
        lines.extend(_event_lines(signup, stamp))
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + CRLF for line in lines)


def signup_ics(signup: Signup) -> str:
    """One signup's calendar text (used for the confirmation email's attachment)."""
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
