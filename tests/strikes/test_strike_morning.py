"""Strike morning at the gate: check-in with undo and walk-ups, quick reports, sharing a line."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.errors import DomainError
from kernel.models import AuditEntry
from strikes import counters
from strikes.models import PicketLine, PicketReport, Shift, Signup
from strikes.services import lines as svc
from tests import factories as f


@pytest.fixture
def morning(world, rule_sets, strike_morning):
    """Today is a strike day at Heaton Primary: two shifts at its gate, six booked on the first."""

    class S:
        pass

    s = S()
    s.w = world
    s.day = f.StrikeDayFactory(
        dispute=f.DisputeFactory(union=world.union), date=timezone.localdate()
    )
    f.CalledOutSchoolFactory(strike_day=s.day, school=world.s1)
    s.rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.shifts_create_from_pattern(
        strike_day=s.day, school=world.s1, capacity=6, minimum_wanted=2, acting_user=s.rep
    )
    s.line = PicketLine.objects.get(strike_day=s.day, school=world.s1, entrance__is_main=True)
    s.shift = s.line.shifts.order_by("starts_at").first()
    s.people = [
        f.SignupFactory(
            shift=s.shift, user=f.MembershipFactory(workplace=world.s1, union=world.union).user
        )
        for _ in range(6)
    ]
    Shift.objects.filter(pk=s.shift.pk).update(booked=6)
    s.url = reverse("strikes:line-check-in", args=[s.line.pk])
    return s


def post(client, s, hx=False, **data):
    extra = {"HTTP_HX_REQUEST": "true"} if hx else {}
    return client.post(s.url, data, **extra)


# --- The undo service ----------------------------------------------------------------------


def test_undo_puts_a_checked_in_person_back_to_expected_with_an_audit_entry(morning):
    signup = svc.signup_check_in(signup=morning.people[0], acting_user=morning.rep)
    svc.signup_check_in_undo(signup=signup, acting_user=morning.rep)
    signup.refresh_from_db()
    assert signup.status == Signup.Status.REGISTERED and signup.arrived_at is None
    assert AuditEntry.objects.filter(action="signup.check_in_undone").count() == 1
    morning.shift.refresh_from_db()
    assert morning.shift.booked == 6  # an expected picket still holds the place


def test_undo_twice_changes_nothing_the_second_time(morning):
    signup = svc.signup_check_in(signup=morning.people[0], acting_user=morning.rep)
    svc.signup_check_in_undo(signup=signup, acting_user=morning.rep)
    svc.signup_check_in_undo(signup=signup, acting_user=morning.rep)
    assert AuditEntry.objects.filter(action="signup.check_in_undone").count() == 1


def test_check_in_undo_and_walk_ups_keep_every_counter_true(morning):
    counters.rebuild(strike_day_id=morning.day.pk)
    walk_up = svc.signup_walk_up_add(
        shift=morning.shift, name="Sam Walker", nonce="w1", acting_user=morning.rep
    )
    for person in morning.people[:3]:
        svc.signup_check_in(signup=person, acting_user=morning.rep)
    svc.signup_check_in_undo(signup=morning.people[0], acting_user=morning.rep)
    svc.signup_check_in_undo(signup=walk_up, acting_user=morning.rep)
    assert counters.check(strike_day_id=morning.day.pk) == []
    morning.shift.refresh_from_db()
    assert morning.shift.booked == 6


def test_undoing_a_walk_up_removes_it(morning):
    walk_up = svc.signup_walk_up_add(
        shift=morning.shift, name="Sam Walker", nonce="w1", acting_user=morning.rep
    )
    svc.signup_check_in_undo(signup=walk_up, acting_user=morning.rep)
    walk_up.refresh_from_db()
    assert walk_up.status == Signup.Status.CANCELLED
    assert AuditEntry.objects.filter(action="signup.walk_up_removed").count() == 1


def test_undo_refuses_someone_marked_as_not_coming(morning):
    Signup.objects.filter(pk=morning.people[0].pk).update(status=Signup.Status.NO_SHOW)
    with pytest.raises(DomainError) as caught:
        svc.signup_check_in_undo(signup=morning.people[0], acting_user=morning.rep)
    assert caught.value.code == "not_arrived"


# --- The check-in page ---------------------------------------------------------------------


def test_six_checked_in_one_undone_and_a_walk_up_reads_five_of_six_plus_one(client, morning):
    client.force_login(morning.rep)
    for person in morning.people:
        post(client, morning, hx=True, action="arrived", signup=person.pk, nonce="x")
    post(client, morning, hx=True, action="undo", signup=morning.people[2].pk, nonce="y")
    response = post(
        client, morning, hx=True, action="walk_up", shift=morning.shift.pk, name="Sam", nonce="w"
    )
    html = response.content.decode()
    assert "5 of 6 here</strong> (+1 walk-up)" in html
    assert "<html" not in html and 'id="walk-up-' in html and 'hx-swap-oob="true"' in html
    page = client.get(morning.url).content.decode()
    assert "5 of 6 here</strong> (+1 walk-up)" in page
    assert page.count("state-here") == 6 and page.count("state-expected") == 1


def test_htmx_check_in_answers_the_row_and_the_count_out_of_band(client, morning):
    client.force_login(morning.rep)
    person = morning.people[0]
    html = post(
        client, morning, hx=True, action="arrived", signup=person.pk, nonce="n"
    ).content.decode()
    assert html.strip().startswith(f'<li id="signup-{person.pk}"')
    assert 'data-offline="undo"' in html and "Undo" in html
    assert f'id="presence-{morning.shift.pk}"' in html and 'hx-swap-oob="innerHTML"' in html
    assert "1 of 6 here" in html
    html = post(
        client, morning, hx=True, action="undo", signup=person.pk, nonce="m"
    ).content.decode()
    assert 'data-offline="checkin"' in html and "0 of 6 here" in html


def test_htmx_undo_of_a_walk_up_empties_its_row(client, morning):
    walk_up = svc.signup_walk_up_add(
        shift=morning.shift, name="Sam Walker", nonce="w1", acting_user=morning.rep
    )
    client.force_login(morning.rep)
    html = post(
        client, morning, hx=True, action="undo", signup=walk_up.pk, nonce="u"
    ).content.decode()
    assert f'<li id="signup-{walk_up.pk}" hidden></li>' in html and "Sam Walker" not in html


def test_plain_posts_come_back_to_the_row_they_changed(client, morning):
    client.force_login(morning.rep)
    person = morning.people[1]
    response = post(client, morning, action="arrived", signup=person.pk, nonce="a")
    assert response.status_code == 302 and response.url == f"{morning.url}#signup-{person.pk}"
    response = post(client, morning, action="undo", signup=person.pk, nonce="b")
    assert response.url == f"{morning.url}#signup-{person.pk}"
    response = post(
        client, morning, action="walk_up", shift=morning.shift.pk, name="Kim", nonce="c"
    )
    assert response.url == f"{morning.url}#shift-{morning.shift.pk}"


def test_every_action_is_a_real_form_with_a_nonce_and_an_offline_hook(client, morning):
    svc.signup_check_in(signup=morning.people[0], acting_user=morning.rep)
    client.force_login(morning.rep)
    html = client.get(morning.url).content.decode()
    for kind in ("checkin", "undo", "walkup"):
        assert f'data-offline="{kind}"' in html
    assert html.count('name="nonce"') >= 6 + 2  # a row each, a walk-up form per shift
    for person in morning.people:
        assert f'id="signup-{person.pk}"' in html


def test_undo_of_another_lines_signup_is_a_404(client, morning):
    stranger = f.SignupFactory(status=Signup.Status.ARRIVED)
    client.force_login(morning.rep)
    assert post(client, morning, action="undo", signup=stranger.pk).status_code == 404
    stranger.refresh_from_db()
    assert stranger.status == Signup.Status.ARRIVED


def test_member_of_the_school_cannot_undo(client, morning):
    svc.signup_check_in(signup=morning.people[0], acting_user=morning.rep)
    client.force_login(morning.people[1].user)
    assert post(client, morning, action="undo", signup=morning.people[0].pk).status_code == 403
    morning.people[0].refresh_from_db()
    assert morning.people[0].status == Signup.Status.ARRIVED


def test_undo_junk_never_500(client, morning):
    client.force_login(morning.rep)
    for junk in ("", "abc", "-1", "9" * 30, "1e5"):
        response = post(client, morning, action="undo", signup=junk)
        assert response.status_code in (302, 404), junk
    response = post(client, morning, hx=True, action="undo", signup="abc")
    assert response.status_code == 409


def test_check_in_page_and_actions_keep_their_query_counts(
    client, morning, django_assert_max_num_queries
):
    for _ in range(10):
        f.SignupFactory(
            shift=morning.shift, user=None, supporter=f.SupporterFactory(), is_supporter=True
        )
    client.force_login(morning.rep)
    with django_assert_max_num_queries(7):
        assert client.get(morning.url).status_code == 200
    # 14: the check-in window reads the line's first shift (strikes.services.lines.line_window).
    with django_assert_max_num_queries(14):
        post(client, morning, hx=True, action="arrived", signup=morning.people[0].pk, nonce="q")
    with django_assert_max_num_queries(14):
        post(client, morning, hx=True, action="undo", signup=morning.people[0].pk, nonce="r")
    # 18: the walk-up also checks the day's window and the person's nonce (issue 14).
    with django_assert_max_num_queries(18):
        post(
            client, morning, hx=True, action="walk_up", shift=morning.shift.pk, name="S", nonce="s"
        )


# --- Reports -------------------------------------------------------------------------------


def test_report_form_starts_from_who_is_checked_in(client, morning):
    for person in morning.people[:4]:
        svc.signup_check_in(signup=person, acting_user=morning.rep)
    svc.signup_walk_up_add(shift=morning.shift, name="Sam", nonce="w", acting_user=morning.rep)
    svc.signup_walk_up_add(
        shift=morning.shift, name="Pat", nonce="v", is_supporter=True, acting_user=morning.rep
    )
    client.force_login(morning.rep)
    html = client.get(reverse("strikes:line-report", args=[morning.line.pk])).content.decode()
    assert 'name="pickets" value="5"' in html and 'name="supporters" value="1"' in html
    assert 'data-offline="report"' in html and "<details" in html


def test_report_in_three_taps_keeps_the_status_for_the_next(client, morning):
    for person in morning.people[:3]:
        svc.signup_check_in(signup=person, acting_user=morning.rep)
    client.force_login(morning.rep)
    url = reverse("strikes:line-report", args=[morning.line.pk])
    form = client.get(url).context["form"]
    data = {
        name: value
        for name, value in ((n, form[n].value()) for n in form.fields)
        if value not in (None, False)
    }
    data["school_status"] = "closed"
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    report = PicketReport.objects.get(picket_line=morning.line)
    assert report.pickets == 3 and report.school_status == "closed"
    html = response.content.decode()
    assert 'value="closed"' in html and "checked" in html.split('value="closed"')[1][:60]


# --- Sharing -------------------------------------------------------------------------------


def test_share_page_gives_the_supporter_link_and_both_posters(client, morning):
    client.force_login(morning.rep)
    html = client.get(reverse("strikes:line-share", args=[morning.line.pk])).content.decode()
    public = reverse("strikes:line-public", args=[morning.line.public_token])
    assert f"http://testserver{public}" in html and "data-share" in html and "data-copy" in html
    assert reverse("strikes:line-poster", args=[morning.line.public_token]) in html
    assert reverse("strikes:school-member-poster", args=[morning.day.pk, morning.w.s1.pk]) in html


def test_line_poster_shows_the_school_entrance_date_times_and_qr(client, morning):
    url = reverse("strikes:line-poster", args=[morning.line.public_token])
    html = client.get(url).content.decode()
    assert "Heaton Primary" in html and morning.line.entrance.name in html
    assert "07:30–08:30" in html and "<svg" in html and "css/poster.css" in html


def test_member_poster_lists_the_schools_strike_days_and_names_no_one(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:school-member-poster", args=[morning.day.pk, morning.w.s1.pk])
    html = client.get(url).content.decode()
    assert f"{morning.day.date:%-d %B %Y}" in html and "<svg" in html
    assert reverse("strikes:my-strike-days") + f"?school={morning.w.s1.pk}" in html
    assert morning.people[0].user.display_name not in html


def test_officer_reaches_share_and_posters_from_the_dashboard_school_page(client, morning):
    officer = f.RoleFactory(kind="district_officer", district=morning.w.d1, union=morning.w.union)
    client.force_login(officer.user)
    day = f.StrikeDayFactory(dispute=morning.day.dispute)
    f.CalledOutSchoolFactory(strike_day=day, school=morning.w.s1)
    svc.shifts_create_from_pattern(
        strike_day=day, school=morning.w.s1, capacity=6, minimum_wanted=2, acting_user=morning.rep
    )
    line = PicketLine.objects.get(strike_day=day, school=morning.w.s1, entrance__is_main=True)
    url = reverse("strikes:dashboard-school", args=[day.pk, morning.w.s1.pk])
    html = client.get(url).content.decode()
    assert reverse("strikes:line-share", args=[line.pk]) in html
    assert reverse("strikes:school-member-poster", args=[day.pk, morning.w.s1.pk]) in html
    assert client.get(reverse("strikes:line-share", args=[line.pk])).status_code == 200


# --- The rep's home on the day -------------------------------------------------------------


def test_on_a_strike_day_the_reps_home_opens_on_todays_lines(
    client, morning, django_assert_max_num_queries
):
    later = f.StrikeDayFactory(dispute=morning.day.dispute)
    f.CalledOutSchoolFactory(strike_day=later, school=morning.w.s1)
    for person in morning.people[:4]:
        svc.signup_check_in(signup=person, acting_user=morning.rep)
    svc.signup_walk_up_add(shift=morning.shift, name="Sam", nonce="w", acting_user=morning.rep)
    client.force_login(morning.rep)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("strikes:rep-home")).content.decode()
    assert html.index("Today's picket lines") < html.index(f"{later.date:%-d %B %Y}")
    assert "4 of 6 here</strong> (+1 walk-up)" in html
    check_in = reverse("strikes:line-check-in", args=[morning.line.pk])
    assert f'class="button" href="{check_in}"' in html


def test_roster_of_an_empty_shift_prints_no_numbered_nobody(client, morning):
    client.force_login(morning.rep)
    html = client.get(reverse("strikes:line-roster", args=[morning.line.pk])).content.decode()
    assert "Nobody signed up for this shift yet." in html
    assert '<li class="empty">' not in html


# --- The rep's forms -----------------------------------------------------------------------


def test_add_shifts_errors_sit_beside_their_fields_and_keep_what_was_typed(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:rep-pattern", args=[morning.day.pk, morning.w.s1.pk])
    response = client.post(
        url, {"slots": "07:30-08:30, half nine", "capacity": "", "minimum_wanted": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="07:30-08:30, half nine"' in html
    assert 'aria-describedby="id_slots_helptext id_slots_error"' in html
    assert 'id="id_capacity_error"' in html and 'aria-describedby="id_capacity_error"' in html
    assert 'id="id_minimum_wanted_error"' in html
    assert "“half nine” is not a time range" in html


def test_a_service_refusal_on_add_shifts_sits_beside_its_field(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:rep-pattern", args=[morning.day.pk, morning.w.s1.pk])
    response = client.post(url, {"slots": "09:00-08:00", "capacity": 4, "minimum_wanted": 2})
    html = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_slots_error"><li>A shift must end after it starts.' in html


def test_overlapping_shifts_and_crowding_warn_without_blocking(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:rep-pattern", args=[morning.day.pk, morning.w.s1.pk])
    response = client.post(
        url, {"slots": "08:00-09:00", "capacity": 4, "minimum_wanted": 2}, follow=True
    )
    html = response.content.decode()
    assert "1 shift added." in html
    assert "These shifts overlap: 07:30–08:30 and 08:00–09:00 at" in html
    assert "More than 6 places at once at" in html
    assert Shift.objects.filter(picket_line__strike_day=morning.day, capacity=4).exists()


def test_no_warning_when_shifts_follow_each_other(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:rep-pattern", args=[morning.day.pk, morning.w.s1.pk])
    html = client.post(
        url, {"slots": "09:30-10:30", "capacity": 6, "minimum_wanted": 2}, follow=True
    ).content.decode()
    assert "overlap" not in html and "More than 6" not in html


def test_shift_edit_error_shows_once_beside_its_field(client, morning):
    client.force_login(morning.rep)
    url = reverse("strikes:rep-shift-edit", args=[morning.shift.pk])
    data = {"starts_at": "07:30", "ends_at": "08:30", "capacity": 2, "minimum_wanted": 1}
    html = client.post(url, data).content.decode()
    assert html.count("6 people are already booked on this shift") == 1
    assert 'aria-describedby="id_capacity_error"' in html and 'value="2"' in html
