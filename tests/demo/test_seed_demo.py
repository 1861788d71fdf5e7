"""seed_demo: a believable small world with one sign-in per role, loaded once."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from members.models import Membership, Role, Union, User
from members.permissions import Action, may
from schools.models import District, Region, School
from strikes.models import (
    Ballot,
    CalledOutSchool,
    Dispute,
    PicketLine,
    PicketReport,
    RuleSet,
    Shift,
    Signup,
    StrikeDay,
)

pytestmark = pytest.mark.django_db


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_builds_the_world_on_the_demo_schools() -> None:
    out = seed()

    assert "Demo loaded" in out
    assert RuleSet.objects.count() == 3
    assert set(District.objects.values_list("la_code", flat=True)) == {"390", "391", "681"}
    assert School.objects.count() == 311
    assert Union.objects.get(short_name="NEU").name == "National Education Union"
    pay = Dispute.objects.get(title__startswith="Pay")
    ballot = pay.ballots.get()
    assert ballot.kind == Ballot.Kind.POSTAL
    assert ballot.aggregation == Ballot.Aggregation.AGGREGATED
    assert ballot.votes_cast * 2 > ballot.electorate  # over the 50% turnout threshold
    assert ballot.votes_yes > ballot.votes_no
    assert ballot.opens_on >= RuleSet.objects.get(name="Employment Rights Act 2025").effective_from
    kinds = set(pay.strike_days.values_list("scope_kind", flat=True))
    assert kinds == {StrikeDay.ScopeKind.NATIONAL, StrikeDay.ScopeKind.REGION}
    assert all(not d.is_past for d in pay.strike_days.all())
    assert CalledOutSchool.objects.filter(strike_day__scope_kind="national").count() == 311


def test_every_called_out_entrance_has_a_line_with_two_shifts() -> None:
    seed()

    for day in StrikeDay.objects.all():
        entrances = CalledOutSchool.objects.filter(strike_day=day).aggregate(
            n=Count("school__sites__entrances")
        )["n"]
        assert day.picket_lines.count() == entrances
    assert not PicketLine.objects.annotate(n=Count("shifts")).exclude(n=2).exists()
    assert not Shift.objects.exclude(capacity=6, minimum_wanted=2).exists()
    line = PicketLine.objects.select_related("entrance__site__school__district").first()
    assert line.school == line.entrance.site.school
    assert line.district_id == line.school.district_id
    assert line.region_id == line.school.district.region_id


def test_local_dispute_school_has_two_sites_and_reports() -> None:
    seed()

    local = Dispute.objects.get(title__startswith="Workload")
    school = School.objects.get(
        pk__in=CalledOutSchool.objects.filter(strike_day__dispute=local).values("school_id")
    )
    assert school.sites.count() == 2
    assert all(site.entrances.count() == 1 for site in school.sites.all())
    assert PicketReport.objects.filter(picket_line__school=school).exists()
    assert PicketLine.objects.filter(latest_report__isnull=False).exists()


def test_counters_match_the_signups() -> None:
    seed()

    holding = Q(signups__status__in=Signup.HOLDS_PLACE, signups__is_supporter=False)
    shifts = Shift.objects.annotate(n=Count("signups", filter=holding))
    assert shifts.filter(booked__gt=0).exists()
    for shift in shifts:
        assert shift.booked == shift.n
    lines = PicketLine.objects.annotate(total=Sum("shifts__booked"))
    for line in lines:
        assert line.pickets_signed_up == line.total
    assert PicketLine.objects.filter(pickets_signed_up=0).exists()  # some lines need people


def test_one_login_per_role_with_the_right_roles() -> None:
    out = seed()

    union = Union.objects.get(short_name="NEU")
    member = User.objects.get(email="member@demo.picketline.test")
    rep = User.objects.get(email="rep@demo.picketline.test")
    district = User.objects.get(email="district@demo.picketline.test")
    region = User.objects.get(email="region@demo.picketline.test")
    national = User.objects.get(email="national@demo.picketline.test")
    admin = User.objects.get(email="admin@demo.picketline.test")

    assert not member.roles.exists()
    school = Membership.objects.get(user=member).workplace
    assert may(member, Action.SIGN_UP, school, union=union)
    assert not may(member, Action.VIEW_ROSTER, school, union=union)
    assert Role.objects.get(user=rep).kind == Role.Kind.REP
    assert Role.objects.get(user=rep).school == school
    assert Role.objects.get(user=district).district.la_code == "391"
    assert Role.objects.get(user=region).region == Region.objects.get(name="Northern")
    assert Role.objects.get(user=national).kind == Role.Kind.NATIONAL_ORGANISER
    assert admin.is_superuser and admin.is_staff and admin.check_password("picketline-demo")
    for user in (member, rep, district, region, national, admin):
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
    assert Signup.objects.filter(user=member).exists()
    assert Membership.objects.count() > 5 * 300
    for email in ("member@", "rep@", "district@", "region@", "national@", "admin@"):
        assert email in out
    assert "http://127.0.0.1:8000/accounts/login/" in out
    assert "console email" in out


def test_second_run_if_empty_creates_nothing_and_still_prints_logins() -> None:
    seed()
    counts = [m.objects.count() for m in (User, School, Signup, PicketLine, StrikeDay)]

    out = seed(if_empty=True)
    again = seed()

    assert [m.objects.count() for m in (User, School, Signup, PicketLine, StrikeDay)] == counts
    assert "no demo data loaded" in out
    assert "member@demo.picketline.test" in out
    assert "already loaded" in again


def test_if_empty_on_a_database_with_the_neu_loads_nothing(union: Union) -> None:
    out = seed(if_empty=True)

    assert not School.objects.exists()
    assert "No demo sign-ins" in out


def test_print_logins_only_prints() -> None:
    out = seed(print_logins=True)

    assert not Union.objects.exists()
    assert "No demo sign-ins" in out


def test_the_data_officer_login_reaches_the_audit_log_without_superuser(client) -> None:
    out = seed()
    officer = User.objects.get(email="data@demo.picketline.test")
    assert "data@demo.picketline.test" in out and "Data officer" in out
    assert officer.is_staff and not officer.is_superuser and not officer.roles.exists()
    assert EmailAddress.objects.filter(user=officer, verified=True).exists()
    client.force_login(officer)
    assert client.get("/audit/").status_code == 200
    member = User.objects.get(email="member@demo.picketline.test")
    client.force_login(member)
    assert client.get("/audit/").status_code == 403
