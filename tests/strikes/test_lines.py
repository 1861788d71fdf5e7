"""Reps run their picket lines: services, selectors and pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kernel.errors import DomainError
from strikes import counters
from strikes.models import (
    CalledOutSchool,
    Notification,
    PicketLine,
    PicketReport,
    ReportBucket,
    Shift,
    Signup,
    StrikeDay,
)
from strikes.services import lines as svc
from strikes.services.delivery import notification_deliver
from tests import factories as f

UTC = ZoneInfo("UTC")
OLD_RULES_DAY = dt.date(2026, 2, 10)  # before 18 Feb 2026: picket supervisor required


@pytest.fixture
def setup(world, rule_sets):
    """A strike day calling out Heaton Primary (s1), its rep, a member, lines and shifts."""

    class S:
        pass

    s = S()
    s.w = world
    s.day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    s.called = f.CalledOutSchoolFactory(strike_day=s.day, school=world.s1)
    s.rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    s.member = f.MembershipFactory(workplace=world.s1, union=world.union).user
    return s


def make_shifts(s, **kw):
    kw.setdefault("capacity", 6)
    kw.setdefault("minimum_wanted", 2)
    return svc.shifts_create_from_pattern(strike_day=s.day, school=s.w.s1, acting_user=s.rep, **kw)


def line_of(s) -> PicketLine:
    return PicketLine.objects.get(strike_day=s.day, school=s.w.s1, entrance__is_main=True)


def book(shift, user):
    """A place booked as the sign-up service books it (without its checks)."""
    signup = f.SignupFactory(shift=shift, user=user)
    counters.signup_changed(shift=shift, signup=signup, before=None)
    shift.refresh_from_db()
    return signup


# --- Refusals ------------------------------------------------------------------------------


def rep_urls(s) -> list[tuple[str, str]]:
    make_shifts(s)
    line = line_of(s)
    shift = line.shifts.first()
    return [
        ("get", reverse("strikes:rep-day", args=[s.day.pk, s.w.s1.pk])),
        ("post", reverse("strikes:rep-pattern", args=[s.day.pk, s.w.s1.pk])),
        ("post", reverse("strikes:rep-nudge", args=[s.day.pk, s.w.s1.pk])),
        ("get", reverse("strikes:rep-shift-edit", args=[shift.pk])),
        ("post", reverse("strikes:rep-shift-remove", args=[shift.pk])),
        ("post", reverse("strikes:line-organiser", args=[line.pk])),
        ("get", reverse("strikes:line-letter", args=[line.pk])),
        ("get", reverse("strikes:line-roster", args=[line.pk])),
        ("get", reverse("strikes:line-check-in", args=[line.pk])),
        ("post", reverse("strikes:line-check-in", args=[line.pk])),
        ("get", reverse("strikes:line-report", args=[line.pk])),
        ("post", reverse("strikes:line-report", args=[line.pk])),
        ("get", reverse("strikes:line-share", args=[line.pk])),
        ("get", reverse("strikes:school-member-poster", args=[s.day.pk, s.w.s1.pk])),
    ]


def test_other_schools_rep_is_refused_every_rep_page(client, setup):
    other = f.RoleFactory(kind="rep", school=setup.w.s2, union=setup.w.union).user
    client.force_login(other)
    for method, url in rep_urls(setup):
        assert getattr(client, method)(url).status_code == 404, url
    assert Shift.objects.filter(cancelled_at__isnull=False).count() == 0


def test_member_of_the_school_is_refused_every_rep_page(client, setup):
    client.force_login(setup.member)
    for method, url in rep_urls(setup):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "only the workplace rep" in response.content.decode().lower()
    assert client.get(reverse("strikes:rep-home")).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_every_rep_page(client, setup):
    for method, url in [("get", reverse("strikes:rep-home")), *rep_urls(setup)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"]


def test_supporter_without_a_role_is_refused(client, setup):
    """A supporter has no membership and no role: a signed-in stranger to the school."""
    stranger = f.UserFactory()
    client.force_login(stranger)
    assert client.get(reverse("strikes:rep-home")).status_code == 403
    for method, url in rep_urls(setup):
        assert getattr(client, method)(url).status_code == 404, url


def test_other_districts_officer_is_refused_and_own_district_officer_allowed(client, setup):
    outsider = f.RoleFactory(kind="district_officer", district=setup.w.d3, union=setup.w.union)
    insider = f.RoleFactory(kind="district_officer", district=setup.w.d1, union=setup.w.union)
    urls = rep_urls(setup)
    client.force_login(outsider.user)
    assert client.get(urls[0][1]).status_code == 404
    client.force_login(insider.user)
    assert client.get(urls[0][1]).status_code == 200


def test_rep_of_another_union_is_refused(client, setup):
    pcs = f.UnionFactory(short_name="PCS")
    other = f.RoleFactory(kind="rep", school=setup.w.s1, union=pcs).user
    client.force_login(other)
    line_url = rep_urls(setup)[8][1]
    assert client.get(line_url).status_code == 404


# --- Rep home ------------------------------------------------------------------------------


def test_rep_pages_only_read_and_adding_shifts_sets_up_every_entrance(client, setup):
    """No GET writes: the rep's pages show a day without lines as such; adding shifts (a POST)
    makes the line at every entrance."""
    f.EntranceFactory(site=setup.w.s1.sites.get(), name="Back gate")
    client.force_login(setup.rep)
    lines = PicketLine.objects.filter(strike_day=setup.day, school=setup.w.s1)
    response = client.get(reverse("strikes:rep-home"))
    assert response.status_code == 200
    assert "No shifts yet. Open the day to add shifts" in response.content.decode()
    day_url = reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])
    response = client.get(day_url)
    assert response.status_code == 200
    assert "2 entrances have no picket line yet" in response.content.decode()
    assert lines.count() == 0
    pattern_url = reverse("strikes:rep-pattern", args=[setup.day.pk, setup.w.s1.pk])
    client.post(pattern_url, {"slots": "07:30-08:30", "capacity": 6, "minimum_wanted": 2})
    assert lines.count() == 2
    line = lines.first()
    assert (line.district_id, line.region_id) == (setup.w.d1.pk, setup.w.north.pk)
    html = client.get(day_url).content.decode()
    assert "Back gate" in html and "no picket line yet" not in html
    assert Shift.objects.filter(picket_line__in=lines).count() == 2


def test_rep_home_shows_booked_capacity_and_minimum(client, setup):
    make_shifts(setup, capacity=5, minimum_wanted=3)
    book(line_of(setup).shifts.first(), setup.member)
    client.force_login(setup.rep)
    html = client.get(reverse("strikes:rep-home")).content.decode()
    assert "07:30–08:30" in html and "1/5" in html and "0/5" in html and "Needs 3" in html


def test_rep_home_empty_state_without_strike_day(client, world):
    rep = f.RoleFactory(kind="rep", school=world.s2, union=world.union).user
    client.force_login(rep)
    response = client.get(reverse("strikes:rep-home"))
    assert response.status_code == 200
    assert "No strike day calls out Jesmond High yet" in response.content.decode()


def test_rep_home_lists_each_of_several_schools(client, setup):
    f.RoleFactory(kind="rep", school=setup.w.s2, user=setup.rep, union=setup.w.union)
    client.force_login(setup.rep)
    html = client.get(reverse("strikes:rep-home")).content.decode()
    assert "Heaton Primary" in html and "Jesmond High" in html


def test_rep_home_query_count_does_not_grow(client, setup, django_assert_max_num_queries):
    f.RoleFactory(kind="rep", school=setup.w.s2, user=setup.rep, union=setup.w.union)
    f.CalledOutSchoolFactory(strike_day=setup.day, school=setup.w.s2)
    for i in range(3):
        f.EntranceFactory(site=setup.w.s1.sites.get(), name=f"Gate {i}")
    make_shifts(setup, pattern=[("07:00", "08:00"), ("08:00", "09:00"), ("09:00", "10:00")])
    client.force_login(setup.rep)
    # incl. making s2's line and recounting its district's figures
    with django_assert_max_num_queries(11):
        assert client.get(reverse("strikes:rep-home")).status_code == 200


def test_day_page_query_count_does_not_grow(client, setup, django_assert_max_num_queries):
    for i in range(3):
        f.EntranceFactory(site=setup.w.s1.sites.get(), name=f"Gate {i}")
    make_shifts(setup, pattern=[("07:00", "08:00"), ("08:00", "09:00"), ("09:00", "10:00")])
    for shift in Shift.objects.all()[:4]:
        book(shift, f.MembershipFactory(workplace=setup.w.s1, union=setup.w.union).user)
    for _ in range(3):
        f.MembershipFactory(workplace=setup.w.s1, union=setup.w.union)
    client.force_login(setup.rep)
    url = reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])
    # 13, one for the messages of support, and a constant 7 more to say who is called out and
    # why the other groups are not (the school's nation, the dispute's ballots and rule sets,
    # members not called out).
    with django_assert_max_num_queries(21):
        assert client.get(url).status_code == 200


# --- Shifts --------------------------------------------------------------------------------


def test_pattern_creates_shifts_at_every_entrance_and_skips_existing(setup):
    f.EntranceFactory(site=setup.w.s1.sites.get(), name="Back gate")
    other_site = f.SiteFactory(school=setup.w.s1, name="Annexe")
    f.EntranceFactory(site=other_site, name="Annexe door")
    made = make_shifts(setup)
    assert len(made) == 6
    again = make_shifts(setup, pattern=[("07:30", "08:30"), ("09:30", "10:30")])
    assert len(again) == 3
    assert Shift.objects.filter(picket_line__school=setup.w.s1).count() == 9


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(dt.date(2026, 3, 27), 7), (dt.date(2026, 3, 30), 6), (dt.date(2026, 10, 26), 7)],
)
def test_pattern_times_are_london_local_across_dst(setup, day, utc_hour):
    setup.day.date = day
    setup.day.save(update_fields=["date"])
    with time_machine.travel(dt.datetime(2026, 1, 5, 12, tzinfo=UTC)):
        made = make_shifts(setup, pattern=[("07:30", "08:30")])
    starts = made[0].starts_at.astimezone(UTC)
    assert (starts.date(), starts.hour, starts.minute) == (day, utc_hour, 30)
    assert timezone.localtime(made[0].starts_at).strftime("%H:%M") == "07:30"


def test_pattern_rejects_a_shift_ending_before_it_starts(setup):
    with pytest.raises(DomainError) as exc:
        make_shifts(setup, pattern=[("09:00", "08:00")])
    assert exc.value.code == "bad_times"
    assert not Shift.objects.exists()


def test_pattern_page_posts_and_warns_over_six(client, setup):
    client.force_login(setup.rep)
    url = reverse("strikes:rep-pattern", args=[setup.day.pk, setup.w.s1.pk])
    response = client.post(
        url, {"slots": "07:30-08:30, 08:30–09:30", "capacity": 8, "minimum_wanted": 2}, follow=True
    )
    html = response.content.decode()
    assert "2 shifts added" in html
    assert "advises no more than six pickets at an entrance" in html
    assert Shift.objects.filter(capacity=8).count() == 2


def test_pattern_page_bad_input_changes_nothing(client, setup):
    client.force_login(setup.rep)
    url = reverse("strikes:rep-pattern", args=[setup.day.pk, setup.w.s1.pk])
    response = client.post(url, {"slots": "half seven", "capacity": -1})
    assert response.status_code == 400
    assert "is not a time range" in response.content.decode()
    assert not Shift.objects.exists()


def test_shift_edit_refuses_capacity_below_booked(client, setup):
    make_shifts(setup)
    shift = line_of(setup).shifts.first()
    book(shift, setup.member)
    book(shift, f.MembershipFactory(workplace=setup.w.s1, union=setup.w.union).user)
    client.force_login(setup.rep)
    url = reverse("strikes:rep-shift-edit", args=[shift.pk])
    data = {"starts_at": "07:30", "ends_at": "08:30", "capacity": 1, "minimum_wanted": 1}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2 people are already booked on this shift" in response.content.decode()
    shift.refresh_from_db()
    assert shift.capacity == 6


def test_shift_edit_saves_times_and_warns_over_six(client, setup):
    make_shifts(setup)
    shift = line_of(setup).shifts.first()
    client.force_login(setup.rep)
    url = reverse("strikes:rep-shift-edit", args=[shift.pk])
    data = {"starts_at": "07:15", "ends_at": "08:45", "capacity": 9, "minimum_wanted": 3}
    response = client.post(url, data, follow=True)
    assert "advises no more than six pickets" in response.content.decode()
    shift.refresh_from_db()
    assert timezone.localtime(shift.starts_at).strftime("%H:%M") == "07:15"
    assert (shift.capacity, shift.minimum_wanted) == (9, 3)


def test_day_page_shows_capacity_warning(client, setup):
    make_shifts(setup, capacity=7)
    client.force_login(setup.rep)
    html = client.get(reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])).content
    assert b"The Code of Practice on Picketing advises no more than six pickets" in html


def test_remove_shift_cancels_signups_and_tells_each_person(
    client, setup, django_capture_on_commit_callbacks
):
    make_shifts(setup)
    shift = line_of(setup).shifts.first()
    signup = book(shift, setup.member)
    supporter_signup = f.SignupFactory(
        shift=shift, user=None, supporter=f.SupporterFactory(), is_supporter=True
    )
    client.force_login(setup.rep)
    with django_capture_on_commit_callbacks():
        response = client.post(reverse("strikes:rep-shift-remove", args=[shift.pk]), follow=True)
    assert "2 people told" in response.content.decode()
    shift.refresh_from_db()
    assert shift.cancelled_at is not None and shift.booked == 0
    signup.refresh_from_db()
    supporter_signup.refresh_from_db()
    assert signup.status == supporter_signup.status == Signup.Status.CANCELLED
    kinds = set(Notification.objects.values_list("kind", "user_id", "supporter_id"))
    assert kinds == {
        ("change", setup.member.pk, None),
        ("change", None, supporter_signup.supporter_id),
    }


# --- Who is coming and nudges ----------------------------------------------------------------


def test_day_page_lists_who_is_coming_and_who_has_not_signed_up(client, setup):
    make_shifts(setup)
    book(line_of(setup).shifts.first(), setup.member)
    idle = f.MembershipFactory(workplace=setup.w.s1, union=setup.w.union).user
    elsewhere = f.MembershipFactory(workplace=setup.w.s2, union=setup.w.union).user
    client.force_login(setup.rep)
    url = reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])
    html = client.get(url + "?nudges=1").content.decode()
    coming, _, missing = html.partition('id="not-signed-up"')
    assert setup.member.display_name in coming
    assert idle.display_name in missing and setup.member.display_name not in missing
    assert elsewhere.display_name not in html


def test_nudge_is_queued_once_a_day(client, setup):
    client.force_login(setup.rep)
    url = reverse("strikes:rep-nudge", args=[setup.day.pk, setup.w.s1.pk])
    first = client.post(url, {"user": setup.member.pk}, follow=True)
    assert "Nudge queued" in first.content.decode()
    second = client.post(url, {"user": setup.member.pk}, follow=True)
    assert "already nudged today" in second.content.decode()
    nudge = Notification.objects.get()
    today = timezone.localdate().isoformat()
    assert nudge.kind == "nudge"
    assert nudge.key == f"nudge:{setup.day.pk}:{setup.member.pk}:{today}"
    page = client.get(reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk]) + "?nudges=1")
    assert "already nudged today" in page.content.decode()


def test_nudge_again_the_next_day(setup):
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=UTC), tick=False):
        svc.member_nudge(
            strike_day=setup.day, school=setup.w.s1, user=setup.member, acting_user=setup.rep
        )
    with time_machine.travel(dt.datetime(2026, 5, 2, 9, tzinfo=UTC), tick=False):
        assert svc.member_nudge(
            strike_day=setup.day, school=setup.w.s1, user=setup.member, acting_user=setup.rep
        )
    assert Notification.objects.filter(kind="nudge").count() == 2


def test_nudge_refuses_someone_from_another_school(client, setup):
    elsewhere = f.MembershipFactory(workplace=setup.w.s2, union=setup.w.union).user
    client.force_login(setup.rep)
    url = reverse("strikes:rep-nudge", args=[setup.day.pk, setup.w.s1.pk])
    response = client.post(url, {"user": elsewhere.pk}, follow=True)
    assert "not a member at this school" in response.content.decode()
    assert not Notification.objects.exists()


# --- Organiser, letter and roster ----------------------------------------------------------


def test_old_rules_need_a_named_supervisor_and_a_letter(client, setup):
    setup.day.date = OLD_RULES_DAY
    setup.day.save(update_fields=["date"])
    svc.picket_lines_ensure(pairs=[(setup.day, setup.w.s1)])
    line = line_of(setup)
    client.force_login(setup.rep)
    day_url = reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])
    html = client.get(day_url).content.decode()
    assert "Picket supervisor (required)" in html and "needs a named picket supervisor" in html
    assert reverse("strikes:line-letter", args=[line.pk]) in html
    client.post(reverse("strikes:line-organiser", args=[line.pk]), {"supervisor_name": "Ann Lee"})
    html = client.get(day_url).content.decode()
    assert "needs a named picket supervisor" not in html
    letter = client.get(reverse("strikes:line-letter", args=[line.pk])).content.decode()
    assert "Letter of authorisation" in letter and "Ann Lee" in letter


def test_current_rules_make_the_organiser_optional(client, setup):
    svc.picket_lines_ensure(pairs=[(setup.day, setup.w.s1)])
    line = line_of(setup)
    client.force_login(setup.rep)
    html = client.get(reverse("strikes:rep-day", args=[setup.day.pk, setup.w.s1.pk])).content
    assert b"Picket organiser (optional)" in html and b"needs a named picket" not in html
    letter = client.get(reverse("strikes:line-letter", args=[line.pk])).content
    assert b"No letter needed" in letter


def test_roster_lists_names_for_the_rep(client, setup):
    make_shifts(setup)
    book(line_of(setup).shifts.first(), setup.member)
    client.force_login(setup.rep)
    html = client.get(reverse("strikes:line-roster", args=[line_of(setup).pk])).content.decode()
    assert setup.member.display_name in html and "css/print.css" in html


# --- Check-in ------------------------------------------------------------------------------


STRIKE_DATE = dt.date(2026, 5, 1)


@pytest.fixture
def day_of(setup):
    """The strike day's morning (1 May 2026, 08:00 in London): check-in and reports are open."""
    StrikeDay.objects.filter(pk=setup.day.pk).update(date=STRIKE_DATE)
    setup.day.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, 0, tzinfo=UTC)):
        make_shifts(setup)
    s = setup
    s.line = line_of(s)
    s.shift = s.line.shifts.first()
    s.a = book(s.shift, s.member)
    s.b = book(s.shift, f.MembershipFactory(workplace=s.w.s1, union=s.w.union).user)
    s.url = reverse("strikes:line-check-in", args=[s.line.pk])
    with time_machine.travel(dt.datetime(2026, 5, 1, 7, 0, tzinfo=UTC)):
        yield s


