"""Broadcasts reach the reps or members of the sender's place, once, and nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kernel.models import AuditEntry
from strikes.models import Notification
from strikes.services.broadcasts import broadcast_scopes, broadcast_send
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    u = world.union

    class P:
        district = f.RoleFactory(union=u, kind="district_officer", district=world.d1).user
        regional = f.RoleFactory(union=u, kind="regional_officer", region=world.north).user
        rep1 = f.RoleFactory(union=u, kind="rep", school=world.s1).user
        rep3 = f.RoleFactory(union=u, kind="rep", school=world.s3).user
        rep4 = f.RoleFactory(union=u, kind="rep", school=world.s4).user
        m1 = f.MembershipFactory(union=u, workplace=world.s1).user
        m2 = f.MembershipFactory(union=u, workplace=world.s2).user
        m3 = f.MembershipFactory(union=u, workplace=world.s3).user
        opted_out = f.MembershipFactory(
            union=u, workplace=world.s2, user__reminders_opt_out=True
        ).user
        other_union = f.MembershipFactory(
            union=f.UnionFactory(short_name="PCS"), workplace=world.s1
        ).user

    return P


def send(user, audience, nonce="n1"):
    scope = broadcast_scopes(user=user)[0]
    return broadcast_send(
        scope_key=scope.key,
        audience=audience,
        subject="Strike on",
        message="See you at the gate.",
        nonce=nonce,
        acting_user=user,
    )


def recipients():
    return set(Notification.objects.filter(kind="broadcast").values_list("user_id", flat=True))


def test_district_broadcast_reaches_its_members_only(people):
    assert send(people.district, "members") == 2
    assert recipients() == {people.m1.pk, people.m2.pk}


def test_regional_broadcast_reaches_reps_of_the_region(people):
    assert send(people.regional, "reps") == 2
    assert recipients() == {people.rep1.pk, people.rep3.pk}


def test_double_submit_queues_each_message_once(people):
    send(people.district, "members", nonce="same")
    send(people.district, "members", nonce="same")
    assert Notification.objects.filter(kind="broadcast").count() == 2


def test_broadcast_is_audited_without_its_text(people):
    send(people.district, "reps")
    entry = AuditEntry.objects.get(action="broadcast.send")
    assert entry.detail["recipients"] == 1
    assert "gate" not in str(entry.detail)


def test_reps_and_members_cannot_broadcast(client, people):
    for user in (people.rep1, people.m1):
        client.force_login(user)
        assert client.get(reverse("strikes:broadcast-new")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("strikes:broadcast-new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_forged_scope_of_another_place_is_refused(client, people, world):
    other = f.RoleFactory(union=world.union, kind="district_officer", district=world.d3)
    client.force_login(people.district)
    response = client.post(
        reverse("strikes:broadcast-new"),
        {
            "scope": str(other.pk),
            "audience": "members",
            "subject": "x",
            "message": "y",
            "nonce": "abc",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Notification.objects.exists()


def test_officer_sends_from_the_page_and_is_told_how_many(client, people):
    client.force_login(people.district)
    page = client.get(reverse("strikes:broadcast-new"))
    nonce = page.context["form"].initial["nonce"]
    scope = broadcast_scopes(user=people.district)[0].key
    response = client.post(
        reverse("strikes:broadcast-new"),
        {
            "scope": scope,
            "audience": "members",
            "subject": "Strike on",
            "message": "See you at the gate.",
            "nonce": nonce,
        },
        follow=True,
    )
    assert "on its way to 2 members in Newcastle upon Tyne district" in response.content.decode()


def test_broadcast_is_delivered_with_its_subject_and_text(people, mailoutbox):
    from strikes.services.delivery import notification_deliver

    send(people.district, "reps")
    row = Notification.objects.get(kind="broadcast")
    notification_deliver(notification_id=row.pk)
    assert mailoutbox[-1].subject == "Strike on"
    assert "See you at the gate." in mailoutbox[-1].body
    assert mailoutbox[-1].to == [people.rep1.email]
