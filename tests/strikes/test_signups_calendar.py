"""Every calendar we serve, read back with icalendar: the London VTIMEZONE, local times across
the clock changes, escaping and line folding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from strikes.calendar import ics_attachment_for_signup, ics_calendar, strike_days_ics
from strikes.messages import shift_ics
from tests import factories as f

LONDON = ZoneInfo("Europe/London")


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


def _event(text: str):
    calendar = Calendar.from_ical(text)
    (event,) = calendar.events
    return calendar, event


def test_every_calendar_carries_the_london_vtimezone(db):
    calendar, _ = _event(ics_calendar([_signup_on(dt.date(2026, 11, 4))]))
    (tz,) = calendar.timezones
    assert tz.tz_name == "Europe/London"
    assert calendar.get_missing_tzids() == set()
    # The VTIMEZONE's own rules give London's offsets on both sides of the change.
    zone = tz.to_tz()
    assert zone.utcoffset(dt.datetime(2026, 7, 1, 12)) == dt.timedelta(hours=1)
    assert zone.utcoffset(dt.datetime(2026, 12, 1, 12)) == dt.timedelta(0)


def test_an_empty_calendar_still_has_its_timezone(db):
    calendar = Calendar.from_ical(ics_calendar([]))
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.events == []


def test_0730_stays_0730_local_on_both_sides_of_the_autumn_change(db):
    # Friday 23 October 2026 is British Summer Time; clocks go back on Sunday 25 October.
    summer_text = ics_calendar([_signup_on(dt.date(2026, 10, 23))])
    winter_text = ics_calendar([_signup_on(dt.date(2026, 10, 26))])
    assert "DTSTART;TZID=Europe/London:20261023T073000\r\n" in summer_text
    assert "DTSTART;TZID=Europe/London:20261026T073000\r\n" in winter_text
    _, summer = _event(summer_text)
    _, winter = _event(winter_text)
    assert summer.start.astimezone(dt.UTC) == dt.datetime(2026, 10, 23, 6, 30, tzinfo=dt.UTC)
    assert winter.start.astimezone(dt.UTC) == dt.datetime(2026, 10, 26, 7, 30, tzinfo=dt.UTC)
    assert summer.end.astimezone(LONDON).time() == dt.time(9, 0)


def test_spring_change_late_march(db):
    # Clocks go forward on Sunday 29 March 2026.
    _, before = _event(ics_calendar([_signup_on(dt.date(2026, 3, 27))]))
    _, after = _event(ics_calendar([_signup_on(dt.date(2026, 3, 30))]))
    assert before.start.astimezone(dt.UTC).time() == dt.time(7, 30)
    assert after.start.astimezone(dt.UTC).time() == dt.time(6, 30)


def test_text_is_escaped_and_read_back_whole(db):
    signup = _signup_on(dt.date(2026, 11, 4), name="St Mary's, Church; School")
    text = ics_calendar([signup])
    assert "\n" not in text.replace("\r\n", "")
    assert "SUMMARY:Picket at St Mary's\\, Church\\; School" in text
    _, event = _event(text)
    assert str(event["UID"]) == f"signup-{signup.pk}@picketline"
    assert event.summary == "Picket at St Mary's, Church; School"
    assert event.DTSTAMP is not None


def test_long_lines_fold_at_75_octets_without_splitting_characters(db):
    name = "Ysgol Gymraeg Llundain – " * 8
    signup = _signup_on(dt.date(2026, 11, 4), name=name)
    text = ics_calendar([signup])
    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # folded continuation lines
    _, event = _event(text)
    assert event.summary == f"Picket at {name}"


def test_attachment_for_confirmation_email(db):
    signup = _signup_on(dt.date(2026, 11, 4))
    name, text, mimetype = ics_attachment_for_signup(signup.pk)
    assert name == f"picket-{signup.pk}.ics"
    assert mimetype == "text/calendar"
    _, event = _event(text)
    assert str(event["UID"]) == f"signup-{signup.pk}@picketline"
    assert ics_attachment_for_signup(999999) is None


def test_confirmation_email_uses_the_shared_calendar_builder(db):
    signup = _signup_on(dt.date(2026, 10, 23))
    calendar, event = _event(shift_ics(signup=signup))
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert event.start == dt.datetime(2026, 10, 23, 7, 30, tzinfo=LONDON)


def test_no_calendar_is_written_by_hand():
    root = Path(__file__).resolve().parents[2]
    marker = "BEGIN:" + "VCALENDAR"
    written = [
        path.relative_to(root)
        for folder in ("config", "kernel", "members", "schools", "strikes", "templates")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".ics"} and marker in path.read_text()
    ]
    assert written == []


def test_planning_feed_is_london_time_across_the_change_and_folds_long_titles(db):
    long_title = "National pay dispute in England and Wales, schools and sixth-form colleges"
    days = [
        f.StrikeDayFactory(
            date=dt.date(2026, 10, 23), starts_at=dt.time(7, 30), ends_at=dt.time(16), title=""
        ),
        f.StrikeDayFactory(
            date=dt.date(2026, 10, 26), starts_at=dt.time(7, 30), ends_at=dt.time(16), title=""
        ),
    ]
    for day in days:
        day.schools_out = 1
    text = strike_days_ics(days, title=long_title, host="picketline.example.org")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    calendar = Calendar.from_ical(text)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    summer, winter = sorted(calendar.events, key=lambda event: event.start)
    assert summer.start == dt.datetime(2026, 10, 23, 7, 30, tzinfo=LONDON)
    assert summer.start.astimezone(dt.UTC).hour == 6
    assert winter.start.astimezone(dt.UTC).hour == 7
    assert summer.summary == f"Strike day: {long_title}"
    assert summer.description.startswith("1 school called out. Notice given to the employers")
    assert str(summer["UID"]) == f"strike-day-{days[0].pk}@picketline.example.org"