def test_check_in_page_lists_expected_people(client, day_of):
    client.force_login(day_of.rep)
    html = client.get(day_of.url).content.decode()
    assert day_of.a.user.display_name in html and day_of.b.user.display_name in html
    assert 'name="nonce"' in html


def test_check_in_plain_post_redirects_and_double_tap_is_a_no_op(client, day_of):
    client.force_login(day_of.rep)
    data = {"action": "arrived", "signup": day_of.a.pk, "nonce": "n1"}
    response = client.post(day_of.url, data)
    assert response.status_code == 302
    day_of.a.refresh_from_db()
    first_at = day_of.a.arrived_at
    assert day_of.a.status == Signup.Status.ARRIVED
    again = client.post(day_of.url, data, follow=True)
    assert again.status_code == 200
    day_of.a.refresh_from_db()
    assert day_of.a.arrived_at == first_at


def test_check_in_htmx_swaps_the_row(client, day_of):
    client.force_login(day_of.rep)
    response = client.post(
        day_of.url, {"action": "arrived", "signup": day_of.b.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="signup-{day_of.b.pk}"' in html and "Here" in html and "<html" not in html


def test_check_in_refuses_a_signup_from_another_line(client, day_of):
    stranger = f.SignupFactory()
    client.force_login(day_of.rep)
    response = client.post(day_of.url, {"action": "arrived", "signup": stranger.pk})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.status == Signup.Status.REGISTERED


def test_walk_up_is_added_once_per_nonce(client, day_of):
    client.force_login(day_of.rep)
    data = {"action": "walk_up", "shift": day_of.shift.pk, "name": "Sam Walker", "nonce": "w1"}
    client.post(day_of.url, data)
    client.post(day_of.url, data)
    walk_up = Signup.objects.get(walk_up_name="Sam Walker")
    assert walk_up.status == Signup.Status.ARRIVED
    assert walk_up.user_id is None and walk_up.supporter_id is None and not walk_up.is_supporter
    html = client.get(day_of.url).content.decode()
    assert "Sam Walker" in html


def test_walk_up_without_a_name_says_so(client, day_of):
    client.force_login(day_of.rep)
    data = {"action": "walk_up", "shift": day_of.shift.pk, "name": "", "nonce": "w2"}
    response = client.post(day_of.url, data, follow=True)
    assert "Write the person" in response.content.decode()
    assert not Signup.objects.exclude(walk_up_name="").exists()


def test_no_shows_only_after_the_shift_ends(day_of):
    svc.signup_check_in(signup=day_of.a, acting_user=day_of.rep)
    with pytest.raises(DomainError):
        svc.shift_mark_no_shows(shift=day_of.shift, acting_user=day_of.rep)
    with time_machine.travel(day_of.shift.ends_at + dt.timedelta(minutes=1)):
        assert svc.shift_mark_no_shows(shift=day_of.shift, acting_user=day_of.rep) == 1
    day_of.b.refresh_from_db()
    day_of.shift.refresh_from_db()
    assert day_of.b.status == Signup.Status.NO_SHOW
    assert day_of.shift.booked == 1


def test_check_in_page_query_count_does_not_grow(client, day_of, django_assert_max_num_queries):
    for _ in range(4):
        book(day_of.shift, f.MembershipFactory(workplace=day_of.w.s1, union=day_of.w.union).user)
    f.SignupFactory(
        shift=day_of.shift, user=None, supporter=f.SupporterFactory(), is_supporter=True
    )
    client.force_login(day_of.rep)
    with django_assert_max_num_queries(7):
        assert client.get(day_of.url).status_code == 200


# --- Reports -------------------------------------------------------------------------------


def report(s, nonce="r1", **fields):
    fields.setdefault("school_status", "closed")
    fields.setdefault("pickets", 4)
    return svc.picket_report_create(picket_line=s.line, acting_user=s.rep, nonce=nonce, **fields)


def test_report_with_the_same_nonce_returns_the_first(day_of):
    first = report(day_of)
    second = report(day_of, pickets=9)
    assert first.pk == second.pk
    assert PicketReport.objects.count() == 1


def test_latest_report_updates_line_and_called_out_school(day_of):
    with time_machine.travel(dt.datetime(2026, 5, 1, 7, 10, tzinfo=UTC), tick=False):
        report(day_of, nonce="a", school_status="restricted")
    with time_machine.travel(dt.datetime(2026, 5, 1, 8, 0, tzinfo=UTC), tick=False):
        latest = report(day_of, nonce="b", school_status="closed")
    day_of.line.refresh_from_db()
    called = CalledOutSchool.objects.get(strike_day=day_of.day, school=day_of.w.s1)
    assert day_of.line.latest_report_id == latest.pk
    assert called.status == "closed" and called.reported_at == latest.reported_at


def test_report_counters_and_chart_buckets_kept_by_the_service_match_a_rebuild(day_of):
    """The service's running counters equal the ones recomputed from the reports."""
    times = [(7, 5, 3), (7, 10, 5), (7, 50, 2)]  # UTC hour, minute, pickets
    for i, (hour, minute, pickets) in enumerate(times):
        at = dt.datetime(2026, 5, 1, hour, minute, tzinfo=UTC)
        with time_machine.travel(at, tick=False):
            report(day_of, nonce=f"n{i}", pickets=pickets, supporters=i)
    line = PicketLine.objects.get(pk=day_of.line.pk)
    assert (line.latest_pickets, line.latest_supporters) == (2, 2)
    assert line.first_reported_at == dt.datetime(2026, 5, 1, 7, 5, tzinfo=UTC)

    def buckets():
        return sorted(
            ReportBucket.objects.filter(strike_day=day_of.day).values_list(
                "district_id", "starts_at", "reports", "pickets"
            )
        )

    kept = buckets()
    d = day_of.w.s1.district_id
    assert kept == [
        (d, dt.datetime(2026, 5, 1, 7, 0, tzinfo=UTC), 2, 8),
        (d, dt.datetime(2026, 5, 1, 7, 45, tzinfo=UTC), 1, 2),
    ]
    PicketLine.objects.filter(pk=line.pk).update(
        latest_pickets=0, latest_supporters=0, first_reported_at=None, latest_report=None
    )
    ReportBucket.objects.all().delete()
    counters.rebuild(strike_day_id=day_of.day.pk)
    rebuilt = PicketLine.objects.get(pk=line.pk)
    assert buckets() == kept
    assert (rebuilt.latest_report_id, rebuilt.latest_pickets, rebuilt.first_reported_at) == (
        line.latest_report_id,
        2,
        line.first_reported_at,
    )


def test_an_older_report_does_not_overwrite_the_school_status(day_of):
    CalledOutSchool.objects.filter(pk=day_of.called.pk).update(
        status="open", reported_at=timezone.now() + dt.timedelta(hours=1)
    )
    report(day_of, school_status="closed")
    day_of.called.refresh_from_db()
    assert day_of.called.status == "open"


def test_escalation_notifies_each_district_officer(day_of, django_capture_on_commit_callbacks):
    d1 = f.RoleFactory(kind="district_officer", district=day_of.w.d1, union=day_of.w.union)
    d1b = f.RoleFactory(kind="district_officer", district=day_of.w.d1, union=day_of.w.union)
    f.RoleFactory(kind="district_officer", district=day_of.w.d2, union=day_of.w.union)
    with django_capture_on_commit_callbacks():
        report(day_of, escalate=True, incident="A car drove at the line.")
    sent = set(Notification.objects.filter(kind="escalation").values_list("user_id", flat=True))
    assert sent == {d1.user_id, d1b.user_id}


def test_escalation_message_says_what_happened_and_links_to_the_schools_page(day_of, settings):
    settings.SITE_URL = "https://picketline.example.org"
    officer = f.RoleFactory(kind="district_officer", district=day_of.w.d1, union=day_of.w.union)
    report(day_of, escalate=True, incident="A car drove at the line.", pickets=5)
    row = Notification.objects.get(kind="escalation", user=officer.user)
    assert notification_deliver(notification_id=row.pk) == "sent"
    (message,) = mail.outbox
    school_page = reverse("strikes:dashboard-school", args=[day_of.day.pk, day_of.w.s1.pk])
    assert message.subject.startswith(f"Picketline: incident at {day_of.w.s1.name}")
    assert "What happened: A car drove at the line." in message.body
    assert "Pickets on the line: 5" in message.body
    assert f"https://picketline.example.org{school_page}" in message.body


@pytest.mark.parametrize(
    ("fields", "code"),
    [({"pickets": -1}, "negative_count"), ({"escalate": True}, "escalate_needs_incident")],
)
def test_report_validation_saves_nothing(day_of, fields, code):
    with pytest.raises(DomainError) as exc:
        report(day_of, **fields)
    assert exc.value.code == code
    assert not PicketReport.objects.exists()


def report_data(**kw):
    data = {
        "school_status": "closed",
        "pickets": "5",
        "supporters": "2",
        "members_working": "1",
        "non_balloted_refusing": "0",
        "agency_staff": "0",
        "incident": "",
        "notes": "",
        "nonce": "n-1",
    }
    data.update(kw)
    return data


def test_report_page_plain_post_redirects_with_time(client, day_of):
    client.force_login(day_of.rep)
    url = reverse("strikes:line-report", args=[day_of.line.pk])
    with time_machine.travel(dt.datetime(2026, 5, 1, 7, 12, tzinfo=UTC)):
        response = client.post(url, report_data(), follow=True)
    assert "Report sent at 08:12" in response.content.decode()
    client.post(url, report_data())
    assert PicketReport.objects.count() == 1


def test_report_page_htmx_returns_the_timeline(client, day_of):
    client.force_login(day_of.rep)
    url = reverse("strikes:line-report", args=[day_of.line.pk])
    report(day_of, nonce="earlier", notes="First light")
    response = client.post(url, report_data(notes="Second"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="timeline"' in html and "<html" not in html
    assert html.index("Second") < html.index("First light")


def test_report_page_errors_are_clear_and_save_nothing(client, day_of):
    client.force_login(day_of.rep)
    url = reverse("strikes:line-report", args=[day_of.line.pk])
    response = client.post(url, report_data(pickets="-2", escalate="on"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Counts cannot be negative." in html and "Say what happened before escalating" in html
    assert not PicketReport.objects.exists()
    garbage = client.post(url, {"school_status": "burning", "nonce": "x", "pickets": "lots"})
    assert garbage.status_code == 200
    assert not PicketReport.objects.exists()


def test_report_htmx_success_sends_a_fresh_form_so_the_next_report_is_new(client, day_of):
    client.force_login(day_of.rep)
    url = reverse("strikes:line-report", args=[day_of.line.pk])
    response = client.post(url, report_data(nonce="first"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-swap-oob="true"' in html and 'value="first"' not in html
    fresh = html.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    client.post(url, report_data(nonce=fresh, school_status="open"), HTTP_HX_REQUEST="true")
    assert PicketReport.objects.filter(picket_line=day_of.line).count() == 2


def test_report_htmx_errors_retarget_the_form(client, day_of):
    client.force_login(day_of.rep)
    url = reverse("strikes:line-report", args=[day_of.line.pk])
    response = client.post(url, report_data(pickets="-1"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#report-form"
    assert "Counts cannot be negative." in response.content.decode()
    assert not PicketReport.objects.exists()


def test_check_in_bad_values_never_500(client, day_of):
    client.force_login(day_of.rep)
    for data in (
        {"action": "arrived", "signup": "abc"},
        {"action": "walk_up", "shift": "x", "name": "A", "nonce": "n"},
        {"action": "no_show", "shift": ""},
        {"action": "explode"},
        {},
    ):
        assert client.post(day_of.url, data).status_code == 302
    response = client.post(day_of.url, {"action": "arrived"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Choose someone" in response.content.decode()


def test_checking_in_a_cancelled_signup_is_refused(day_of):
    Signup.objects.filter(pk=day_of.a.pk).update(status=Signup.Status.CANCELLED)
    with pytest.raises(DomainError) as exc:
        svc.signup_check_in(signup=day_of.a, acting_user=day_of.rep)
    assert exc.value.code == "not_expected"


def test_unknown_ids_are_404(client, setup):
    client.force_login(setup.rep)
    assert client.get(reverse("strikes:line-check-in", args=[99999])).status_code == 404
    assert client.get(reverse("strikes:rep-shift-edit", args=[99999])).status_code == 404
    assert client.get(reverse("strikes:rep-day", args=[99999, setup.w.s1.pk])).status_code == 404


def test_walk_up_supporter_is_marked_as_a_supporter(client, day_of):
    client.force_login(day_of.rep)
    data = {
        "action": "walk_up",
        "shift": day_of.shift.pk,
        "name": "Pat Parent",
        "is_supporter": "on",
        "nonce": "w9",
    }
    client.post(day_of.url, data)
    walk_up = Signup.objects.get(walk_up_name="Pat Parent")
    assert walk_up.is_supporter and walk_up.status == Signup.Status.ARRIVED
    assert not walk_up.holds_place


def test_no_shifts_for_a_cancelled_or_past_day(setup):
    setup.day.status = "cancelled"
    setup.day.save(update_fields=["status"])
    with pytest.raises(DomainError) as exc:
        make_shifts(setup)
    assert exc.value.code == "day_cancelled"
    setup.day.status = "announced"
    setup.day.date = timezone.localdate() - dt.timedelta(days=1)
    setup.day.save(update_fields=["status", "date"])
    with pytest.raises(DomainError) as exc:
        make_shifts(setup)
    assert exc.value.code == "day_past"
    assert not Shift.objects.exists()


def test_line_selectors_scope_to_the_viewer(setup):
    """The selectors filter in the query by where the viewer may run lines: a rep of another
    school, a member of this one and another union's organiser get nothing back."""
    from members.permissions import viewer_for
    from strikes.selectors import lines as sel

    make_shifts(setup)
    book(line_of(setup).shifts.first(), setup.member)
    f.MembershipFactory(workplace=setup.w.s1, union=setup.w.union)  # not signed up
    day, school = setup.day, setup.w.s1
    rep = viewer_for(setup.rep)
    assert len(sel.lines_for_school_day(strike_day=day, school=school, viewer=rep)) == 1
    assert sel.expected_signups(picket_line=line_of(setup), viewer=rep)
    assert sel.nudge_page(strike_day=day, school=school, viewer=rep).total == 1
    outsiders = [
        f.RoleFactory(kind="rep", school=setup.w.s2, union=setup.w.union).user,
        setup.member,
        f.RoleFactory(kind="national_organiser", union=f.UnionFactory(short_name="PCS")).user,
    ]
    for user in outsiders:
        viewer = viewer_for(user)
        assert sel.lines_for_school_day(strike_day=day, school=school, viewer=viewer) == []
        assert sel.expected_signups(picket_line=line_of(setup), viewer=viewer) == []
        assert sel.nudge_page(strike_day=day, school=school, viewer=viewer).total == 0


# --- The day's window ----------------------------------------------------------------------


def test_check_in_and_reports_are_refused_before_the_window_with_when_it_opens(client, day_of):
    # The first shift is 07:30 in London (BST): the window opens at 06:30, 05:30 UTC.
    with time_machine.travel(dt.datetime(2026, 5, 1, 5, 29, tzinfo=UTC), tick=False):
        with pytest.raises(DomainError) as early:
            svc.signup_check_in(signup=day_of.a, acting_user=day_of.rep)
        assert early.value.code == "check_in_closed"
        assert "open at 06:30 on Friday 1 May" in early.value.message
        with pytest.raises(DomainError):
            report(day_of, nonce="early")
        with pytest.raises(DomainError):
            svc.signup_walk_up_add(
                shift=day_of.shift, name="Early Bird", nonce="w", acting_user=day_of.rep
            )
        client.force_login(day_of.rep)
        page = client.get(day_of.url).content.decode()
        assert "Check-in and walk-ups open at 06:30 on Friday 1 May" in page
        report_page = client.get(reverse("strikes:line-report", args=[day_of.line.pk]))
        assert "Reports open at 06:30 on Friday 1 May" in report_page.content.decode()
        assert 'id="report-form"' not in report_page.content.decode()
    assert not PicketReport.objects.exists()
    day_of.a.refresh_from_db()
    assert day_of.a.status == Signup.Status.REGISTERED
    with time_machine.travel(dt.datetime(2026, 5, 1, 5, 30, tzinfo=UTC), tick=False):
        assert svc.signup_check_in(signup=day_of.a, acting_user=day_of.rep).status == "arrived"
        assert report(day_of, nonce="on-time").pk


def test_check_in_and_reports_close_at_the_end_of_the_strike_day(client, day_of):
    # Midnight in London at the end of 1 May is 23:00 UTC.
    with time_machine.travel(dt.datetime(2026, 5, 1, 22, 59, tzinfo=UTC), tick=False):
        assert report(day_of, nonce="late").pk
    with time_machine.travel(dt.datetime(2026, 5, 1, 23, 0, tzinfo=UTC), tick=False):
        with pytest.raises(DomainError) as closed:
            report(day_of, nonce="too-late")
        assert "closed at the end of the strike day (Friday 1 May)" in closed.value.message
        with pytest.raises(DomainError):
            svc.signup_check_in(signup=day_of.b, acting_user=day_of.rep)
        client.force_login(day_of.rep)
        response = client.post(
            day_of.url, {"action": "arrived", "signup": day_of.b.pk}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 409
        assert "closed at the end of the strike day" in response.content.decode()
    assert PicketReport.objects.count() == 1


def test_the_window_opens_an_hour_before_the_first_shift_in_winter_too(setup):
    """In GMT (December) 07:30 London is 07:30 UTC: the window opens at 06:30 UTC."""
    day = setup.day
    StrikeDay.objects.filter(pk=day.pk).update(date=dt.date(2026, 12, 10))
    day.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)):
        make_shifts(setup, pattern=[("07:30", "08:30")])
    window = svc.line_window(picket_line=line_of(setup))
    assert window.opens_at == dt.datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
    assert window.closes_at == dt.datetime(2026, 12, 11, 0, 0, tzinfo=UTC)


# --- Queries per action ---------------------------------------------------------------------
# Issue 16: 10 statements or fewer per action, savepoints included (see test_signups_views).
# A check-in: the user (session, memberships and roles come from the cache), the line (the
# access check), SAVEPOINT, one locked read of the signup with its shift and the line's first
# shift (the window), the update, the audit entry, RELEASE; htmx adds the shift's people for
# the row. A report: the user, the line, SAVEPOINT, one locked read of the line and its
# called-out school (with the first shift), the insert (a repeated nonce makes it insert
# nothing; it also reads when the line's latest report was made), the counters (the line's
# latest report, the chart's bucket, the school's status and the district's figures: on
# PostgreSQL one statement, four data-modifying parts; SQLite has no UPDATE inside WITH, so
# four), the audit entry, RELEASE; htmx adds the timeline.
CHECK_IN_QUERIES = {False: 7, True: 8}
REPORT_QUERIES = {False: 8, True: 9}
REPORT_QUERIES_SQLITE = {False: 11, True: 12}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_check_in_and_report_run_a_fixed_number_of_queries(
    client, day_of, htmx, django_assert_max_num_queries
):
    headers = {"HX-Request": "true"} if htmx else {}
    client.force_login(day_of.rep)
    client.get(day_of.url)  # the session is made before the count
    with time_machine.travel(dt.datetime(2026, 5, 1, 7, 12, tzinfo=UTC)):  # inside the window
        with django_assert_max_num_queries(CHECK_IN_QUERIES[htmx]):
            response = client.post(
                day_of.url,
                {"action": "arrived", "signup": day_of.a.pk, "nonce": "q1"},
                headers=headers,
            )
        assert response.status_code == (200 if htmx else 302)
        day_of.a.refresh_from_db()
        assert day_of.a.status == Signup.Status.ARRIVED
        report_queries = (
            REPORT_QUERIES if connection.vendor == "postgresql" else REPORT_QUERIES_SQLITE
        )
        with django_assert_max_num_queries(report_queries[htmx]):
            response = client.post(
                reverse("strikes:line-report", args=[day_of.line.pk]),
                report_data(nonce="q2"),
                headers=headers,
            )
        assert response.status_code == (200 if htmx else 302)
    assert PicketReport.objects.filter(picket_line=day_of.line).count() == 1
