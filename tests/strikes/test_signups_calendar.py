"""The .ics we write by hand: RFC 5545 shape, folding, and times across the clock change."""

from __future__ import annotations

import datetime as dt

import pytest

from strikes.calendar import ics_calendar, ics_escape, ics_fold
from tests import factories as f


def _signup_on(day: dt.date, **school):
    shift = f.ShiftFactory(
        picket_line__strike_day__date=day,
        starts_at=f.london(day, "07:30"),
        ends_at=f.london(day, "09:00"),
    )
    if school:
        for key, value in school.items():
            setattr(shift.picket_line.school, key, value)
        shift.picket_line.school.save()
    return f.SignupFactory(shift=shift)


def test_summer_shift_is_0630_utc(db):
    # Friday 23 October 2026: still British Summer Time (clocks go back on 25 October).
    text = ics_calendar([_signup_on(dt.date(2026, 10, 23))])
    assert "DTSTART:20261023T063000Z\r\n" in text
    assert "DTEND:20261023T080000Z\r\n" in text


def test_winter_shift_is_0730_utc(db):
    # Monday 26 October 2026: Greenwich Mean Time again.
    text = ics_calendar([_signup_on(dt.date(2026, 10, 26))])
    assert "DTSTART:20261026T073000Z\r\n" in text


def test_spring_change_late_march(db):
    # Clocks go forward on Sunday 29 March 2026.
    before = ics_calendar([_signup_on(dt.date(2026, 3, 27))])
    after = ics_calendar([_signup_on(dt.date(2026, 3, 30))])
    assert "DTSTART:20260327T073000Z" in before
    assert "DTSTART:20260330T063000Z" in after


def test_calendar_shape_and_crlf(db):
    signup = _signup_on(dt.date(2026, 11, 4), name="St Mary's, Church; School")
    text = ics_calendar([signup])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert f"UID:signup-{signup.pk}@picketline\r\n" in text
    assert "DTSTAMP:" in text
    assert "SUMMARY:Picket at St Mary's\\, Church\\; School" in text
    assert "LOCATION:" in text


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "LOCATION:" + ics_escape("Ysgol Gymraeg Llundain – " * 8)
    folded = ics_fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0]] + [p[1:] for p in parts[1:]]) == line


def test_escape_newlines_and_backslashes():
    assert ics_escape("a\\b\nc") == "a\\\\b\\nc"


def test_attachment_for_confirmation_email(db):
    from strikes.calendar import ics_attachment_for_signup

    signup = _signup_on(dt.date(2026, 11, 4))
    name, text, mimetype = ics_attachment_for_signup(signup.pk)
    assert name == f"picket-{signup.pk}.ics"
    assert mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in text
    assert ics_attachment_for_signup(999999) is None


def test_confirmation_email_uses_the_shared_calendar_builder(db):
    messages = pytest.importorskip("strikes.messages")
    shift_ics = getattr(messages, "shift_ics", None)
    if shift_ics is None:
        pytest.skip("the notifications area has no shift_ics")
    signup = _signup_on(dt.date(2026, 10, 23))
    text = shift_ics(signup=signup)
    assert "DTSTART:20261023T063000Z\r\n" in text
    assert "CALSCALE:GREGORIAN" in text  # ours, not the fallback
