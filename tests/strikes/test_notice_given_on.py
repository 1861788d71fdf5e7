"""The day notice is given to the employers, apart from the day the strike day is announced: it
decides the notice the law asks for (14 days before 18 February 2026, 10 from then), it may not
come before the ballot closed, and it is shown wherever the notice is explained."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from kernel.errors import DomainError
from strikes.models import StrikeDay
from strikes.services.planning import (
    ballot_record,
    dispute_create,
    strike_day_announce,
    strike_day_move_for,
    strike_days_announce,
)

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]

TODAY = dt.date(2026, 2, 16)
CLOSED = dt.date(2026, 1, 12)


@pytest.fixture
def winter(world, national):
    """A teachers' dispute whose ballot (opened 1 December 2025, closed 12 January 2026, under
    the 2016 Act: six months) covers February and March 2026."""
    d = dispute_create(
        union=world.union,
        title="Winter pay",
        nations=[world.nation],
        staff_groups=["teacher"],
        acting_user=national,
    )
    ballot_record(
        dispute=d,
        opens_on=dt.date(2025, 12, 1),
        closes_on=CLOSED,
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=national,
    )
    return d


def announce(dispute, user, day, notice=None):
    return strike_day_announce(
        dispute=dispute,
        date=day,
        scope_kind="national",
        acting_user=user,
        today=TODAY,
        notice_given_on=notice,
    )


def test_notice_given_on_17_february_2026_needs_14_days(winter, national):
    with pytest.raises(DomainError) as refused:
        announce(winter, national, dt.date(2026, 3, 2), notice=dt.date(2026, 2, 17))
    assert refused.value.message == (
        "Under the Trade Union Act 2016 employers need 14 days' notice: the earliest date is "
        "3 March 2026"
    )
    day = announce(winter, national, dt.date(2026, 3, 3), notice=dt.date(2026, 2, 17))
    assert day.notice_given_on == dt.date(2026, 2, 17)


def test_notice_given_on_18_february_2026_needs_10_days(winter, national):
    with pytest.raises(DomainError) as refused:
        announce(winter, national, dt.date(2026, 2, 27), notice=dt.date(2026, 2, 18))
    assert refused.value.message == (
        "Under the Employment Rights Act 2025 employers need 10 days' notice: the earliest date "
        "is 28 February 2026"
    )
    assert announce(winter, national, dt.date(2026, 2, 28), notice=dt.date(2026, 2, 18)).pk


def test_the_day_notice_is_given_decides_not_the_day_of_announcing(winter, national):
    """2 March 2026 is 13 days after 17 February (too few under the 2016 Act) and 12 after 18
    February (enough under the 2025 Act): announced on the same day, only the later notice
    passes."""
    with pytest.raises(DomainError):
        announce(winter, national, dt.date(2026, 3, 2), notice=dt.date(2026, 2, 17))
    assert not StrikeDay.objects.exists()
    day = announce(winter, national, dt.date(2026, 3, 2), notice=dt.date(2026, 2, 18))
    assert day.notice_on == dt.date(2026, 2, 18)


def test_notice_given_earlier_lets_a_day_come_sooner_than_from_today(winter, national):
    # Announced on 16 February; 20 February would need notice by 6 February under the 2016 Act
    # (14 days), given here on 5 February.
    day = announce(winter, national, dt.date(2026, 2, 20), notice=dt.date(2026, 2, 5))
    assert day.notice_given_on == dt.date(2026, 2, 5)
    with pytest.raises(DomainError) as refused:
        announce(winter, national, dt.date(2026, 2, 23))  # notice today, 16 February: 7 days
    assert "the earliest date is 2 March 2026" in refused.value.message


def test_notice_before_the_ballot_closed_does_not_count(winter, national):
    with pytest.raises(DomainError) as refused:
        announce(winter, national, dt.date(2026, 2, 2), notice=dt.date(2026, 1, 11))
    assert (
        "Notice given on 11 January 2026 is before the ballot closed on 12 January 2026: notice "
        "of action follows the result" in refused.value.message
    )
    # Notice on the day the ballot closed counts.
    day = announce(winter, national, dt.date(2026, 2, 2), notice=CLOSED)
    assert day.notice_given_on == CLOSED


def test_an_implausible_notice_date_is_refused_and_changes_nothing(winter, national):
    for notice in (dt.date(9999, 12, 31), dt.date(1999, 12, 31)):
        with pytest.raises(DomainError) as refused:
            announce(winter, national, dt.date(2026, 3, 3), notice=notice)
        assert refused.value.code == "implausible_date"
        assert "is not a plausible date" in refused.value.message
    assert not StrikeDay.objects.exists()


def test_without_a_date_notice_is_given_today(winter, national):
    day = announce(winter, national, dt.date(2026, 3, 3))
    assert day.notice_given_on == TODAY


def test_a_run_takes_one_notice_date_for_every_day(winter, national):
    run = strike_days_announce(
        dispute=winter,
        dates=[dt.date(2026, 2, 28), dt.date(2026, 3, 2)],
        scope_kind="national",
        acting_user=national,
        today=TODAY,
        notice_given_on=dt.date(2026, 2, 18),
    )
    assert {d.notice_given_on for d in run.days} == {dt.date(2026, 2, 18)}
    with pytest.raises(DomainError) as refused:
        strike_days_announce(
            dispute=winter,
            dates=[dt.date(2026, 3, 2), dt.date(2026, 3, 3)],
            scope_kind="national",
            acting_user=national,
            today=TODAY,
            notice_given_on=dt.date(2026, 2, 17),
        )
    # The first day decides: 2 March is 13 days after 17 February, under the 2016 Act's 14.
    assert refused.value.message == (
        "Under the Trade Union Act 2016 employers need 14 days' notice: the earliest date is "
        "3 March 2026"
    )


def test_a_moved_day_takes_its_own_notice(winter, national, world):
    day = announce(winter, national, dt.date(2026, 3, 3), notice=dt.date(2026, 2, 17))
    with pytest.raises(DomainError) as refused:
        strike_day_move_for(
            strike_day=day,
            new_date=dt.date(2026, 3, 5),
            districts=[world.d1],
            acting_user=national,
            today=TODAY,
            notice_given_on=dt.date(2026, 2, 24),
        )
    assert "the earliest date is 6 March 2026" in refused.value.message
    moved = strike_day_move_for(
        strike_day=day,
        new_date=dt.date(2026, 3, 6),
        districts=[world.d1],
        acting_user=national,
        today=TODAY,
        notice_given_on=dt.date(2026, 2, 24),
    )
    assert moved.notice_given_on == dt.date(2026, 2, 24)


def test_the_database_refuses_notice_on_or_after_the_day(winter, national):
    from django.db import IntegrityError, transaction

    day = announce(winter, national, dt.date(2026, 3, 3))
    day.notice_given_on = day.date
    with pytest.raises(IntegrityError), transaction.atomic():
        day.save(update_fields=["notice_given_on"])


# --- The pages ---------------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def post_announce(client, dispute, **data):
    form = {
        "date": "2026-03-02",
        "starts_at": "07:30",
        "ends_at": "16:00",
        "scope_kind": "national",
        **data,
    }
    return client.post(reverse("strikes:planning-announce", args=[dispute.pk]), form)


def test_the_announce_page_offers_the_notice_date_defaulting_to_today(
    client, winter, national, frozen
):
    client.force_login(national)
    page = client.get(reverse("strikes:planning-announce", args=[winter.pk])).content.decode()
    assert 'name="notice_given_on" value="2026-02-16"' in page
    assert "Notice given to the employers on" in page
    assert "notice given before 18 February 2026 needs 14 days, from then 10" in page


def test_the_announce_page_uses_the_notice_date_given(client, winter, national, frozen):
    client.force_login(national)
    refused = post_announce(client, winter, notice_given_on="2026-02-17")
    assert refused.status_code == 200
    assert "employers need 14 days&#x27; notice: the earliest date is 3 March 2026" in (
        refused.content.decode()
    )
    assert not StrikeDay.objects.exists()
    response = post_announce(client, winter, notice_given_on="2026-02-18")
    assert response.status_code == 302
    day = StrikeDay.objects.get()
    assert day.notice_given_on == dt.date(2026, 2, 18)
    page = client.get(response["Location"]).content.decode()
    assert "Notice given to the employers on <strong>18 February 2026</strong>, 12 days" in page
    assert (
        "Under the Employment Rights Act 2025 (in force on the day notice was given) employers "
        "need 10 days' notice, so the earliest day that notice allows is 28 February 2026"
    ) in page
    dispute_page = client.get(reverse("strikes:planning-dispute", args=[winter.pk])).content
    assert "18 Feb 2026" in dispute_page.decode()
    ics = client.get(reverse("strikes:planning-calendar-ics", args=[winter.pk]))
    (event,) = Calendar.from_ical(ics.content).events
    assert "Notice given to the employers on 18 February 2026." in event.description


@pytest.mark.parametrize(
    "notice, error",
    [
        ("9999-12-31", "is not a plausible date"),
        ("2026-03-02", "Notice must be given before the first strike day."),
        ("2026-03-09", "Notice must be given before the first strike day."),
        ("31/02/2026", "Enter a valid date."),
    ],
)
def test_a_bad_notice_date_is_a_form_error_and_announces_nothing(
    client, winter, national, frozen, notice, error
):
    client.force_login(national)
    response = post_announce(client, winter, notice_given_on=notice)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not StrikeDay.objects.exists()


def test_the_wrong_person_cannot_announce_with_a_notice_date(client, world, winter, frozen):
    from tests import factories as f

    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    assert post_announce(client, winter, notice_given_on="2026-02-18").status_code == 403
    assert not StrikeDay.objects.exists()
