"""Sign-up pages: refusals, htmx vs plain posts, query counts, supporter pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from schools.models import Entrance
from strikes.models import Signup
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f

# A token of the right shape that no row holds.
UNKNOWN = "no-such-token-here"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(world):
    class S:
        pass

    s = S()
    s.world = world
    s.school = world.s1
    s.day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    s.called = f.CalledOutSchoolFactory(strike_day=s.day, school=s.school)
    s.line = f.PicketLineFactory(
        strike_day=s.day, entrance=Entrance.objects.get(site__school=s.school, is_main=True)
    )
    s.shift = f.ShiftFactory(picket_line=s.line, capacity=6, minimum_wanted=2)
    s.member = f.MembershipFactory(union=world.union, workplace=s.school).user
    return s


def test_anonymous_is_sent_to_sign_in(client, setup):
    for url in (
        reverse("strikes:my-strike-days"),
        reverse("strikes:my-shifts"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(reverse("strikes:shift-sign-up", args=[setup.shift.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Signup.objects.exists()


def test_strike_days_page_shows_my_schools_shifts(client, setup):
    client.force_login(setup.member)
    response = client.get(reverse("strikes:my-strike-days"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="shift-{setup.shift.pk}"' in body
    assert "0 of 6 places taken" in body
    assert "2 wanted" in body
    assert "Sign up" in body


def test_strike_days_page_hides_other_schools(client, setup):
    other = f.MembershipFactory(union=setup.world.union, workplace=setup.world.s2).user
    client.force_login(other)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert f'id="shift-{setup.shift.pk}"' not in body
    assert "No upcoming strike days" in body


def test_member_never_sees_other_members_names(client, setup):
    colleague = f.MembershipFactory(
        union=setup.world.union, workplace=setup.school, user__full_name="Zebedee Quill"
    ).user
    signup_create(shift=setup.shift, user=colleague, acting_user=colleague)
    client.force_login(setup.member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "1 of 6 places taken" in body
    assert "Zebedee" not in body


def test_member_of_another_school_cannot_sign_up(client, setup):
    other = f.MembershipFactory(union=setup.world.union, workplace=setup.world.s2).user
    client.force_login(other)
    response = client.post(reverse("strikes:shift-sign-up", args=[setup.shift.pk]))
    assert response.status_code == 404
    assert not Signup.objects.exists()


def test_unknown_shift_is_404(client, setup):
    client.force_login(setup.member)
    assert client.post(reverse("strikes:shift-sign-up", args=[999999])).status_code == 404


def test_plain_post_signs_up_and_redirects(client, setup):
    client.force_login(setup.member)
    response = client.post(reverse("strikes:shift-sign-up", args=[setup.shift.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("strikes:my-strike-days"))
    assert Signup.objects.get(user=setup.member).status == "registered"


def test_htmx_post_returns_just_the_shift(client, setup):
    client.force_login(setup.member)
    response = client.post(
        reverse("strikes:shift-sign-up", args=[setup.shift.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="shift-{setup.shift.pk}"' in body
    assert "You&#x27;re signed up" in body or "You're signed up" in body
    assert "1 of 6 places taken" in body


def test_htmx_double_tap_makes_one_signup(client, setup):
    client.force_login(setup.member)
    url = reverse("strikes:shift-sign-up", args=[setup.shift.pk])
    client.post(url, headers={"HX-Request": "true"})
    client.post(url, headers={"HX-Request": "true"})
    setup.shift.refresh_from_db()
    assert Signup.objects.filter(user=setup.member).count() == 1
    assert setup.shift.booked == 1


def test_full_shift_offers_the_waitlist(client, setup):
    setup.shift.capacity = 1
    setup.shift.save()
    other = f.MembershipFactory(union=setup.world.union, workplace=setup.school).user
    signup_create(shift=setup.shift, user=other, acting_user=other)
    client.force_login(setup.member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "Join the waitlist" in body


def test_reasons_are_given_when_no_button(client, setup):
    f.ShiftFactory(
        picket_line=setup.line,
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    client.force_login(setup.member)
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "This shift has already started." in body
    setup.day.status = "cancelled"
    setup.day.save()
    body = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "called off" in body
    assert "Sign up</button>" not in body


def test_signup_refused_on_cancelled_day_says_why(client, setup):
    setup.day.status = "cancelled"
    setup.day.save()
    client.force_login(setup.member)
    response = client.post(
        reverse("strikes:shift-sign-up", args=[setup.shift.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "called off" in response.content.decode()
    assert not Signup.objects.exists()


def test_cancel_htmx_and_plain(client, setup):
    client.force_login(setup.member)
    signup = signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    response = client.post(
        reverse("strikes:signup-cancel", args=[signup.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == "cancelled"
    signup = signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    response = client.post(reverse("strikes:signup-cancel", args=[signup.pk]))
    assert response.status_code == 302


def test_cannot_cancel_someone_elses_signup(client, setup):
    other = f.MembershipFactory(union=setup.world.union, workplace=setup.school).user
    signup = signup_create(shift=setup.shift, user=other, acting_user=other)
    client.force_login(setup.member)
    response = client.post(reverse("strikes:signup-cancel", args=[signup.pk]))
    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == "registered"


def _page_queries(client, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n) as ctx:
        response = client.get(reverse("strikes:my-strike-days"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_strike_days_page_runs_fixed_queries(client, setup, django_assert_max_num_queries):
    client.force_login(setup.member)
    signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    one = _page_queries(client, django_assert_max_num_queries, 12)
    day = setup.day.date
    for i in range(19):
        start = f.london(day, "06:00") + dt.timedelta(minutes=30 * i)
        shift = f.ShiftFactory(
            picket_line=setup.line, starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
        if i % 2:
            signup_create(shift=shift, user=setup.member, acting_user=setup.member)
    second_entrance = f.EntranceFactory(site=setup.line.entrance.site, name="Back gate")
    f.ShiftFactory(picket_line=f.PicketLineFactory(strike_day=setup.day, entrance=second_entrance))
    twenty = _page_queries(client, django_assert_max_num_queries, one)
    assert twenty == one, (one, twenty)
    # user (the session, memberships and roles come from the cache), days, lines, shifts,
    # mine, rallies; and the dispute's ballots and rule sets, to say who is called out and why
    # the others are not.
    assert one <= 8


def test_my_shifts_lists_mine_with_calendar_links(client, setup):
    signup = signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    client.force_login(setup.member)
    body = client.get(reverse("strikes:my-shifts")).content.decode()
    assert setup.school.name in body
    assert "Main entrance" in body
    assert reverse("strikes:signup-ics", args=[signup.pk]) in body
    assert setup.member.calendar_token in body


def test_signup_ics_download(client, setup):
    signup = signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    client.force_login(setup.member)
    response = client.get(reverse("strikes:signup-ics", args=[signup.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_signup_ics_of_someone_else_is_404(client, setup):
    other = f.MembershipFactory(union=setup.world.union, workplace=setup.school).user
    signup = signup_create(shift=setup.shift, user=other, acting_user=other)
    client.force_login(setup.member)
    assert client.get(reverse("strikes:signup-ics", args=[signup.pk])).status_code == 404


def test_calendar_feed_needs_no_login_and_404s_bad_token(client, setup):
    signup_create(shift=setup.shift, user=setup.member, acting_user=setup.member)
    ok = client.get(reverse("strikes:calendar-feed", args=[setup.member.calendar_token]))
    assert ok.status_code == 200
    assert ok.content.count(b"BEGIN:VEVENT") == 1
    assert client.get(reverse("strikes:calendar-feed", args=[UNKNOWN])).status_code == 404


def test_feed_token_reset_invalidates_old_url(client, setup):
    old = setup.member.calendar_token
    client.force_login(setup.member)
    response = client.post(reverse("strikes:calendar-reset"))
    assert response.status_code == 302
    setup.member.refresh_from_db()
    assert setup.member.calendar_token != old
    assert client.get(reverse("strikes:calendar-feed", args=[old])).status_code == 404
    new = client.get(reverse("strikes:calendar-feed", args=[setup.member.calendar_token]))
    assert new.status_code == 200


def test_calendar_reset_needs_post(client, setup):
    client.force_login(setup.member)
    assert client.get(reverse("strikes:calendar-reset")).status_code == 405


# --- Public supporter pages -----------------------------------------------------------------


def test_public_page_shows_counts_not_names(client, setup):
    supporter_signup_create(
        shift=setup.shift, name="Ophelia Parent", email="o@example.net", consent=True
    )
    member = f.MembershipFactory(
        union=setup.world.union, workplace=setup.school, user__full_name="Zebedee Quill"
    ).user
    signup_create(shift=setup.shift, user=member, acting_user=member)
    response = client.get(reverse("strikes:line-public", args=[setup.line.public_token]))
    body = response.content.decode()
    assert response.status_code == 200
    assert setup.school.name in body
    assert "1 supporter coming" in body
    assert "Ophelia" not in body
    assert "Zebedee" not in body


def test_public_page_unknown_token_is_404(client, setup):
    assert client.get(reverse("strikes:line-public", args=[UNKNOWN])).status_code == 404
    assert client.get(reverse("strikes:line-poster", args=[UNKNOWN])).status_code == 404


def test_supporter_joins_without_account_and_can_cancel(client, setup):
    url = reverse("strikes:line-public", args=[setup.line.public_token])
    response = client.post(
        url,
        {"shift": setup.shift.pk, "name": "Pat", "email": "pat@example.net", "consent": "on"},
    )
    assert response.status_code == 302
    signup = Signup.objects.get(is_supporter=True)
    assert signup.user is None
    setup.shift.refresh_from_db()
    assert setup.shift.booked == 0
    page = client.get(response["Location"]).content.decode()
    cancel_url = reverse("strikes:supporter-cancel", args=[signup.supporter.token])
    assert cancel_url in page
    assert client.post(cancel_url).status_code == 200
    signup.refresh_from_db()
    assert signup.status == "cancelled"


def test_supporter_form_needs_consent_and_contact(client, setup):
    url = reverse("strikes:line-public", args=[setup.line.public_token])
    response = client.post(url, {"shift": setup.shift.pk, "name": "Pat", "email": "p@example.net"})
    assert response.status_code == 200
    assert "tick this box" in response.content.decode()
    response = client.post(url, {"shift": setup.shift.pk, "name": "Pat", "consent": "on"})
    assert "email address or a mobile" in response.content.decode()
    response = client.post(url, {"shift": "junk", "name": "", "consent": "on"})
    assert response.status_code == 200
    assert not Signup.objects.exists()


def test_supporter_form_is_rate_limited(client, setup, settings):
    settings.SUPPORTER_JOIN_RATE_LIMIT = "10/600"
    cache.clear()
    url = reverse("strikes:line-public", args=[setup.line.public_token])
    for _ in range(10):
        assert client.post(url, {"name": ""}).status_code == 200
    response = client.post(url, {"name": ""})
    assert response.status_code == 429
    assert "wait 10 minutes" in response.content.decode()
    assert response["Retry-After"] == "600"


def test_poster_has_inline_qr_of_public_url(client, setup):
    response = client.get(reverse("strikes:line-poster", args=[setup.line.public_token]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body
    assert reverse("strikes:line-public", args=[setup.line.public_token]) in body


def test_supporter_cancel_bad_token_is_404(client, setup):
    assert client.get(reverse("strikes:supporter-cancel", args=[UNKNOWN])).status_code == 404
    assert client.post(reverse("strikes:supporter-cancel", args=[UNKNOWN])).status_code == 404


def test_strike_days_page_shows_rallies_near_the_school_only(client, world):
    from strikes.models import Rally
    from tests.factories import london

    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    when = london(day.date, "12:00")
    Rally.objects.create(
        strike_day=day,
        district=world.d1,
        title="Newcastle rally",
        starts_at=when,
        meeting_point="Grey's Monument",
    )
    Rally.objects.create(
        strike_day=day,
        region=world.north,
        title="Northern march",
        starts_at=when,
        meeting_point="Civic Centre",
    )
    Rally.objects.create(
        strike_day=day,
        district=world.d3,
        title="Camden rally",
        starts_at=when,
        meeting_point="Town Hall",
    )
    client.force_login(member)
    html = client.get(reverse("strikes:my-strike-days")).content.decode()
    assert "Newcastle rally" in html and "Northern march" in html
    assert "Camden rally" not in html


# --- Officials joining lines at schools they represent ---------------------------------------


def _officer(setup, kind="district_officer", **place):
    return f.RoleFactory(union=setup.world.union, kind=kind, **place).user


def test_official_opens_a_school_they_represent_and_their_signup_stays_on_their_page(client, setup):
    officer = _officer(setup, district=setup.world.d1)  # s1 is in d1
    client.force_login(officer)
    own = reverse("strikes:my-strike-days")
    assert f'id="shift-{setup.shift.pk}"' not in client.get(own).content.decode()
    page = client.get(own, {"school": setup.school.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Strike days at {setup.school.name}" in body
    assert f'id="shift-{setup.shift.pk}"' in body and "Sign up" in body
    client.post(reverse("strikes:shift-sign-up", args=[setup.shift.pk]))
    assert Signup.objects.filter(shift=setup.shift, user=officer).exists()
    # Their own page now shows the school they joined, with the cancel button.
    body = client.get(own).content.decode()
    assert f'id="shift-{setup.shift.pk}"' in body and "Cancel" in body


def test_school_param_is_404_for_people_who_do_not_represent_the_school(client, setup):
    url = reverse("strikes:my-strike-days")
    outsiders = [
        _officer(setup, district=setup.world.d3),
        f.MembershipFactory(union=setup.world.union, workplace=setup.world.s2).user,
    ]
    for person in outsiders:
        client.force_login(person)
        assert client.get(url, {"school": setup.school.pk}).status_code == 404
    # Another union's officer for the district: their union calls no strike there.
    other_union = f.UnionFactory(short_name="UNISON")
    client.force_login(
        f.RoleFactory(kind="district_officer", district=setup.world.d1, union=other_union).user
    )
    body = client.get(url, {"school": setup.school.pk}).content.decode()
    assert "No upcoming strike days call out" in body and 'id="shift-' not in body


def test_dashboard_school_page_links_officials_to_run_and_join_the_lines(client, setup):
    school_page = reverse("strikes:dashboard-school", args=[setup.day.pk, setup.school.pk])
    run = reverse("strikes:rep-day", args=[setup.day.pk, setup.school.pk])
    join = f"{reverse('strikes:my-strike-days')}?school={setup.school.pk}"
    client.force_login(_officer(setup, district=setup.world.d1))
    body = client.get(school_page).content.decode()
    assert run in body and join in body
    assert client.get(run).status_code == 200
    client.force_login(_officer(setup, kind="regional_officer", region=setup.world.north))
    body = client.get(school_page).content.decode()
    assert run not in body and join in body  # regional officers watch; they don't run lines


def test_a_supporter_joining_the_same_shift_twice_is_told_they_are_already_on_the_rota(
    client, setup
):
    url = reverse("strikes:line-public", args=[setup.line.public_token])
    data = {"shift": setup.shift.pk, "name": "Pat", "email": "Pat@Example.net", "consent": "on"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, "email": "pat@example.net", "name": "Pat again"})
    assert again.status_code == 200
    assert "already on this rota" in again.content.decode()
    by_phone = {"shift": setup.shift.pk, "name": "Sam", "phone": "07700 900123", "consent": "on"}
    assert client.post(url, by_phone).status_code == 302
    assert "already on this rota" in client.post(url, by_phone).content.decode()
    assert Signup.objects.filter(shift=setup.shift, is_supporter=True).count() == 2
    setup.line.refresh_from_db()
    assert setup.line.supporters_signed_up == 2


def test_a_supporter_may_join_again_after_cancelling(setup):
    from strikes.services.signups import supporter_signup_cancel

    first = supporter_signup_create(
        shift=setup.shift, name="Pat", email="pat@example.net", consent=True
    )
    supporter_signup_cancel(token=first.supporter.token)
    again = supporter_signup_create(
        shift=setup.shift, name="Pat", email="pat@example.net", consent=True
    )
    assert again.pk != first.pk and again.status == Signup.Status.REGISTERED


# --- Queries per action ---------------------------------------------------------------------
# Issue 16: 10 statements or fewer per action, savepoints included (the suite's transaction
# makes the service's transaction a savepoint: SAVEPOINT and RELEASE are 2 of them; in
# production they are BEGIN and COMMIT, which Django does not count). A sign-up, plain or htmx:
# the user (the session and the person's memberships and roles come from the cache), SAVEPOINT,
# one locked read of the shift and its line with the call-out, the insert (a signup already
# there makes it insert nothing), the shift's places, the line's (and whether another of its
# shifts is short), the district's figures (the line is staffed now), the audit entry, the
# confirmation (one insert, no savepoint), RELEASE. The htmx card is drawn from what the
# service read. A cancel: the same, with the signup locked in the same read, its update and the
# look for someone on the waitlist instead of the insert and the confirmation.
SIGN_UP_QUERIES = {False: 10, True: 10}
CANCEL_QUERIES = {False: 10, True: 10}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_sign_up_and_cancel_run_a_fixed_number_of_queries(
    client, setup, htmx, django_assert_max_num_queries
):
    headers = {"HX-Request": "true"} if htmx else {}
    client.force_login(setup.member)
    client.get(reverse("strikes:my-strike-days"))  # the session is made before the count
    with django_assert_max_num_queries(SIGN_UP_QUERIES[htmx]):
        response = client.post(
            reverse("strikes:shift-sign-up", args=[setup.shift.pk]),
            {"nonce": "q1"},
            headers=headers,
        )
    assert response.status_code == (200 if htmx else 302)
    signup = Signup.objects.get(shift=setup.shift, user=setup.member)
    assert signup.status == Signup.Status.REGISTERED
    with django_assert_max_num_queries(CANCEL_QUERIES[htmx]):
        response = client.post(reverse("strikes:signup-cancel", args=[signup.pk]), headers=headers)
    assert response.status_code == (200 if htmx else 302)
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CANCELLED
