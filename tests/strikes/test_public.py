"""Public pages per strike day and dispute, messages of support and their moderation, joint days
with other unions, and the map's data."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from kernel.errors import DomainError, NotAllowed
from kernel.models import AuditEntry
from strikes.models import PublicPage, SupportMessage
from strikes.selectors import public as sel
from strikes.selectors.maps import map_points_decode, map_points_encode
from strikes.services import public as svc
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f

SECRETS = [
    "Zebedee Quartermaine",
    "zebedee@example.org",
    "07700900111",
    "Philippa Underhill",
    "philippa@example.net",
    "07700900222",
    "Walter Walkingup",
    "contact-secret@example.com",
]


@pytest.fixture(autouse=True)
def _no_cached_pages():
    """Rendered public pages are cached; ids are reused between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def day(world, national):
    """A strike day at s1 (two entrances) and s3, with a member, a supporter and a walk-up on
    s1's main line."""
    dispute = f.DisputeFactory(union=world.union, title="Fair pay for all")
    d = f.StrikeDayFactory(dispute=dispute, title="Day one")
    for school in (world.s1, world.s3):
        f.CalledOutSchoolFactory(strike_day=d, school=school)
    site = world.s1.sites.get()
    main = site.entrances.get(is_main=True)
    back = site.entrances.create(name="Back gate")
    line = f.PicketLineFactory(strike_day=d, entrance=main)
    f.PicketLineFactory(strike_day=d, entrance=back)
    shift = f.ShiftFactory(picket_line=line)
    member = f.UserFactory(
        full_name="Zebedee Quartermaine", email="zebedee@example.org", phone="07700900111"
    )
    f.MembershipFactory(user=member, union=world.union, workplace=world.s1)
    signup_create(shift=shift, user=member, acting_user=member)
    supporter_signup_create(
        shift=shift,
        name="Philippa Underhill",
        email="philippa@example.net",
        phone="07700900222",
        consent=True,
    )
    f.SignupFactory(shift=shift, user=None, walk_up_name="Walter Walkingup", status="arrived")
    d.line = line
    return d


def publish(day, national, **kwargs):
    return svc.public_page_publish(acting_user=national, strike_day=day, **kwargs)


def body(response) -> str:
    return response.content.decode()


# --- Publishing ------------------------------------------------------------------------------


def test_unpublished_day_has_no_public_page(client, day):
    assert client.get(reverse("strikes:public-day", args=[day.pk])).status_code == 404
    assert client.get(reverse("strikes:public-day-map", args=[day.pk])).status_code == 404


