"""The retention sweep: rosters of long-closed disputes lose their names, never their counts."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kernel.models import AuditEntry
from members.models import Supporter
from members.tasks import retention_sweep_task
from strikes.models import Dispute, PicketLine, PicketReport, Shift, Signup
from strikes.privacy import ANONYMISED_NAME, disputes_anonymise_closed
from strikes.services.lines import picket_report_create, signup_check_in, signup_walk_up_add
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f
from tests.factories import on_the_day


def _line_with_people(world, dispute, school):
    line = f.PicketLineFactory(
        strike_day=f.StrikeDayFactory(dispute=dispute),
        entrance=school.sites.get().entrances.get(is_main=True),
        supervisor_name="Sam Supervisor",
    )
    shift = f.ShiftFactory(picket_line=line)
    member = f.MembershipFactory(union=world.union, workplace=school).user
    signup = signup_create(shift=shift, user=member, acting_user=member)
    other = f.MembershipFactory(union=world.union, workplace=school).user
    signup_create(shift=shift, user=other, acting_user=other)
    supporter_signup_create(shift=shift, name="Pat Parent", email="pat@example.net", consent=True)
    with on_the_day(shift):
        signup_check_in(signup=signup, acting_user=member)
        signup_walk_up_add(
            shift=shift, name="Wally Walkup", nonce=f"n-{line.pk}", acting_user=member
        )
        picket_report_create(
            picket_line=line,
            acting_user=member,
            nonce=f"r-{line.pk}",
            school_status="closed",
            pickets=3,
            notes="Jo Bloggs crossed",
        )
    return line, shift


def _figures(line, shift) -> tuple:
    line = PicketLine.objects.get(pk=line.pk)
    return (
        Shift.objects.get(pk=shift.pk).booked,
        line.pickets_signed_up,
        line.supporters_signed_up,
        Signup.objects.filter(shift=shift).count(),
        Signup.objects.filter(shift=shift, status="arrived").count(),
        Signup.objects.filter(shift=shift, is_supporter=True).count(),
        PicketReport.objects.filter(picket_line=line).count(),
        sum(PicketReport.objects.filter(picket_line=line).values_list("pickets", flat=True)),
    )


def _dashboard(strike_day, union):
    """The national dashboard's figures for the day, as an organiser sees them."""
    from django.utils import timezone as tz

    from members.permissions import viewer_for
    from strikes.selectors.dashboard import dashboard_scope, dashboard_table

    organiser = f.RoleFactory(kind="national_organiser", union=union).user
    scope = dashboard_scope(strike_day=strike_day, viewer=viewer_for(organiser), place=None)
    table = dashboard_table(scope=scope, by=tz.now() + dt.timedelta(days=365))
    return table.headline, sorted(table.rows, key=lambda r: r.key)


@pytest.fixture
def two_disputes(world):
    today = timezone.localdate()
    old = f.DisputeFactory(
        union=world.union,
        opened_on=today - dt.timedelta(days=400),
        status=Dispute.Status.CLOSED,
        closed_on=today - dt.timedelta(days=200),
    )
    recent = f.DisputeFactory(
        union=world.union,
        opened_on=today - dt.timedelta(days=100),
        status=Dispute.Status.CLOSED,
        closed_on=today - dt.timedelta(days=30),
    )
    old_line, old_shift = _line_with_people(world, old, world.s1)
    f.CalledOutSchoolFactory(strike_day=old_line.strike_day, school=world.s1)
    new_line, new_shift = _line_with_people(world, recent, world.s2)
    return old_line, old_shift, new_line, new_shift


def test_sweep_anonymises_old_disputes_and_keeps_the_figures(two_disputes):
    old_line, old_shift, new_line, new_shift = two_disputes
    before_old = _figures(old_line, old_shift)
    before_new = _figures(new_line, new_shift)
    dashboard_before = _dashboard(old_line.strike_day, old_line.strike_day.dispute.union)
    result = disputes_anonymise_closed(older_than_days=180)
    assert result.signups == 4
    assert result.supporters_deleted == 1
    old = Signup.objects.filter(shift=old_shift)
    assert not old.filter(user__isnull=False).exists()
    assert not old.filter(supporter__isnull=False).exists()
    assert set(old.values_list("walk_up_name", flat=True)) == {ANONYMISED_NAME}
    assert set(old.values_list("nonce", flat=True)) == {""}
    assert not Supporter.objects.filter(name="Pat Parent", signups__shift=old_shift).exists()
    assert Supporter.objects.filter(name="Pat Parent").count() == 1  # the recent one stays
    report = PicketReport.objects.get(picket_line=old_line)
    assert report.notes == "" and report.pickets == 3
    assert PicketLine.objects.get(pk=old_line.pk).supervisor_name == ""
    assert _figures(old_line, old_shift) == before_old
    assert _dashboard(old_line.strike_day, old_line.strike_day.dispute.union) == dashboard_before
    assert dashboard_before[0].pickets == 3 and dashboard_before[0].staffed == 1
    # The recent dispute is untouched.
    assert _figures(new_line, new_shift) == before_new
    recent = Signup.objects.filter(shift=new_shift)
    assert recent.filter(user__isnull=False).count() == 2
    assert recent.filter(walk_up_name="Wally Walkup").exists()
    assert AuditEntry.objects.filter(action="retention.sweep").exists()


def test_sweep_is_idempotent(two_disputes):
    old_line, old_shift, *_ = two_disputes
    disputes_anonymise_closed(older_than_days=180)
    figures = _figures(old_line, old_shift)
    again = disputes_anonymise_closed(older_than_days=180)
    assert again.signups == 0 and again.supporters_deleted == 0
    assert _figures(old_line, old_shift) == figures


def test_dry_run_changes_nothing(two_disputes):
    _old_line, old_shift, *_ = two_disputes
    out = StringIO()
    call_command("retention_sweep", "--days", "180", "--dry-run", stdout=out)
    assert "Would anonymise 4 signup(s)" in out.getvalue()
    assert "would delete 1 supporter(s)" in out.getvalue()
    assert Signup.objects.filter(shift=old_shift, user__isnull=False).count() == 2
    assert Signup.objects.filter(walk_up_name="Wally Walkup").count() == 2


def test_command_with_shorter_period_reaches_recent_disputes(two_disputes):
    _, _, _new_line, new_shift = two_disputes
    out = StringIO()
    call_command("retention_sweep", "--days", "10", stdout=out)
    assert "Anonymised 8 signup(s)" in out.getvalue()
    assert not Signup.objects.filter(shift=new_shift, user__isnull=False).exists()


def test_command_refuses_negative_days(db):
    with pytest.raises(CommandError):
        call_command("retention_sweep", "--days", "-1", stdout=StringIO())


def test_open_disputes_are_never_swept(world):
    dispute = f.DisputeFactory(
        union=world.union, opened_on=timezone.localdate() - dt.timedelta(days=900)
    )
    _line, shift = _line_with_people(world, dispute, world.s3)
    disputes_anonymise_closed(older_than_days=0)
    assert Signup.objects.filter(shift=shift, user__isnull=False).count() == 2


def test_beat_task_uses_the_configured_period(two_disputes, settings):
    settings.RETENTION_DAYS_AFTER_DISPUTE = 180
    assert retention_sweep_task() == {"disputes": 1, "signups": 4, "supporters_deleted": 1}
    assert "retention-sweep" in settings.CELERY_BEAT_SCHEDULE
