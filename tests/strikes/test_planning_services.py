"""Planning services: disputes, ballots, announcing days in bulk, cancel/move, rallies, who may."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kernel.errors import DomainError, NotAllowed
from kernel.models import AuditEntry
from schools.models import Entrance, School
from strikes.models import (
    Ballot,
    CalledOutSchool,
    Notification,
    PicketLine,
    Shift,
    StrikeDay,
)
from strikes.services.planning import (
    ballot_record,
    ballot_unit_record,
    dispute_create,
    rally_create,
    strike_day_announce,
    strike_day_cancel_for,
    strike_day_move_for,
)
from tests import factories as f
from tests.factories import london

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 12, 10)

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def organiser(union, kind="national_organiser", **place):
    return f.RoleFactory(union=union, kind=kind, **place).user


def announce(dispute, user, scope_kind="national", **places):
    return strike_day_announce(
        dispute=dispute, date=DAY, scope_kind=scope_kind, acting_user=user, today=TODAY, **places
    )


# --- Disputes and ballots ----------------------------------------------------------------------


def test_dispute_create_audits(world, national):
    d = dispute_create(
        union=world.union, title="Workload", staff_groups=["teacher"], acting_user=national
    )
    assert AuditEntry.objects.filter(action="dispute.create", object_id=str(d.pk)).exists()


def test_rep_cannot_create_a_dispute(world):
    rep = organiser(world.union, "rep", school=world.s1)
    with pytest.raises(NotAllowed):
        dispute_create(union=world.union, title="X", staff_groups=["teacher"], acting_user=rep)


def test_ballot_record_refuses_more_votes_than_electorate(dispute, national):
    with pytest.raises(DomainError, match="1001 votes cast is more than the electorate of 1000"):
        ballot_record(
            dispute=dispute,
            opens_on=dt.date(2026, 10, 1),
            closes_on=dt.date(2026, 11, 2),
            electorate=1000,
            votes_cast=1001,
            votes_yes=1,
            votes_no=1,
            acting_user=national,
        )


def test_ballot_record_refuses_yes_and_no_over_votes_cast(dispute, national):
    with pytest.raises(DomainError) as err:
        ballot_record(
            dispute=dispute,
            opens_on=dt.date(2026, 10, 1),
            closes_on=dt.date(2026, 11, 2),
            electorate=1000,
            votes_cast=500,
            votes_yes=400,
            votes_no=101,
            acting_user=national,
        )
    assert err.value.code == "yes_no_over_cast"


def test_ballot_unit_record_only_on_per_unit_ballots(dispute, national, world):
    ballot = dispute.ballots.get()
    with pytest.raises(DomainError, match="aggregated"):
        ballot_unit_record(
            ballot=ballot,
            school=world.s1,
            electorate=10,
            votes_cast=8,
            votes_yes=7,
            votes_no=1,
            acting_user=national,
        )


# --- Announcing --------------------------------------------------------------------------------


def test_announce_national_day_creates_schools_lines_and_default_shifts(dispute, national, world):
    extra = f.EntranceFactory(site=world.s1.sites.get(), name="Back gate")
    day = announce(dispute, national)
    assert set(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school_id", flat=True)
    ) == {
        world.s1.pk,
        world.s2.pk,
        world.s3.pk,
        world.s4.pk,
    }
    lines = PicketLine.objects.filter(strike_day=day)
    assert lines.count() == 5
    back = lines.get(entrance=extra)
    assert (back.school_id, back.district_id, back.region_id) == (
        world.s1.pk,
        world.d1.pk,
        world.north.pk,
    )
    assert len({line.public_token for line in lines}) == 5
    shifts = Shift.objects.filter(picket_line=back)
    assert [(s.starts_at, s.ends_at, s.capacity, s.minimum_wanted) for s in shifts] == [
        (london(DAY, "07:30"), london(DAY, "08:30"), 6, 2),
        (london(DAY, "08:30"), london(DAY, "09:30"), 6, 2),
    ]
    assert AuditEntry.objects.filter(action="strike_day.announce", object_id=str(day.pk)).exists()


def test_announce_with_too_little_notice_is_refused(dispute, national):
    with pytest.raises(DomainError) as err:
        strike_day_announce(
            dispute=dispute,
            date=dt.date(2026, 12, 2),
            scope_kind="national",
            acting_user=national,
            today=TODAY,
        )
    assert "the earliest date is 3 December 2026" in err.value.message
    assert not StrikeDay.objects.exists()


def test_announce_regional_day_only_calls_out_that_region(dispute, national, world):
    day = announce(dispute, national, "region", regions=[world.south])
    assert list(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school_id", flat=True)
    ) == [world.s4.pk]


def test_per_unit_ballot_lets_only_passing_units_schools_strike(world, national):
    d = dispute_create(
        union=world.union, title="Academy", staff_groups=["support"], acting_user=national
    )
    ballot = ballot_record(
        dispute=d,
        aggregation=Ballot.Aggregation.PER_UNIT,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=80,
        votes_cast=45,
        votes_yes=40,
        votes_no=5,
        acting_user=national,
    )
    ballot_unit_record(
        ballot=ballot,
        district=world.d1,
        electorate=40,
        votes_cast=30,
        votes_yes=25,
        votes_no=5,
        acting_user=national,
    )
    ballot_unit_record(
        ballot=ballot,
        school=world.s3,
        electorate=40,
        votes_cast=15,
        votes_yes=15,
        votes_no=0,
        acting_user=national,
    )
    day = announce(d, national)
    assert set(
        CalledOutSchool.objects.filter(strike_day=day).values_list("school_id", flat=True)
    ) == {
        world.s1.pk,
        world.s2.pk,
    }


def test_announce_runs_the_same_number_of_queries_for_3_and_30_schools(
    union, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    district = f.DistrictFactory(region=f.RegionFactory(nation=f.NationFactory(code="E")))
    f.SchoolFactory.create_batch(3, district=district)
    national = organiser(union)
    d = dispute_create(union=union, title="Pay", staff_groups=["teacher"], acting_user=national)
    ballot_record(
        dispute=d,
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 11, 2),
        electorate=1000,
        votes_cast=600,
        votes_yes=500,
        votes_no=100,
        acting_user=national,
    )
    counts = []
    for n, day in ((3, DAY), (30, DAY + dt.timedelta(days=1))):
        f.SchoolFactory.create_batch(n - School.objects.count(), district=district)
        user = type(national).objects.get(pk=national.pk)  # a fresh viewer each time
        with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as ctx:
            strike_day = strike_day_announce(
                dispute=d, date=day, scope_kind="national", acting_user=user, today=TODAY
            )
        counts.append(len(ctx))
        assert PicketLine.objects.filter(strike_day=strike_day).count() == n
        assert Shift.objects.filter(picket_line__strike_day=strike_day).count() == 2 * n
    assert counts[0] == counts[1]


# --- Who may announce --------------------------------------------------------------------------


def test_district_officer_can_announce_in_their_district(dispute, world):
    officer = organiser(world.union, "district_officer", district=world.d1)
    day = announce(dispute, officer, "district", districts=[world.d1])
    assert CalledOutSchool.objects.filter(strike_day=day).count() == 2


def test_district_officer_cannot_announce_another_district(dispute, world):
    officer = organiser(world.union, "district_officer", district=world.d1)
    with pytest.raises(NotAllowed):
        announce(dispute, officer, "district", districts=[world.d1, world.d2])


def test_district_officer_cannot_announce_regional_or_national(dispute, world):
    officer = organiser(world.union, "district_officer", district=world.d1)
    with pytest.raises(NotAllowed):
        announce(dispute, officer, "region", regions=[world.north])
    with pytest.raises(NotAllowed):
        announce(dispute, officer)


def test_district_officer_cannot_choose_schools_outside_district(dispute, world):
    officer = organiser(world.union, "district_officer", district=world.d1)
    with pytest.raises(NotAllowed):
        announce(dispute, officer, "schools", schools=[world.s1, world.s3])
    day = announce(dispute, officer, "schools", schools=[world.s1])
    assert CalledOutSchool.objects.filter(strike_day=day).count() == 1


def test_regional_officer_within_region_only(dispute, world):
    officer = organiser(world.union, "regional_officer", region=world.north)
    day = announce(dispute, officer, "district", districts=[world.d2])
    assert CalledOutSchool.objects.filter(strike_day=day).count() == 1
    with pytest.raises(NotAllowed):
        announce(dispute, officer, "region", regions=[world.south])
    with pytest.raises(NotAllowed):
        announce(dispute, officer, "nation", nations=[world.nation])


def test_rep_cannot_announce(dispute, world):
    rep = organiser(world.union, "rep", school=world.s1)
    with pytest.raises(NotAllowed):
        announce(dispute, rep, "schools", schools=[world.s1])


def test_officer_of_another_union_cannot_announce(dispute, world):
    other = organiser(f.UnionFactory(short_name="PCS"))
    with pytest.raises(NotAllowed):
        announce(dispute, other)


# --- Cancel and move ---------------------------------------------------------------------------


def _signed_up_day(dispute, national, world):
    day = announce(dispute, national)
    shift_d1 = Shift.objects.filter(picket_line__strike_day=day, picket_line__school=world.s1)[0]
    shift_d3 = Shift.objects.filter(picket_line__strike_day=day, picket_line__school=world.s4)[0]
    member = f.SignupFactory(shift=shift_d1)
    supporter = f.SignupFactory(
        shift=shift_d1, user=None, supporter=f.SupporterFactory(), is_supporter=True
    )
    elsewhere = f.SignupFactory(shift=shift_d3)
    return day, member, supporter, elsewhere


def test_cancel_for_one_district_cancels_there_and_tells_those_signed_up(dispute, national, world):
    day, member, supporter, _elsewhere = _signed_up_day(dispute, national, world)
    count = strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=national)
    assert count == 2
    cancelled = CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=False)
    assert set(cancelled.values_list("school_id", flat=True)) == {world.s1.pk, world.s2.pk}
    assert not Shift.objects.filter(
        picket_line__school=world.s4, picket_line__strike_day=day, cancelled_at__isnull=False
    ).exists()
    assert (
        Shift.objects.filter(picket_line__school=world.s1, cancelled_at__isnull=False).count() == 2
    )
    keys = set(Notification.objects.filter(kind="change").values_list("key", flat=True))
    assert keys == {f"change:cancel:{day.pk}:{member.pk}", f"change:cancel:{day.pk}:{supporter.pk}"}
    day.refresh_from_db()
    assert day.status == StrikeDay.Status.ANNOUNCED
    assert "has been called off" in Notification.objects.get(signup=member).context["text"]


def test_cancel_for_twice_is_refused_and_sends_nothing_more(dispute, national, world):
    day, *_ = _signed_up_day(dispute, national, world)
    strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=national)
    with pytest.raises(DomainError, match="No school in that part"):
        strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=national)
    assert Notification.objects.count() == 2


def test_cancel_for_every_part_cancels_the_day(dispute, national, world):
    day = announce(dispute, national)
    strike_day_cancel_for(strike_day=day, nation=world.nation, acting_user=national)
    day.refresh_from_db()
    assert day.is_cancelled


def test_district_officer_cannot_cancel_another_district(dispute, national, world):
    day = announce(dispute, national)
    officer = organiser(world.union, "district_officer", district=world.d1)
    with pytest.raises(NotAllowed):
        strike_day_cancel_for(strike_day=day, districts=[world.d3], acting_user=officer)
    assert strike_day_cancel_for(strike_day=day, districts=[world.d1], acting_user=officer) == 2


def test_move_for_a_region_creates_a_new_day_there(dispute, national, world):
    day, member, *_ = _signed_up_day(dispute, national, world)
    new_day = strike_day_move_for(
        strike_day=day,
        new_date=dt.date(2026, 12, 15),
        regions=[world.north],
        acting_user=national,
        today=TODAY,
    )
    assert new_day.moved_from == day
    assert set(
        CalledOutSchool.objects.filter(strike_day=new_day).values_list("school_id", flat=True)
    ) == {world.s1.pk, world.s2.pk, world.s3.pk}
    assert PicketLine.objects.filter(strike_day=new_day).count() == 3
    assert set(
        CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True).values_list(
            "school_id", flat=True
        )
    ) == {world.s4.pk}
    note = Notification.objects.get(key=f"change:cancel:{day.pk}:{member.pk}")
    assert note.context["text"].startswith(
        "The strike day on Thursday 10 December at Heaton Primary has moved to Tuesday 15 December."
    )


def test_move_for_outside_the_mandate_changes_nothing(dispute, national, world):
    day = announce(dispute, national)
    with pytest.raises(DomainError, match="outside the mandate"):
        strike_day_move_for(
            strike_day=day,
            new_date=dt.date(2027, 11, 3),
            regions=[world.north],
            acting_user=national,
            today=TODAY,
        )
    assert not CalledOutSchool.objects.filter(cancelled_at__isnull=False).exists()
    assert StrikeDay.objects.count() == 1


# --- Rallies -----------------------------------------------------------------------------------


def test_rally_create_in_own_district(dispute, national, world):
    day = announce(dispute, national)
    officer = organiser(world.union, "district_officer", district=world.d1)
    rally = rally_create(
        strike_day=day,
        district=world.d1,
        title="March to the Civic Centre",
        starts_at=london(DAY, "11:00"),
        meeting_point="Haymarket",
        acting_user=officer,
    )
    assert rally.region == world.north
    with pytest.raises(NotAllowed):
        rally_create(
            strike_day=day,
            district=world.d3,
            title="Camden rally",
            starts_at=london(DAY, "11:00"),
            meeting_point="Town hall",
            acting_user=officer,
        )


def test_entrances_of_a_school_without_sites_are_skipped(dispute, national, world):
    f.SchoolFactory(district=world.d1, main_entrance=False)
    day = announce(dispute, national)
    assert CalledOutSchool.objects.filter(strike_day=day).count() == 5
    assert PicketLine.objects.filter(strike_day=day).count() == Entrance.objects.count()


# --- Announcing tells the members called out ---------------------------------------------------


def _member(world, school, group="teacher", **user):
    person = f.UserFactory(**user)
    f.MembershipFactory(user=person, union=world.union, workplace=school, staff_group=group)
    return person


def test_announce_queues_one_message_per_called_out_member(dispute, national, world):
    m1 = _member(world, world.s1)
    m4 = _member(world, world.s4, phone="07700900123", preferred_channel="sms")
    opted_out = _member(world, world.s2, reminders_opt_out=True)
    day = announce(dispute, national)
    rows = Notification.objects.filter(kind=Notification.Kind.ANNOUNCED)
    assert {(r.user_id, r.school_id, r.channel) for r in rows} == {
        (m1.pk, world.s1.pk, "email"),
        (m4.pk, world.s4.pk, "sms"),
    }
    assert all(r.key == f"announced:{day.pk}:{r.user_id}" and r.strike_day == day for r in rows)
    assert not rows.filter(user=opted_out).exists()


def test_announce_leaves_out_staff_groups_not_called_out(dispute, national, world):
    teacher = _member(world, world.s1, group="teacher")
    _member(world, world.s1, group="support")
    day = announce(dispute, national)
    assert CalledOutSchool.objects.get(strike_day=day, school=world.s1).staff_groups == ["teacher"]
    told = set(Notification.objects.filter(kind="announced").values_list("user_id", flat=True))
    assert told == {teacher.pk}


def test_a_moved_day_tells_each_member_once(dispute, national, world):
    member = _member(world, world.s1)
    signed_up = _member(world, world.s1)
    day = announce(dispute, national)
    shift = Shift.objects.filter(picket_line__strike_day=day, picket_line__school=world.s1)[0]
    f.SignupFactory(shift=shift, user=signed_up)
    new_day = strike_day_move_for(
        strike_day=day,
        new_date=dt.date(2026, 12, 15),
        regions=[world.north],
        acting_user=national,
        today=TODAY,
    )
    # The first announcement had not gone yet: it is called off, the new one goes instead.
    old = Notification.objects.get(key=f"announced:{day.pk}:{member.pk}")
    assert old.status == Notification.Status.CANCELLED
    assert Notification.objects.get(key=f"announced:{new_day.pk}:{member.pk}").status == "due"
    # The member signed up hears once, by the change notice that gives the new date.
    mine = Notification.objects.filter(user=signed_up, status="due")
    assert list(mine.values_list("kind", flat=True)) == ["change"]
    assert Notification.objects.filter(user=member, status="due").count() == 1


def test_a_large_day_hands_its_announcement_to_a_worker(
    dispute, national, world, monkeypatch, django_capture_on_commit_callbacks
):
    """Above ANNOUNCE_INLINE_SCHOOLS the organiser's request does not wait on the outbox insert:
    a task queues the messages after commit, once, however often it runs."""
    from strikes.services import planning
    from strikes.tasks import strike_day_announcement_queue

    monkeypatch.setattr(planning, "ANNOUNCE_INLINE_SCHOOLS", 1)
    sent: list[int] = []
    monkeypatch.setattr(strike_day_announcement_queue, "delay", sent.append)
    m1 = _member(world, world.s1)
    with django_capture_on_commit_callbacks(execute=True):
        day = announce(dispute, national)
    announced = Notification.objects.filter(kind=Notification.Kind.ANNOUNCED)
    assert sent == [day.pk]
    assert not announced.exists()  # nothing queued inside the organiser's request

    assert strike_day_announcement_queue(day.pk) == 1
    assert strike_day_announcement_queue(day.pk) == 0  # a redelivered task adds nothing
    assert list(announced.values_list("user_id", flat=True)) == [m1.pk]


def test_with_no_broker_a_large_announcement_is_queued_in_the_request(
    dispute, national, world, monkeypatch, django_capture_on_commit_callbacks
):
    from strikes.services import planning
    from strikes.tasks import strike_day_announcement_queue

    def broker_down(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(planning, "ANNOUNCE_INLINE_SCHOOLS", 1)
    monkeypatch.setattr(strike_day_announcement_queue, "delay", broker_down)
    m1 = _member(world, world.s1)
    with django_capture_on_commit_callbacks(execute=True):
        announce(dispute, national)
    told = Notification.objects.filter(kind=Notification.Kind.ANNOUNCED)
    assert list(told.values_list("user_id", flat=True)) == [m1.pk]
