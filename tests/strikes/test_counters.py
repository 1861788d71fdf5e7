"""The one owner of the denormalised figures: every service keeps them, the check finds any that
drifted, the commands report and mend, the admin shows them read-only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from members.privacy import supporter_erase, user_erase
from strikes import counters
from strikes.models import (
    CalledOutSchool,
    DistrictFigures,
    PicketLine,
    PicketReport,
    ReportBucket,
    Shift,
    Signup,
)
from strikes.services import lines as line_svc
from strikes.services import signups as signup_svc
from strikes.services.planning import (
    strike_day_announce,
    strike_day_cancel_for,
    strike_day_move_for,
)
from strikes.services.reminders import signup_confirm
from tests import factories as f
from tests.factories import london

pytestmark = [pytest.mark.usefixtures("rule_sets"), pytest.mark.django_db]

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 12, 10)
BEFORE = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
AREA_COLUMNS = ("strike_day_id", "region_id", "district_id", *counters.AREA_FIELDS)


def agree(step: str) -> None:
    found = counters.check()
    assert found == [], f"after {step}: " + "; ".join(str(d) for d in found)


@pytest.fixture
def day(dispute, national):
    with time_machine.travel(BEFORE, tick=False):
        return strike_day_announce(
            dispute=dispute, date=DAY, scope_kind="national", acting_user=national, today=TODAY
        )


def members(world, n, school=None):
    return [
        f.MembershipFactory(workplace=school or world.s1, union=world.union).user for _ in range(n)
    ]


def shifts_at(day, school):
    line = PicketLine.objects.get(strike_day=day, school=school, entrance__is_main=True)
    return list(line.shifts.order_by("starts_at"))


def test_every_service_that_changes_a_counter_keeps_it_in_step_with_its_rows(
    world, national, dispute, day
):
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    a, b, c, d, e = members(world, 5)
    first, second = shifts_at(day, world.s1)
    agree("announcing the day")

    with time_machine.travel(BEFORE, tick=False):
        line_svc.shift_update(
            shift=first,
            starts_at=dt.time(7, 30),
            ends_at=dt.time(8, 30),
            capacity=2,
            minimum_wanted=1,
            acting_user=rep,
        )
        agree("editing a shift")
        sa = signup_svc.signup_create(shift=first, user=a, acting_user=a)
        sb = signup_svc.signup_create(shift=first, user=b, acting_user=b)
        sc = signup_svc.signup_create(shift=first, user=c, acting_user=c)
        assert sc.status == Signup.Status.WAITLISTED
        agree("signing up, up to the waitlist")
        assert Shift.objects.get(pk=first.pk).booked == 2

        signup_svc.signup_create(shift=first, user=a, acting_user=a)  # a second tap
        agree("signing up twice")
        signup_svc.signup_cancel(signup=sa, acting_user=a)
        assert Signup.objects.get(pk=sc.pk).status == Signup.Status.REGISTERED
        agree("cancelling, which promotes the first waiting")
        again = signup_svc.signup_create(shift=first, user=a, acting_user=a)
        assert again.status == Signup.Status.WAITLISTED
        agree("signing up again after cancelling")
        signup_svc.signup_cancel(signup=again, acting_user=a)
        agree("cancelling from the waitlist")
        signup_confirm(signup_id=sb.pk, acting_user=b)
        agree("confirming")

        supporter_signup = signup_svc.supporter_signup_create(
            shift=first, name="Jo", email="jo@example.net", consent=True
        )
        other = signup_svc.supporter_signup_create(
            shift=second, name="Sam", phone="07700900123", consent=True
        )
        agree("supporters joining")
        signup_svc.supporter_signup_cancel(token=other.supporter.token)
        agree("a supporter cancelling")

        sd = signup_svc.signup_create(shift=second, user=d, acting_user=d)
        se = signup_svc.signup_create(shift=second, user=e, acting_user=e)
        user_erase(user=d, acting_user=d)
        agree("erasing a member who is signed up")
        signup_svc.signup_cancel(signup=Signup.objects.get(pk=sd.pk), acting_user=rep)
        agree("the rep cancelling an erased member's place")
        supporter_erase(supporter=supporter_signup.supporter)
        agree("erasing a supporter")

    on_the_day = london(DAY, "07:35")
    with time_machine.travel(on_the_day, tick=False):
        line_svc.signup_check_in(signup=sb, acting_user=rep)
        agree("checking in")
        line_svc.signup_walk_up_add(shift=first, name="Pat", nonce="w1", acting_user=rep)
        line_svc.signup_walk_up_add(
            shift=first, name="Parent", nonce="w2", acting_user=rep, is_supporter=True
        )
        agree("adding walk-ups")
        line = PicketLine.objects.get(pk=first.picket_line_id)
        for i, status in enumerate(("restricted", "closed")):
            line_svc.picket_report_create(
                picket_line=line,
                acting_user=rep,
                nonce=f"r{i}",
                school_status=status,
                pickets=3 + i,
                supporters=1,
            )
        agree("reporting")
        back = f.EntranceFactory(site=line.entrance.site, name="Back gate", is_main=False)
        line_svc.picket_lines_ensure(pairs=[(day, world.s1)])
        back_line = PicketLine.objects.get(strike_day=day, entrance=back)
        line_svc.picket_report_create(
            picket_line=back_line, acting_user=rep, nonce="b0", school_status="open", pickets=1
        )
        agree("reporting from a second entrance")
        line_svc.shift_remove(shift=second, acting_user=rep)
        assert Signup.objects.get(pk=se.pk).status == Signup.Status.CANCELLED
        agree("removing a shift with people on it")

    with time_machine.travel(london(DAY, "08:40"), tick=False):
        late = Signup.objects.get(pk=sc.pk)
        assert late.status == Signup.Status.REGISTERED
        # c, and Jo (erased) who never came to stand with them
        assert line_svc.shift_mark_no_shows(shift=first, acting_user=rep) == 2
        agree("marking no-shows")

    with time_machine.travel(BEFORE, tick=False):
        f4 = shifts_at(day, world.s4)[0]
        g = members(world, 1, school=world.s4)[0]
        signup_svc.signup_create(shift=f4, user=g, acting_user=g)
        s3 = shifts_at(day, world.s3)[0]
        h = members(world, 1, school=world.s3)[0]
        signup_svc.signup_create(shift=s3, user=h, acting_user=h)
        strike_day_cancel_for(strike_day=day, districts=[world.d3], acting_user=national)
        agree("cancelling the day in a district")
        strike_day_move_for(
            strike_day=day,
            new_date=DAY + dt.timedelta(days=1),
            districts=[world.d2],
            acting_user=national,
            today=TODAY,
        )
        agree("moving the day in a district")

    first.refresh_from_db()
    line.refresh_from_db()
    assert first.booked == 1  # b arrived; c did not come; a cancelled; walk-ups booked nothing
    assert (line.pickets_signed_up, line.supporters_signed_up) == (1, 0)
    assert (line.latest_pickets, line.latest_supporters) == (4, 1)
    assert CalledOutSchool.objects.get(strike_day=day, school=world.s1).status == "open"


@pytest.fixture
def counted(world, national, dispute, day):
    """A day with a signup, a supporter and two reports, its counters kept by the services."""
    member = members(world, 1)[0]
    shift = shifts_at(day, world.s1)[0]
    with time_machine.travel(BEFORE, tick=False):
        signup_svc.signup_create(shift=shift, user=member, acting_user=member)
        signup_svc.supporter_signup_create(shift=shift, name="Jo", email="j@e.net", consent=True)
    line = PicketLine.objects.get(pk=shift.picket_line_id)
    with time_machine.travel(london(DAY, "07:40"), tick=False):
        line_svc.picket_report_create(
            picket_line=line, acting_user=national, nonce="a", school_status="closed", pickets=3
        )
    with time_machine.travel(london(DAY, "08:10"), tick=False):
        line_svc.picket_report_create(
            picket_line=line, acting_user=national, nonce="b", school_status="open", pickets=5
        )
    agree("the services")
    return shift, line


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


DRIFTS = {
    "booked": ("UPDATE strikes_shift SET booked = 4 WHERE id = %s", "shift", "Shift", "booked"),
    "pickets": (
        "UPDATE strikes_picketline SET pickets_signed_up = 7 WHERE id = %s",
        "line",
        "PicketLine",
        "pickets_signed_up",
    ),
    "supporters": (
        "UPDATE strikes_picketline SET supporters_signed_up = 0 WHERE id = %s",
        "line",
        "PicketLine",
        "supporters_signed_up",
    ),
    "latest": (
        "UPDATE strikes_picketline SET latest_pickets = 9 WHERE id = %s",
        "line",
        "PicketLine",
        "latest_pickets",
    ),
    "latest_report": (
        "UPDATE strikes_picketline SET latest_report_id = NULL WHERE id = %s",
        "line",
        "PicketLine",
        "latest_report",
    ),
    "first": (
        "UPDATE strikes_picketline SET first_reported_at = NULL WHERE id = %s",
        "line",
        "PicketLine",
        "first_reported_at",
    ),
    "status": (
        "UPDATE strikes_calledoutschool SET status = 'closed' "
        "WHERE school_id = (SELECT school_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "CalledOutSchool",
        "status",
    ),
    "bucket": (
        "UPDATE strikes_reportbucket SET pickets = pickets + 1 "
        "WHERE strike_day_id = (SELECT strike_day_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "ReportBucket",
        "pickets",
    ),
    "bucket_gone": (
        "DELETE FROM strikes_reportbucket "
        "WHERE strike_day_id = (SELECT strike_day_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "ReportBucket",
        "reports",
    ),
    "first_reports": (
        "UPDATE strikes_reportbucket SET first_reports = 0 "
        "WHERE strike_day_id = (SELECT strike_day_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "ReportBucket",
        "first_reports",
    ),
    "district_staffed": (
        "UPDATE strikes_districtfigures SET staffed = staffed + 1 "
        "WHERE district_id = (SELECT district_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "DistrictFigures",
        "staffed",
    ),
    "district_closed": (
        "UPDATE strikes_districtfigures SET open = 0, closed = 2 "
        "WHERE district_id = (SELECT district_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "DistrictFigures",
        "open",
    ),
    "district_gone": (
        "DELETE FROM strikes_districtfigures "
        "WHERE district_id = (SELECT district_id FROM strikes_picketline WHERE id = %s)",
        "line",
        "DistrictFigures",
        "row",
    ),
    "signup_behind_the_back": (
        "UPDATE strikes_signup SET status = 'cancelled' "
        "WHERE shift_id = %s AND user_id IS NOT NULL",
        "shift",
        "Shift",
        "booked",
    ),
}


@pytest.mark.parametrize("drift", DRIFTS)
def test_a_counter_changed_behind_the_services_back_is_reported_and_mended(counted, drift):
    shift, line = counted
    sql, target, model, field = DRIFTS[drift]
    raw(sql, [shift.pk if target == "shift" else line.pk])

    found = counters.check()
    assert (model, field) in {(d.model, d.field) for d in found}

    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("counters_check", stdout=out)
    assert exc.value.returncode == 1
    assert "counters_rebuild" in str(exc.value)
    printed = out.getvalue()
    assert f"{model} " in printed and f"{field} is " in printed

    out = io.StringIO()
    call_command("counters_rebuild", stdout=out)
    assert "every counter agrees" in out.getvalue()
    assert counters.check() == []
    out = io.StringIO()
    call_command("counters_check", stdout=out)
    assert "All counters agree" in out.getvalue()


def test_check_names_the_figure_its_stored_value_and_what_the_rows_say(counted):
    shift, _line = counted
    Shift.objects.filter(pk=shift.pk).update(booked=3)
    assert [str(d) for d in counters.check(strike_day_id=shift.picket_line.strike_day_id)] == [
        f"Shift {shift.pk}: booked is 3, its rows say 1"
    ]


def test_rebuild_of_one_day_leaves_other_days_alone(counted, dispute, national):
    shift, line = counted
    with time_machine.travel(BEFORE, tick=False):
        other = strike_day_announce(
            dispute=dispute,
            date=DAY + dt.timedelta(days=7),
            scope_kind="national",
            acting_user=national,
            today=TODAY,
        )
    other_shift = Shift.objects.filter(picket_line__strike_day=other).first()
    Shift.objects.filter(pk__in=[shift.pk, other_shift.pk]).update(booked=2)
    counters.rebuild(strike_day_id=line.strike_day_id)
    assert counters.check(strike_day_id=line.strike_day_id) == []
    assert [(d.model, d.id) for d in counters.check()] == [("Shift", other_shift.pk)]


def test_rebuild_sets_bulk_loaded_rows_like_the_services_would(counted):
    """Rows written in bulk (the demo, the bench) get the figures the services would keep."""
    kept = (
        list(Shift.objects.values_list("pk", "booked").order_by("pk")),
        list(
            PicketLine.objects.values_list(
                "pk",
                "pickets_signed_up",
                "supporters_signed_up",
                "latest_report_id",
                "latest_pickets",
                "latest_supporters",
                "first_reported_at",
            ).order_by("pk")
        ),
        list(CalledOutSchool.objects.values_list("pk", "status", "reported_at").order_by("pk")),
        sorted(
            ReportBucket.objects.values_list(
                "strike_day_id",
                "region_id",
                "district_id",
                "starts_at",
                "reports",
                "pickets",
                "first_reports",
            )
        ),
        sorted(DistrictFigures.objects.values_list(*AREA_COLUMNS)),
    )
    Shift.objects.update(booked=0)
    PicketLine.objects.update(
        pickets_signed_up=0,
        supporters_signed_up=0,
        latest_report=None,
        latest_pickets=0,
        latest_supporters=0,
        first_reported_at=None,
    )
    CalledOutSchool.objects.update(status="unknown", reported_at=None)
    ReportBucket.objects.all().delete()
    DistrictFigures.objects.all().delete()
    changed = counters.rebuild()
    assert changed["Shift.booked"] == 1
    assert kept == (
        list(Shift.objects.values_list("pk", "booked").order_by("pk")),
        list(
            PicketLine.objects.values_list(
                "pk",
                "pickets_signed_up",
                "supporters_signed_up",
                "latest_report_id",
                "latest_pickets",
                "latest_supporters",
                "first_reported_at",
            ).order_by("pk")
        ),
        list(CalledOutSchool.objects.values_list("pk", "status", "reported_at").order_by("pk")),
        sorted(
            ReportBucket.objects.values_list(
                "strike_day_id",
                "region_id",
                "district_id",
                "starts_at",
                "reports",
                "pickets",
                "first_reports",
            )
        ),
        sorted(DistrictFigures.objects.values_list(*AREA_COLUMNS)),
    )
    assert counters.rebuild() == dict.fromkeys(changed, 0) | {
        "ReportBucket": ReportBucket.objects.count(),
        "DistrictFigures": DistrictFigures.objects.count(),
    }


def test_check_and_rebuild_are_a_fixed_number_of_queries(counted, django_assert_max_num_queries):
    _shift, line = counted
    with django_assert_max_num_queries(8):
        assert counters.check() == []
    with django_assert_max_num_queries(10):
        counters.rebuild(strike_day_id=line.strike_day_id)


def test_an_unknown_day_is_a_plain_error(db):
    with pytest.raises(CommandError, match="no strike day with id 999"):
        call_command("counters_check", "--day", "999", stdout=io.StringIO())


def test_admin_shows_counters_read_only_and_recounts_after_an_edit(admin_client, counted):
    shift, line = counted
    page = admin_client.get(reverse("admin:strikes_shift_change", args=[shift.pk]))
    assert page.status_code == 200
    assert b'name="booked"' not in page.content
    assert b'name="capacity"' in page.content
    page = admin_client.get(reverse("admin:strikes_picketline_change", args=[line.pk]))
    for name in (b"pickets_signed_up", b"latest_pickets", b"first_reported_at"):
        assert b'name="' + name + b'"' not in page.content
    assert admin_client.get(reverse("admin:strikes_reportbucket_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:strikes_reportbucket_add")).status_code == 403

    report = PicketReport.objects.filter(picket_line=line).order_by("reported_at").last()
    response = admin_client.post(
        reverse("admin:strikes_picketreport_delete", args=[report.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.latest_pickets == 3  # the earlier report is the latest again
    assert counters.check() == []

    # A signup reaches its day through its shift's line: deleting one recounts that day too.
    signup = Signup.objects.filter(shift=shift).exclude(status="cancelled").first()
    booked = Shift.objects.get(pk=shift.pk).booked
    response = admin_client.post(
        reverse("admin:strikes_signup_delete", args=[signup.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert Shift.objects.get(pk=shift.pk).booked == booked - 1
    assert counters.check() == []


# --- The districts' figures on the dashboard ---------------------------------------------------


@pytest.fixture
def busy(world, national, dispute, day):
    """A national day through the services: sign-ups in two regions, short shifts, reports
    before and after 09:00, a district cancelled after its school reported."""
    people = {s: members(world, 3, school=s) for s in (world.s1, world.s2, world.s3, world.s4)}
    with time_machine.travel(BEFORE, tick=False):
        for school, n in ((world.s1, 3), (world.s3, 1), (world.s4, 2)):
            shift = shifts_at(day, school)[0]
            for user in people[school][:n]:
                signup_svc.signup_create(shift=shift, user=user, acting_user=user)
        signup_svc.supporter_signup_create(
            shift=shifts_at(day, world.s2)[1], name="Jo", email="jo@example.net", consent=True
        )
    for school, hhmm, status, pickets in (
        (world.s1, "07:40", "restricted", 3),
        (world.s1, "08:20", "closed", 4),
        (world.s3, "09:10", "open", 1),
        (world.s4, "08:59", "closed", 2),
    ):
        line = PicketLine.objects.get(strike_day=day, school=school, entrance__is_main=True)
        with time_machine.travel(london(DAY, hhmm), tick=False):
            line_svc.picket_report_create(
                picket_line=line,
                acting_user=national,
                nonce=f"{school.pk}-{hhmm}",
                school_status=status,
                pickets=pickets,
            )
    with time_machine.travel(BEFORE, tick=False):
        strike_day_cancel_for(strike_day=day, districts=[world.d3], acting_user=national)
    agree("the busy morning")
    return day


def _tables(day, viewer_user, place, by):
    from members.permissions import viewer_for
    from strikes.selectors import dashboard as sel

    scope = sel.dashboard_scope(strike_day=day, viewer=viewer_for(viewer_user), place=place)
    kept = sel._district_figure_rows(scope, by)
    counted = sel._counted_rows(scope, by)
    return kept, counted


@pytest.mark.parametrize("hhmm", ["09:00", "08:30", "08:59", "12:00"])
def test_the_districts_figures_give_the_table_counting_the_rows_gives(busy, world, national, hhmm):
    by = london(DAY, hhmm)
    for place in (None, world.north, world.south):
        kept, counted = _tables(busy, national, place, by)
        assert kept is not None
        assert {k: vars(v) for k, v in kept.items()} == {k: vars(v) for k, v in counted.items()}, (
            place,
            hhmm,
        )
    kept, _ = _tables(busy, national, None, by)
    north, south = kept[world.north.pk], kept[world.south.pk]
    figures = ("called_out", "closed", "open", "lines", "staffed", "reported", "pickets")
    assert [getattr(north, name) for name in figures] == [3, 1, 1, 3, 3, 2, 5]
    assert [getattr(south, name) for name in figures] == [0, 0, 0, 1, 1, 1, 2]


def test_a_day_without_district_rows_is_counted_from_the_rows(busy, national):
    DistrictFigures.objects.filter(strike_day=busy).delete()
    kept, counted = _tables(busy, national, None, london(DAY, "09:00"))
    assert kept is None and counted


def test_national_and_regional_dashboards_read_a_fixed_number_of_queries(
    client, busy, world, national, django_assert_max_num_queries
):
    from django.core.cache import cache

    regional = f.RoleFactory(union=world.union, kind="regional_officer", region=world.north).user
    url = reverse("strikes:dashboard", args=[busy.pk])
    for user in (national, regional):
        client.force_login(user)
        for headers in ({}, {"HX-Request": "true"}):
            cache.clear()
            with django_assert_max_num_queries(17):
                response = client.get(url, headers=headers)
            assert response.status_code == 200
