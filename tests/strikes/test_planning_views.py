"""Planning pages: who may see them, recording a ballot, announcing, cancelling, calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from strikes.models import Ballot, CalledOutSchool, Dispute, PicketLine, Rally, StrikeDay
from strikes.services.planning import ballot_record, strike_day_announce
from tests import factories as f

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 12, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def role(world, kind="national_organiser", **place):
    return f.RoleFactory(union=world.union, kind=kind, **place).user


@pytest.fixture
def day(dispute, national):
    return strike_day_announce(
        dispute=dispute, date=DAY, scope_kind="national", acting_user=national, today=TODAY
    )


# --- Refusals ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, dispute):
    response = client.get(reverse("strikes:planning-dispute", args=[dispute.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_member_and_rep_are_refused_planning(client, world, dispute):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    rep = role(world, "rep", school=world.s1)
    for user in (member, rep):
        client.force_login(user)
        assert client.get(reverse("strikes:planning-home")).status_code == 403
        assert client.get(reverse("strikes:planning-dispute", args=[dispute.pk])).status_code == 403
        response = client.post(
            reverse("strikes:planning-announce", args=[dispute.pk]),
            {
                "date": "2026-12-10",
                "starts_at": "07:30",
                "ends_at": "16:00",
                "scope_kind": "schools",
                "schools": str(world.s1.urn),
            },
        )
        assert response.status_code == 403
    assert not StrikeDay.objects.exists()


def test_officer_of_another_union_gets_404(client, world, dispute):
    other = f.RoleFactory(union=f.UnionFactory(short_name="PCS")).user
    client.force_login(other)
    assert client.get(reverse("strikes:planning-dispute", args=[dispute.pk])).status_code == 404
    assert client.get(reverse("strikes:planning-home")).status_code == 200
    assert b"Pay 2026" not in client.get(reverse("strikes:planning-home")).content


def test_district_officer_announcing_elsewhere_sees_form_error(client, world, dispute):
    officer = role(world, "district_officer", district=world.d1)
    client.force_login(officer)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {
            "date": "2026-12-10",
            "starts_at": "07:30",
            "ends_at": "16:00",
            "scope_kind": "schools",
            "schools": f"{world.s1.urn} {world.s4.urn}",
        },
    )
    assert response.status_code == 200
    assert "only for places within your own area" in response.content.decode()
    assert not StrikeDay.objects.exists()


# --- Pages -------------------------------------------------------------------------------------


def test_home_lists_disputes(client, national, dispute, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("strikes:planning-home"))
    assert "Pay 2026" in response.content.decode()


def test_create_dispute_page(client, world, national):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-dispute-new"),
        {
            "title": "Workload",
            "staff_groups": ["teacher", "support"],
            "place_kind": "nation",
            "nations": [world.nation.pk],
            "employer_kinds": ["local_authority", "academy_trust"],
        },
    )
    assert response.status_code == 302
    assert "/planning/dispute/" in response["Location"]
    dispute = Dispute.objects.get(title="Workload")
    assert dispute.place_kind == "nation"
    assert list(dispute.nations.all()) == [world.nation]
    assert dispute.employer_kinds == ["local_authority", "academy_trust"]


def test_record_ballot_and_see_verdict_with_reasons_and_as_at(client, national, dispute):
    client.force_login(national)
    url = reverse("strikes:planning-dispute", args=[dispute.pk])
    response = client.post(
        url,
        {
            "kind": "postal",
            "aggregation": "aggregated",
            "opens_on": "2026-01-05",
            "closes_on": "2026-02-02",
            "electorate": "1000",
            "votes_cast": "482",
            "votes_yes": "450",
            "votes_no": "32",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Turnout 48.2% is below the 50% threshold (Trade Union Act 2016)" in page
    assert "guidance as at 1 December 2026" in page
    assert "No mandate" in page


def test_ballot_with_more_votes_than_electorate_shows_error(client, national, dispute):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-dispute", args=[dispute.pk]),
        {
            "kind": "postal",
            "aggregation": "aggregated",
            "opens_on": "2026-10-01",
            "closes_on": "2026-11-02",
            "electorate": "100",
            "votes_cast": "101",
            "votes_yes": "1",
            "votes_no": "1",
        },
    )
    assert response.status_code == 200
    assert "101 votes cast is more than the electorate of 100" in response.content.decode()
    assert Ballot.objects.count() == 1


def test_bad_form_values_do_not_500(client, national, dispute):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-dispute", args=[dispute.pk]),
        {"opens_on": "yesterday", "electorate": "-3"},
    )
    assert response.status_code == 200
    assert client.get(reverse("strikes:planning-dispute", args=[99999])).status_code == 404
    assert client.get(reverse("strikes:planning-day", args=[99999])).status_code == 404


def test_announce_shows_notice_problem_as_form_error(client, national, dispute):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {"date": "2026-12-02", "starts_at": "07:30", "ends_at": "16:00", "scope_kind": "national"},
    )
    assert response.status_code == 200
    assert (
        "Under the Employment Rights Act 2025 employers need 10 days&#x27; notice: the earliest "
        "date is 3 December 2026" in response.content.decode()
    )


def test_announce_regional_day(client, world, national, dispute):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-announce", args=[dispute.pk]),
        {
            "date": "2026-12-10",
            "starts_at": "07:30",
            "ends_at": "16:00",
            "scope_kind": "region",
            "regions": [world.north.pk],
        },
    )
    assert response.status_code == 302
    day = StrikeDay.objects.get()
    assert PicketLine.objects.filter(strike_day=day).count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "Gateshead" in page and "Holborn" not in page


def test_day_page_is_scoped_to_the_officers_district(
    client, world, day, django_assert_max_num_queries
):
    officer = role(world, "district_officer", district=world.d3)
    client.force_login(officer)
    # 15, one for the public page, 3 to say which staff groups are out (counts, an example
    # school, the ballots), one for the notice's rule set and 2 for school holidays.
    with django_assert_max_num_queries(22):
        page = client.get(reverse("strikes:planning-day", args=[day.pk])).content.decode()
    assert "Camden" in page and "Gateshead" not in page


def test_cancel_for_one_district_from_the_page(client, world, national, day):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-cancel", args=[day.pk]),
        {"cancel-part": "district", "cancel-districts": [world.d2.pk]},
    )
    assert response.status_code == 302
    assert list(
        CalledOutSchool.objects.filter(cancelled_at__isnull=False).values_list("school", flat=True)
    ) == [world.s3.pk]


def test_district_officer_cannot_cancel_another_district_from_the_page(client, world, day):
    officer = role(world, "district_officer", district=world.d1)
    client.force_login(officer)
    response = client.post(
        reverse("strikes:planning-cancel", args=[day.pk]),
        {"cancel-part": "district", "cancel-districts": [world.d2.pk]},
    )
    assert response.status_code == 200  # d2 is not offered: form error
    assert not CalledOutSchool.objects.filter(cancelled_at__isnull=False).exists()


def test_move_for_a_region_from_the_page(client, world, national, day):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-move", args=[day.pk]),
        {"move-part": "region", "move-regions": [world.south.pk], "move-new_date": "2026-12-14"},
    )
    assert response.status_code == 302
    moved = StrikeDay.objects.get(moved_from=day)
    assert list(moved.schools.values_list("school", flat=True)) == [world.s4.pk]


def test_rally_create_from_the_page(client, world, national, day):
    client.force_login(national)
    response = client.post(
        reverse("strikes:planning-rally", args=[day.pk]),
        {
            "rally-title": "Rally at the Monument",
            "rally-kind": "rally",
            "rally-starts_at": "11:00",
            "rally-meeting_point": "Grey's Monument",
            "rally-region": world.north.pk,
        },
    )
    assert response.status_code == 302
    rally = Rally.objects.get()
    assert rally.region == world.north
    page = client.get(reverse("strikes:planning-day", args=[day.pk])).content.decode()
    assert "Rally at the Monument" in page


def test_rallies_for_school_selector(world, national, day):
    from strikes.selectors.planning import rallies_for_school
    from strikes.services.planning import rally_create
    from tests.factories import london

    near = rally_create(
        strike_day=day,
        district=world.d1,
        title="Newcastle",
        starts_at=london(DAY, "11:00"),
        meeting_point="Haymarket",
        acting_user=national,
    )
    national_rally = rally_create(
        strike_day=day,
        title="London march",
        starts_at=london(DAY, "12:00"),
        meeting_point="Parliament",
        acting_user=national,
    )
    rally_create(
        strike_day=day,
        district=world.d3,
        title="Camden",
        starts_at=london(DAY, "11:00"),
        meeting_point="Town hall",
        acting_user=national,
    )
    region_rally = rally_create(
        strike_day=day,
        region=world.north,
        title="North",
        starts_at=london(DAY, "13:00"),
        meeting_point="Quayside",
        acting_user=national,
    )
    assert list(rallies_for_school(strike_day=day, school=world.s1)) == [
        near,
        national_rally,
        region_rally,
    ]


def test_calendar_ics_for_a_district(client, world, national, day):
    client.force_login(national)
    url = reverse("strikes:planning-calendar-ics", args=[day.dispute_id])
    response = client.get(url, {"district": world.d1.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.get_missing_tzids() == set()
    (event,) = calendar.events
    assert event.start == dt.datetime(2026, 12, 10, 7, 30, tzinfo=ZoneInfo("Europe/London"))
    assert event.description == (
        "2 schools called out. Notice given to the employers on 23 November 2026."
    )


def test_calendar_ics_skips_districts_where_the_day_is_cancelled(client, world, national, day):
    from strikes.services.planning import strike_day_cancel_for

    strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=national)
    client.force_login(national)
    url = reverse("strikes:planning-calendar-ics", args=[day.dispute_id])
    assert "BEGIN:VEVENT" not in client.get(url, {"district": world.d1.pk}).content.decode()
    assert "BEGIN:VEVENT" in client.get(url, {"district": world.d2.pk}).content.decode()
    assert (
        client.get(reverse("strikes:planning-calendar", args=[day.dispute_id])).status_code == 200
    )


def test_dispute_page_queries_do_not_grow_with_ballots(client, national, dispute):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(national)
    url = reverse("strikes:planning-dispute", args=[dispute.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        f.BallotFactory(dispute=dispute)
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one)


def test_school_calendar_shows_its_picket_lines(client, world, national, day):
    client.force_login(national)
    url = reverse("strikes:planning-calendar", args=[day.dispute_id])
    page = client.get(url, {"urn": world.s1.urn}).content.decode()
    assert "Picket line at Main site: Main entrance · 2 shifts" in page
    ics = client.get(
        reverse("strikes:planning-calendar-ics", args=[day.dispute_id]), {"urn": world.s1.urn}
    )
    assert "1 school called out." in ics.content.decode()


def test_school_calendar_outside_the_officers_area_is_404(client, world, day):
    officer = role(world, "district_officer", district=world.d1)
    client.force_login(officer)
    url = reverse("strikes:planning-calendar", args=[day.dispute_id])
    assert client.get(url, {"urn": world.s4.urn}).status_code == 404
    assert client.get(url, {"urn": world.s2.urn}).status_code == 200
    assert client.get(url, {"urn": "not-a-number"}).status_code == 200


def test_public_can_see_rallies_of_an_announced_day(client, world, national, day):
    from strikes.services.planning import rally_create, strike_day_cancel_for
    from tests.factories import london

    rally_create(
        strike_day=day,
        region=world.north,
        title="Rally at the Monument",
        starts_at=london(DAY, "11:00"),
        meeting_point="Grey's Monument",
        acting_user=national,
    )
    url = reverse("strikes:public-rallies", args=[day.pk])
    page = client.get(url).content.decode()
    assert "Rally at the Monument" in page and "11:00" in page
    strike_day_cancel_for(strike_day=day, nation=world.nation, acting_user=national)
    assert client.get(url).status_code == 404


def test_passing_ballot_shows_the_mandate_window(client, national, dispute):
    client.force_login(national)
    page = client.get(reverse("strikes:planning-dispute", args=[dispute.pk])).content.decode()
    assert "Action may be taken from 3 November 2026" in page
    # Twelve months beginning with the closing day (2 Nov 2026) end on 1 Nov 2027.
    assert "until 1 November 2027" in page
    assert "Notice given to the employers today needs 10 days" in page


def test_per_unit_results_recorded_from_the_page(client, world, national, dispute):
    ballot = ballot_record(
        dispute=dispute,
        aggregation="per_unit",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=80,
        votes_cast=50,
        votes_yes=40,
        votes_no=10,
        acting_user=national,
    )
    client.force_login(national)
    url = reverse("strikes:planning-ballot-unit", args=[ballot.pk])
    response = client.post(
        url,
        {
            "school": str(world.s1.urn),
            "electorate": "40",
            "votes_cast": "19",
            "votes_yes": "19",
            "votes_no": "0",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "school": "123",
            "electorate": "40",
            "votes_cast": "41",
            "votes_yes": "1",
            "votes_no": "0",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "No school with URN 123." in page
    assert "Heaton Primary" in page and "Failed" in page


def test_announce_form_offers_only_places_in_the_officers_area(client, world, dispute):
    officer = role(world, "regional_officer", region=world.north)
    client.force_login(officer)
    page = client.get(reverse("strikes:planning-announce", args=[dispute.pk])).content.decode()
    assert "Gateshead" in page and "Newcastle upon Tyne" in page
    assert "Camden" not in page and "London" not in page
    assert (
        "For notice given today, under the Employment Rights Act 2025 employers need 10 days'"
        in (page)
    )
    assert "the earliest strike day is 3 December 2026" in page