def test_publish_then_unpublish_with_audit(client, day, national):
    page = publish(day, national, about="We want a fully funded pay rise.")
    assert page.is_published
    response = client.get(reverse("strikes:public-day", args=[day.pk]))
    assert response.status_code == 200
    assert "We want a fully funded pay rise." in body(response)
    svc.public_page_unpublish(acting_user=national, strike_day=day)
    assert client.get(reverse("strikes:public-day", args=[day.pk])).status_code == 404
    actions = list(
        AuditEntry.objects.filter(action__startswith="public_page.").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["public_page.publish", "public_page.unpublish"]


def test_district_officer_may_not_publish_a_day_reaching_beyond_their_district(world, day):
    officer = f.RoleFactory(kind="district_officer", district=world.d1, union=world.union).user
    with pytest.raises(NotAllowed):
        svc.public_page_publish(acting_user=officer, strike_day=day)
    assert not PublicPage.objects.exists()


def test_rep_and_other_unions_officer_may_not_publish(world, day):
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    other = f.RoleFactory(kind="national_organiser", union=f.UnionFactory(short_name="UCU")).user
    for user in (rep, other):
        with pytest.raises(NotAllowed):
            svc.public_page_publish(acting_user=user, strike_day=day)


def test_publish_view_refuses_other_union_and_works_for_organiser(client, world, day, national):
    url = reverse("strikes:planning-day-public", args=[day.pk])
    other = f.RoleFactory(kind="national_organiser", union=f.UnionFactory(short_name="UCU")).user
    client.force_login(other)
    assert client.post(url, {"action": "publish"}).status_code in (403, 404)
    assert not PublicPage.objects.exists()
    client.force_login(national)
    response = client.post(url, {"action": "publish", "about": "Pay.", "show_counts": "on"})
    assert response.status_code == 302
    page = PublicPage.objects.get(strike_day=day)
    assert page.is_published and page.show_counts
    planning = client.get(reverse("strikes:planning-day", args=[day.pk]))
    assert reverse("strikes:public-day", args=[day.pk]) in body(planning)
    client.post(url, {"action": "unpublish"})
    page.refresh_from_db()
    assert not page.is_published


def test_publish_view_takes_junk(client, day, national):
    client.force_login(national)
    url = reverse("strikes:planning-day-public", args=[day.pk])
    for data in ({}, {"action": "explode"}, {"action": "publish", "about": "x" * 5000}):
        assert client.post(url, data).status_code == 302
    assert not PublicPage.objects.filter(published_at__isnull=False).exists()


# --- What a public page shows ----------------------------------------------------------------


def test_public_day_shows_lines_and_times_but_nothing_personal(client, world, day, national):
    publish(day, national)
    response = client.get(reverse("strikes:public-day", args=[day.pk]))
    text = body(response)
    assert "Heaton Primary" in text and "Felling Academy" in text
    assert "Back gate" in text and "07:30" in text
    assert reverse("strikes:line-public", args=[day.line.public_token]) in text
    assert not [s for s in SECRETS if s in text]
    assert "picket signed up" not in text and "pickets signed up" not in text
    assert 'property="og:title"' in text and "og:description" in text


def test_counts_only_when_the_organiser_turns_them_on(client, day, national):
    publish(day, national, show_counts=True)
    text = body(client.get(reverse("strikes:public-day", args=[day.pk])))
    assert "1 picket signed up" in text


def test_public_pages_are_cacheable_and_never_touch_the_session(client, world, day, national):
    publish(day, national)
    svc.public_page_publish(acting_user=national, dispute=day.dispute, about="Pay.")
    client.force_login(f.RoleFactory(kind="rep", school=world.s1, union=world.union).user)
    urls = [
        reverse("strikes:public-day", args=[day.pk]),
        reverse("strikes:public-day", args=[day.pk]) + f"?district={world.d1.pk}",
        reverse("strikes:public-day-school", args=[day.pk, world.s1.pk]),
        reverse("strikes:public-day-map", args=[day.pk]),
        reverse("strikes:public-dispute", args=[day.dispute.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", ""), url
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in body(response)


def test_public_day_page_query_count_does_not_grow(
    client, world, day, national, django_assert_max_num_queries
):
    publish(day, national)
    for _ in range(10):
        school = f.SchoolFactory(district=world.d1)
        f.CalledOutSchoolFactory(strike_day=day, school=school)
        f.ShiftFactory(
            picket_line=f.PicketLineFactory(
                strike_day=day, entrance=school.sites.get().entrances.get()
            )
        )
    with django_assert_max_num_queries(9):
        assert client.get(reverse("strikes:public-day", args=[day.pk])).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("strikes:public-day-map", args=[day.pk])).status_code == 200
    # Warm: both come from the shared cache, with no query at all.
    with django_assert_max_num_queries(0):
        assert client.get(reverse("strikes:public-day", args=[day.pk])).status_code == 200
        assert client.get(reverse("strikes:public-day-map", args=[day.pk])).status_code == 200


def test_a_cached_page_changes_at_once_when_a_message_is_approved(client, world, day, national):
    publish(day, national)
    url = reverse("strikes:public-day-school", args=[day.pk, world.s1.pk])
    send(client, day, world.s1)
    assert "We are with you" not in body(client.get(url))  # now cached
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.support_message_moderate(
        message=SupportMessage.objects.get(), approve=True, acting_user=rep
    )
    assert "We are with you" in body(client.get(url))


def test_a_big_day_lists_areas_then_a_districts_schools(client, world, day, national, settings):
    publish(day, national)
    sel.LIST_ALL_LIMIT, old = 1, sel.LIST_ALL_LIMIT
    try:
        text = body(client.get(reverse("strikes:public-day", args=[day.pk])))
        assert f"?district={world.d1.pk}" in text and "Heaton Primary" not in text
        text = body(
            client.get(reverse("strikes:public-day", args=[day.pk]) + f"?district={world.d1.pk}")
        )
        assert "Heaton Primary" in text and "Felling Academy" not in text
    finally:
        sel.LIST_ALL_LIMIT = old


@pytest.mark.parametrize(
    "query", ["?district=abc", "?district=-1", "?district=99999999999999999999999", "?x=%00"]
)
def test_public_day_takes_junk_queries(client, day, national, query):
    publish(day, national)
    response = client.get(reverse("strikes:public-day", args=[day.pk]) + query)
    assert response.status_code in (200, 400, 404)  # 400: a NUL byte, the input guard's page


def test_school_not_out_that_day_is_404(client, world, day, national):
    publish(day, national)
    url = reverse("strikes:public-day-school", args=[day.pk, world.s4.pk])
    assert client.get(url).status_code == 404


def test_rallies_show_on_the_public_day(client, world, day, national):
    from strikes.services.planning import rally_create

    rally_create(
        strike_day=day,
        title="March on the Civic Centre",
        starts_at=f.london(day.date, "11:00"),
        meeting_point="Haymarket",
        acting_user=national,
    )
    publish(day, national)
    assert "March on the Civic Centre" in body(
        client.get(reverse("strikes:public-day", args=[day.pk]))
    )


def test_hardship_fund_link_only_when_the_union_gives_one(client, world, day, national):
    publish(day, national)
    url = reverse("strikes:public-day", args=[day.pk])
    assert "hardship fund" not in body(client.get(url))
    world.union.hardship_fund_url = "https://example.org/hardship"
    world.union.save()
    cache.clear()  # a union's details are not a publication: the cached page lasts its minute
    assert "https://example.org/hardship" in body(client.get(url))


# --- Messages of support ---------------------------------------------------------------------


def send(client, day, school=None, **data):
    url = reverse("strikes:support-send", args=[day.dispute.pk]) + f"?day={day.pk}"
    if school is not None:
        url += f"&school={school.pk}"
    payload = {
        "sender": "Heaton Parents",
        "body": "We are with you all the way!",
        "contact": "contact-secret@example.com",
        "consent_to_show": "on",
    }
    payload.update(data)
    return client.post(url, payload)


def test_pending_and_rejected_messages_never_show(client, world, day, national):
    publish(day, national)
    assert send(client, day, world.s1).status_code == 302
    assert send(client, day, world.s1, body="Solidarity from the bus drivers").status_code == 302
    first, second = SupportMessage.objects.order_by("pk")
    assert first.status == second.status == "pending"
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.support_message_moderate(message=second, approve=False, acting_user=rep)
    for url in (
        reverse("strikes:public-day", args=[day.pk]),
        reverse("strikes:public-day-school", args=[day.pk, world.s1.pk]),
    ):
        text = body(client.get(url))
        assert "We are with you all the way!" not in text
        assert "bus drivers" not in text
    svc.support_message_moderate(message=first, approve=True, acting_user=rep)
    text = body(client.get(reverse("strikes:public-day-school", args=[day.pk, world.s1.pk])))
    assert "We are with you all the way!" in text and "Heaton Parents" in text
    assert "contact-secret@example.com" not in text
    assert "bus drivers" not in text


def test_approved_without_consent_shows_to_pickets_only(client, world, day, national):
    publish(day, national)
    send(client, day, world.s1, consent_to_show="")
    message = SupportMessage.objects.get()
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.support_message_moderate(message=message, approve=True, acting_user=rep)
    assert "We are with you" not in body(
        client.get(reverse("strikes:public-day-school", args=[day.pk, world.s1.pk]))
    )
    client.force_login(rep)
    text = body(client.get(reverse("strikes:rep-day", args=[day.pk, world.s1.pk])))
    assert "1 message of support" in text and "We are with you all the way!" in text
    assert "contact-secret@example.com" not in text


def test_messages_with_links_or_long_are_held_with_a_flag(client, world, day, national):
    publish(day, national)
    send(client, day, world.s1, body="Donate at www.example.com please")
    send(client, day, world.s1, body="Long " * 150)
    held = list(SupportMessage.objects.order_by("pk").values_list("held", flat=True))
    assert held == ["link", "long"]


@pytest.mark.parametrize(
    "data",
    [
        {"body": "x" * 1001},
        {"body": ""},
        {"sender": ""},
        {"sender": "y" * 101},
        {"contact": "z" * 201},
        {"body": "\x00\x01\x02"},
    ],
)
def test_bad_messages_are_refused_with_a_message(client, world, day, national, data):
    publish(day, national)
    response = send(client, day, world.s1, **data)
    if any("\x00" in value for value in data.values()):
        # Refused before the form by the input guard (config/middleware.py), with its message.
        assert response.status_code == 400 and "NUL byte" in body(response)
    else:
        assert response.status_code == 200
        assert 'class="errorlist' in body(response)
    assert not SupportMessage.objects.exists()


@pytest.mark.parametrize(
    "query", ["?day=abc", "?day=1&school=x", "?school=1", "?day=99999999", "?day=-5"]
)
def test_support_form_takes_junk_targets(client, day, national, query):
    publish(day, national)
    url = reverse("strikes:support-send", args=[day.dispute.pk]) + query
    assert client.get(url).status_code in (200, 404)
    assert client.post(url, {"sender": "a", "body": "b"}).status_code in (200, 302, 404)


def test_no_messages_through_an_unpublished_page(client, world, day, national):
    assert send(client, day, world.s1).status_code == 404
    with pytest.raises(DomainError):
        svc.support_message_send(dispute=day.dispute, strike_day=day, sender="a", body="b")
    assert not SupportMessage.objects.exists()


def test_support_form_is_rate_limited(client, world, day, national, settings):
    from django.core.cache import cache

    publish(day, national)
    cache.clear()
    settings.PUBLIC_RATE_LIMIT_WRITES = "2/60"
    codes = [send(client, day, world.s1).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert SupportMessage.objects.count() == 2


def _a_message(client, world, day, national):
    publish(day, national)
    send(client, day, world.s1)
    return SupportMessage.objects.get()


def test_moderation_refuses_the_wrong_people(client, world, day, national):
    message = _a_message(client, world, day, national)
    url = reverse("strikes:support-moderate", args=[message.pk])
    member = f.UserFactory()
    f.MembershipFactory(user=member, union=world.union, workplace=world.s1)
    wrong = [
        member,
        f.RoleFactory(kind="rep", school=world.s2, union=world.union).user,
        f.RoleFactory(kind="district_officer", district=world.d2, union=world.union).user,
        f.RoleFactory(kind="rep", school=world.s1, union=f.UnionFactory(short_name="NASUWT")).user,
    ]
    for user in wrong:
        client.force_login(user)
        assert client.post(url, {"decision": "approve"}).status_code == 404
        queue = body(client.get(reverse("strikes:support-queue")))
        assert "We are with you" not in queue
    client.logout()
    assert client.post(url, {"decision": "approve"}).status_code == 302  # to sign in
    message.refresh_from_db()
    assert message.status == "pending"


def test_rep_and_district_officer_moderate_from_their_queue(
    client, world, day, national, django_assert_max_num_queries
):
    message = _a_message(client, world, day, national)
    for kind, place in (
        ("rep", {"school": world.s1}),
        ("district_officer", {"district": world.d1}),
    ):
        user = f.RoleFactory(kind=kind, union=world.union, **place).user
        client.force_login(user)
        with django_assert_max_num_queries(12):
            queue = body(client.get(reverse("strikes:support-queue")))
        assert "We are with you all the way!" in queue
        assert "contact-secret@example.com" in queue  # the union sees the contact, logged
        seen = AuditEntry.objects.filter(action="contact_details.viewed", actor=user).get()
        assert seen.detail == {"page": "strikes:support-queue", "count": 1}
    url = reverse("strikes:support-moderate", args=[message.pk])
    assert client.post(url, {"decision": "nonsense"}).status_code == 302
    assert client.post(url, {"decision": "approve"}).status_code == 302
    message.refresh_from_db()
    assert message.status == "approved" and message.moderated_by is not None
    assert AuditEntry.objects.filter(action="support_message.approve").count() == 1


def test_dispute_wide_message_is_moderated_by_an_officer(client, world, day, national):
    svc.public_page_publish(acting_user=national, dispute=day.dispute)
    url = reverse("strikes:support-send", args=[day.dispute.pk])
    client.post(url, {"sender": "Trades council", "body": "Solidarity", "consent_to_show": "on"})
    message = SupportMessage.objects.get()
    assert message.school_id is None
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    assert not svc.may_moderate(rep, message)
    assert svc.may_moderate(national, message)
    svc.support_message_moderate(message=message, approve=True, acting_user=national)
    text = body(client.get(reverse("strikes:public-dispute", args=[day.dispute.pk])))
    assert "Solidarity" in text and "Trades council" in text


def test_retention_clears_contacts_and_deletes_unpublished(client, world, day, national):
    publish(day, national)
    send(client, day, world.s1)
    send(client, day, world.s1, body="Not shown")
    kept, dropped = SupportMessage.objects.order_by("pk")
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    svc.support_message_moderate(message=kept, approve=True, acting_user=rep)
    assert svc.support_messages_retention() == 0  # dispute still open
    dispute = day.dispute
    dispute.status, dispute.closed_on = "closed", timezone.localdate()
    dispute.save()
    assert svc.support_messages_retention() == 2
    kept.refresh_from_db()
    assert kept.contact == "" and kept.contact_cleared_at is not None
    assert not SupportMessage.objects.filter(pk=dropped.pk).exists()
    assert svc.support_messages_retention() == 0  # idempotent


# --- Joint days ------------------------------------------------------------------------------


@pytest.fixture
def ucu_day(world, day):
    ucu = f.UnionFactory(short_name="UCU")
    organiser = f.RoleFactory(kind="national_organiser", union=ucu).user
    other = f.StrikeDayFactory(dispute=f.DisputeFactory(union=ucu), date=day.date)
    for _ in range(3):
        f.CalledOutSchoolFactory(strike_day=other, school=f.SchoolFactory(district=world.d1))
    secret_member = f.UserFactory(full_name="Ulrika Secretmember", email="ulrika@example.org")
    f.MembershipFactory(user=secret_member, union=ucu, workplace=world.s1)
    other.organiser = organiser
    return other


def test_joint_day_shows_only_when_the_other_union_published(client, world, day, national, ucu_day):
    publish(day, national)
    url = reverse("strikes:public-day", args=[day.pk]) + f"?district={world.d1.pk}"
    text = body(client.get(url))
    assert "UCU" not in text
    svc.public_page_publish(acting_user=ucu_day.organiser, strike_day=ucu_day, show_counts=False)
    text = body(client.get(url))
    assert "UCU</a> is also out" in text and "at 3 sites in this district" in text
    assert "Ulrika" not in text and "ulrika@example.org" not in text
    svc.public_page_unpublish(acting_user=ucu_day.organiser, strike_day=ucu_day)
    assert "UCU" not in body(client.get(url))


def test_joint_day_ignores_other_dates_and_districts(world, day, national, ucu_day):
    svc.public_page_publish(acting_user=ucu_day.organiser, strike_day=ucu_day)
    assert [j.schools for j in sel.joint_days(day=day, district_ids=[world.d1.pk])] == [3]
    assert sel.joint_days(day=day, district_ids=[world.d3.pk]) == []
    ucu_day.date = day.date + dt.timedelta(days=1)
    ucu_day.save()
    assert sel.joint_days(day=day, district_ids=[world.d1.pk]) == []


def test_joint_day_on_the_dashboard(client, world, day, national, ucu_day):
    svc.public_page_publish(acting_user=ucu_day.organiser, strike_day=ucu_day)
    client.force_login(national)
    url = reverse("strikes:dashboard", args=[day.pk]) + f"?district={world.d1.pk}"
    text = body(client.get(url))
    assert "UCU" in text and "3 sites" in text
    assert "Ulrika" not in text


# --- The map's data --------------------------------------------------------------------------


def test_map_points_round_trip():
    rows = [(5, 51.5074, -0.1278, 1, "A"), (2, 54.97, -1.61, 0, "B"), (9, None, None, 0, "C")]
    data = map_points_encode(rows, statuses=("line", "out"), url="/x/{id}/")
    assert data["names"] == ["B", "A"]
    assert map_points_decode(data) == [(2, 54.97, -1.61, "line"), (5, 51.507, -0.128, "out")]


def test_national_map_data_is_under_150_kb_compressed():
    rng = random.Random(7)
    rows = []
    school_id = 100_000
    for _ in range(23_000):
        school_id += rng.randint(1, 3)
        rows.append(
            (school_id, rng.uniform(50.0, 55.8), rng.uniform(-5.7, 1.7), rng.randint(0, 3), "")
        )
    data = map_points_encode(
        rows, statuses=("not_reported", "closed", "restricted", "open"), url="/d/{id}/"
    )
    raw = json.dumps(data, separators=(",", ":")).encode()
    assert "names" not in data
    assert len(gzip.compress(raw)) <= 150_000, len(gzip.compress(raw))


def test_public_map_marks_schools_with_a_line(client, world, day, national):
    publish(day, national)
    data = json.loads(client.get(reverse("strikes:public-day-map", args=[day.pk])).content)
    points = {p[0]: p[3] for p in map_points_decode(data)}
    assert points == {world.s1.pk: "line", world.s3.pk: "out"}
    assert "Heaton Primary" in data["names"]
    assert not [s for s in SECRETS if s in json.dumps(data)]


def test_retention_task_runs_from_beat(client, world, day, national, settings):
    from strikes.tasks import support_messages_retention_task

    assert "support-messages-retention" in settings.CELERY_BEAT_SCHEDULE
    publish(day, national)
    send(client, day, world.s1)
    dispute = day.dispute
    dispute.status, dispute.closed_on = "closed", timezone.localdate()
    dispute.save()
    assert support_messages_retention_task() == 1
    assert not SupportMessage.objects.exists()
