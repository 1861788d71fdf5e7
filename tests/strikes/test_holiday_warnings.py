"""Warnings, never blocks, when a strike day falls in a recorded school holiday for schools it
calls out, and a plain word when no term dates are recorded for some of the areas called out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import SchoolHoliday
from strikes.holidays import dates_text, strike_days_holiday_warnings
from strikes.models import StrikeDay
from strikes.services.planning import strike_days_announce
from tests import factories as f

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]

TODAY = dt.date(2026, 11, 23)


def announce(dispute, user, *dates, **scope):
    scope = scope or {"scope_kind": "national"}
    return strike_days_announce(
        dispute=dispute, dates=list(dates), acting_user=user, today=TODAY, **scope
    )


def holiday(name, first, last, *, district=None, nation=None):
    return SchoolHoliday.objects.create(
        name=name, first_day=first, last_day=last, district=district, nation=nation
    )


def test_a_day_in_one_authoritys_holiday_is_a_warning_and_the_rest_are_said_unchecked(
    dispute, world, national
):
    holiday("Christmas holiday", dt.date(2026, 12, 21), dt.date(2027, 1, 1), district=world.d1)
    run = announce(dispute, national, dt.date(2026, 12, 21))
    assert run.days[0].pk  # announced all the same: a warning, not a block
    assert run.warnings == [
        "21 December 2026 is in the Christmas holiday for 2 of the 4 schools called out "
        "(Newcastle upon Tyne): schools may be closed, so check the dates.",
        "No school term dates are recorded for 2026/27 for 2 of the 3 local authorities called "
        "out (Camden, Gateshead), so school holidays were not checked there.",
    ]


def test_a_nations_holiday_covers_every_authority_and_days_are_said_together(
    dispute, world, national
):
    holiday("Easter holiday", dt.date(2027, 3, 29), dt.date(2027, 4, 9), nation=world.nation)
    run = announce(
        dispute, national, dt.date(2027, 3, 26), dt.date(2027, 3, 29), dt.date(2027, 3, 30)
    )
    assert run.warnings == [
        "29 and 30 March 2027 are in the Easter holiday for all 4 schools called out (Camden, "
        "Gateshead, Newcastle upon Tyne): schools may be closed, so check the dates."
    ]


def test_holidays_of_another_school_year_are_not_term_dates_for_this_one(dispute, world, national):
    holiday("Summer holiday", dt.date(2026, 7, 22), dt.date(2026, 8, 31), district=world.d3)
    run = announce(dispute, national, dt.date(2026, 12, 10))
    assert run.warnings == [
        "No school term dates are recorded for 2026/27 for any of the 3 local authorities called "
        "out (Camden, Gateshead, Newcastle upon Tyne), so school holidays were not checked there."
    ]


def test_a_day_in_term_where_term_dates_are_known_says_nothing(dispute, world, national):
    for district in (world.d1, world.d2, world.d3):
        holiday(
            "October half-term", dt.date(2026, 10, 26), dt.date(2026, 10, 30), district=district
        )
    run = announce(dispute, national, dt.date(2026, 12, 10))
    assert run.warnings == []


def test_one_authority_without_term_dates_is_named(dispute, world, national):
    run = announce(
        dispute, national, dt.date(2026, 12, 10), scope_kind="district", districts=[world.d3]
    )
    assert run.warnings == [
        "No school term dates are recorded for 2026/27 for the local authority called out "
        "(Camden), so school holidays were not checked there."
    ]


def test_schools_no_longer_called_out_are_not_counted(dispute, world, national):
    from strikes.services.planning import strike_day_cancel_for

    holiday("INSET day", dt.date(2026, 12, 10), dt.date(2026, 12, 10), nation=world.nation)
    (day,) = announce(dispute, national, dt.date(2026, 12, 10)).days
    strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=national)
    assert strike_days_holiday_warnings(days=[day]) == [
        "10 December 2026 is in the INSET day for both schools called out (Camden, Gateshead): "
        "schools may be closed, so check the dates."
    ]


def test_the_warnings_take_two_queries_for_3_or_30_schools(dispute, world, national):
    holiday("Christmas holiday", dt.date(2026, 12, 21), dt.date(2027, 1, 1), district=world.d1)
    (small,) = announce(dispute, national, dt.date(2026, 12, 21)).days
    for i in range(26):
        f.SchoolFactory(district=[world.d1, world.d2, world.d3][i % 3])
    (large,) = announce(dispute, national, dt.date(2026, 12, 22)).days
    counts = []
    for day in (small, large):
        day = StrikeDay.objects.get(pk=day.pk)
        with CaptureQueriesContext(connection) as ctx:
            warnings = strike_days_holiday_warnings(days=[day])
        counts.append(len(ctx))
        assert "Christmas holiday" in warnings[0]
    assert counts == [2, 2]
    assert "for 11 of the 30 schools called out" in strike_days_holiday_warnings(days=[large])[0]


def test_dates_text():
    assert dates_text([dt.date(2027, 3, 12)]) == "12 March 2027"
    assert dates_text([dt.date(2027, 3, 31), dt.date(2027, 3, 29), dt.date(2027, 3, 30)]) == (
        "29, 30 and 31 March 2027"
    )
    assert dates_text([dt.date(2027, 3, 31), dt.date(2027, 4, 1)]) == (
        "31 March 2027 and 1 April 2027"
    )


# --- The pages ---------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_day_page_shows_the_holiday_warning_after_announcing_and_keeps_it(
    client, dispute, world, national
):
    holiday("Christmas holiday", dt.date(2026, 12, 21), dt.date(2027, 1, 1), district=world.d1)
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {"date": "2026-12-21", "starts_at": "07:30", "ends_at": "16:00", "scope_kind": "national"},
        follow=True,
    )
    page = response.content.decode()
    expected = (
        "21 December 2026 is in the Christmas holiday for 2 of the 4 schools called out "
        "(Newcastle upon Tyne)"
    )
    assert page.count(expected) == 1  # in the day page's own box, not again as a message
    assert page.count("No school term dates are recorded for 2026/27 for 2 of the 3") == 1
    day = StrikeDay.objects.get()
    again = client.get(reverse("strikes:planning-day", args=[day.pk])).content.decode()
    assert 'id="holiday-warnings"' in again and expected in again


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_run_announced_from_the_page_gives_the_holiday_warnings_as_messages(
    client, dispute, world, national
):
    holiday("Christmas holiday", dt.date(2026, 12, 21), dt.date(2027, 1, 1), nation=world.nation)
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {
            "date": "2026-12-18",
            "until": "2026-12-21",
            "starts_at": "07:30",
            "ends_at": "16:00",
            "scope_kind": "national",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "4 strike days announced" in page
    assert (
        "21 December 2026 is in the Christmas holiday for all 4 schools called out (Camden, "
        "Gateshead, Newcastle upon Tyne)" in page
    )
