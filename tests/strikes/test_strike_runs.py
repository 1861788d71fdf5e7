"""Runs of days: several days announced at once with one notice check and one message, and
warnings (never blocks) for weekends, the union's own limit of days per school, and schools
already called out that day by another dispute of the union."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kernel.errors import DomainError
from strikes.services.planning import ballot_record, dispute_create
from tests.strikes.test_law_shape import figures

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]


def test_a_run_of_three_days_with_one_notice_check_and_warnings(dispute, world, national):
    from strikes.models import StrikePolicy
    from strikes.services.planning import strike_days_announce

    StrikePolicy.objects.create(union=world.union, max_days_per_school=4, period_days=92)
    today = dt.date(2026, 11, 23)
    first = strike_days_announce(
        dispute=dispute,
        dates=[dt.date(2026, 12, 3), dt.date(2026, 12, 4)],
        scope_kind="national",
        acting_user=national,
        today=today,
    )
    # No term dates are recorded, and the organiser is told so rather than left with silence.
    assert first.warnings == [
        "No school term dates are recorded for 2026/27 for any of the 3 local authorities "
        "called out (Camden, Gateshead, Newcastle upon Tyne), so school holidays were not "
        "checked there."
    ]
    # Thursday 10 to Monday 14 December: a weekend inside, and five days for every school.
    run = strike_days_announce(
        dispute=dispute,
        dates=[dt.date(2026, 12, 10) + dt.timedelta(days=i) for i in range(5)],
        scope_kind="district",
        districts=[world.d1],
        acting_user=national,
        today=today,
    )
    assert [d.date.day for d in run.days] == [10, 11, 12, 13, 14]
    assert run.warnings[0] == (
        "Saturday 12 December, Sunday 13 December are at the weekend, when schools are closed: "
        "check the dates."
    )
    assert "2 schools would be called out on more than 4 days in 92 days" in run.warnings[1]


def test_a_run_is_refused_whole_when_its_first_day_lacks_notice(dispute, national):
    from strikes.models import StrikeDay
    from strikes.services.planning import strike_days_announce

    with pytest.raises(DomainError) as refused:
        strike_days_announce(
            dispute=dispute,
            dates=[dt.date(2026, 12, 2), dt.date(2026, 12, 3)],
            scope_kind="national",
            acting_user=national,
            today=dt.date(2026, 11, 23),
        )
    assert "employers need 10 days' notice: the earliest date is 3 December 2026" in (
        refused.value.message
    )
    assert not StrikeDay.objects.exists()


def test_a_run_past_the_mandate_is_refused_whole(dispute, national):
    from strikes.models import StrikeDay
    from strikes.services.planning import strike_days_announce

    with pytest.raises(DomainError) as refused:
        strike_days_announce(
            dispute=dispute,
            dates=[dt.date(2027, 10, 29), dt.date(2027, 11, 1), dt.date(2027, 11, 2)],
            scope_kind="national",
            acting_user=national,
            today=dt.date(2027, 10, 1),
        )
    assert refused.value.message.startswith("2 November 2027 is outside the mandate")
    assert not StrikeDay.objects.exists()


def test_a_school_called_out_by_another_dispute_the_same_day_is_a_warning(dispute, world, national):
    from strikes.services.planning import strike_days_announce

    other = dispute_create(
        union=world.union,
        title="Workload at Heaton",
        place_kind="schools",
        schools=[world.s1],
        staff_groups=["support"],
        acting_user=national,
    )
    ballot_record(
        dispute=other,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 20),
        acting_user=national,
        **figures(70, 90, electorate=30),
    )
    today = dt.date(2026, 11, 23)
    strike_days_announce(
        dispute=other,
        dates=[dt.date(2026, 12, 10)],
        scope_kind="schools",
        schools=[world.s1],
        acting_user=national,
        today=today,
    )
    run = strike_days_announce(
        dispute=dispute,
        dates=[dt.date(2026, 12, 10)],
        scope_kind="national",
        acting_user=national,
        today=today,
    )
    assert run.warnings[0] == (
        "1 school is already called out on this day by another of the union's disputes: check "
        "members are told which dispute they strike in."
    )
    assert run.warnings[1].startswith("No school term dates are recorded for 2026/27")


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_announce_page_takes_a_range_and_a_list_in_one_go(client, dispute, national):
    from django.urls import reverse

    from strikes.models import StrikeDay

    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {
            "date": "2026-12-07",
            "until": "2026-12-09",
            "more_dates": "2026-12-15, 2026-12-16",
            "starts_at": "07:30",
            "ends_at": "16:00",
            "scope_kind": "national",
        },
        follow=True,
    )
    assert sorted(d.day for d in StrikeDay.objects.values_list("date", flat=True)) == [
        7,
        8,
        9,
        15,
        16,
    ]
    assert "5 strike days announced (Mon 7 Dec, Tue 8 Dec, Wed 9 Dec, Tue 15 Dec, Wed 16 Dec" in (
        response.content.decode()
    )


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "9999-12-31", "is not a plausible date"),
        ("date", "0001-01-01", "is not a plausible date"),
        ("until", "2026-12-01", "The run must end on or after its first day."),
        ("until", "2027-03-01", "Announce at most 31 days at once."),
        ("more_dates", "2026-13-01", "is not a date like 2026-12-10."),
        ("more_dates", "9999-01-01", "is not a plausible date"),
    ],
)
def test_the_announce_page_refuses_implausible_dates_with_a_message(
    client, dispute, national, field, value, message
):
    from django.urls import reverse

    from strikes.models import StrikeDay

    client.force_login(national)
    data = {"date": "2026-12-07", "starts_at": "07:30", "ends_at": "16:00"}
    data["scope_kind"] = "national"
    data[field] = value
    response = client.post(reverse("strikes:planning-announce", args=[dispute.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StrikeDay.objects.exists()
