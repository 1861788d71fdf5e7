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
    assert send(people.district, "members").recipients == 2
    assert recipients() == {people.m1.pk, people.m2.pk}


def test_regional_broadcast_reaches_reps_of_the_region(people):
    assert send(people.regional, "reps").recipients == 2
    assert recipients() == {people.rep1.pk, people.rep3.pk}


def test_double_submit_queues_each_message_once(people):
    assert not send(people.district, "members", nonce="same").already_sent
    assert send(people.district, "members", nonce="same").already_sent
    assert Notification.objects.filter(kind="broadcast").count() == 2
    assert AuditEntry.objects.filter(action="broadcast.send").count() == 1


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


def _post(client, user, action, nonce="n-page", expected=None, **extra):
    data = {
        "scope": broadcast_scopes(user=user)[0].key,
        "audience": "members",
        "subject": "Strike on",
        "message": "See you at the gate.\nBring a flask.",
        "nonce": nonce,
        "action": action,
        **extra,
    }
    if expected is not None:
        data["expected"] = expected
    return client.post(reverse("strikes:broadcast-new"), data)


def test_officer_previews_then_sends_and_is_told_how_many(client, people):
    client.force_login(people.district)
    page = client.get(reverse("strikes:broadcast-new"))
    nonce = page.context["form"].initial["nonce"]
    preview = _post(client, people.district, "preview", nonce=nonce)
    body = preview.content.decode()
    assert "This goes to <strong>2 members</strong> in Newcastle upon Tyne district" in body
    assert "Subject:</strong> Strike on" in body and "Bring a flask." in body
    assert not Notification.objects.exists()  # a preview sends nothing
    response = _post(client, people.district, "send", nonce=nonce, expected=2)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "on its way to 2 members in Newcastle upon Tyne district" in page
    texts = set(Notification.objects.values_list("context__text", flat=True))
    assert texts == {"See you at the gate.\nBring a flask."}  # the line break survives


def test_preview_counts_exactly_who_the_send_reaches(client, people, world):
    # Besides the opted-out member and the other union's: a closed account, a former member,
    # one of another district, and a member who is also a rep (counted once).
    f.MembershipFactory(union=world.union, workplace=world.s2, user__is_active=False)
    twice = f.MembershipFactory(union=world.union, workplace=world.s1).user
    f.RoleFactory(union=world.union, kind="rep", school=world.s1, user=twice)
    f.MembershipFactory(union=world.union, workplace=world.s1, is_active=False)
    f.MembershipFactory(union=world.union, workplace=world.s4)
    client.force_login(people.district)
    preview = _post(client, people.district, "preview", nonce="count")
    shown = preview.context["preview"].recipients
    assert shown == 3
    _post(client, people.district, "send", nonce="count", expected=shown)
    sent = recipients()
    assert len(sent) == shown and sent == {people.m1.pk, people.m2.pk, twice.pk}
    assert people.opted_out.pk not in sent


def test_send_without_a_preview_shows_the_preview_instead(client, people):
    client.force_login(people.district)
    response = _post(client, people.district, "send")
    assert response.status_code == 200
    assert "strikes/broadcasts/preview.html" in [t.name for t in response.templates]
    assert not Notification.objects.exists()


def test_send_refuses_when_the_audience_changed_since_the_preview(client, people, world):
    client.force_login(people.district)
    f.MembershipFactory(union=world.union, workplace=world.s1)  # joins after the preview
    response = _post(client, people.district, "send", expected=2)
    assert response.status_code == 200
    assert "has changed from 2 to 3" in response.content.decode()
    assert response.context["preview"].recipients == 3  # the new count, to confirm again
    assert not Notification.objects.exists()


def test_double_submit_from_the_page_sends_once_and_says_so(client, people):
    client.force_login(people.district)
    _post(client, people.district, "send", nonce="twice", expected=2)
    again = _post(client, people.district, "send", nonce="twice", expected=2)
    assert again.status_code == 302
    assert "Already sent" in client.get(again["Location"]).content.decode()
    assert Notification.objects.filter(kind="broadcast").count() == 2


def test_send_to_myself_goes_to_the_author_only_through_the_outbox(client, people, mailoutbox):
    from strikes.services.delivery import notification_deliver

    people.district.reminders_opt_out = True  # a copy to yourself goes all the same
    people.district.save()
    client.force_login(people.district)
    response = _post(client, people.district, "self", nonce="me")
    assert response.status_code == 200
    assert "on its way to you only" in response.content.decode()
    _post(client, people.district, "self", nonce="me")  # a double tap
    (row,) = Notification.objects.all()
    assert row.user == people.district and row.kind == "broadcast"
    assert notification_deliver(notification_id=row.pk) == "sent"
    (email,) = mailoutbox
    assert email.to == [people.district.email] and email.subject == "Strike on"
    assert "A copy for you only" in email.body and "Bring a flask." in email.body
    # ... and the real send afterwards still reaches everyone, once.
    _post(client, people.district, "send", nonce="me", expected=2)
    assert recipients() == {people.district.pk, people.m1.pk, people.m2.pk}


def test_an_edited_draft_can_be_sent_to_myself_again(client, people):
    client.force_login(people.district)
    _post(client, people.district, "self", nonce="ed")
    _post(client, people.district, "self", nonce="ed", subject="Strike on Friday")
    assert Notification.objects.filter(user=people.district).count() == 2


@pytest.mark.parametrize("action", ["preview", "self", "send"])
def test_reps_and_members_cannot_preview_or_send(client, people, action):
    scope = broadcast_scopes(user=people.district)[0].key
    for user in (people.rep1, people.m1):
        client.force_login(user)
        response = client.post(
            reverse("strikes:broadcast-new"),
            {
                "scope": scope,
                "audience": "members",
                "subject": "x",
                "message": "y",
                "nonce": "n",
                "expected": "2",
                "action": action,
            },
        )
        assert response.status_code == 403
    assert not Notification.objects.exists()


@pytest.mark.parametrize("action", ["preview", "self", "send"])
def test_another_districts_officer_cannot_use_my_scope(client, people, world, action):
    other = f.RoleFactory(union=world.union, kind="district_officer", district=world.d3).user
    client.force_login(other)
    response = client.post(
        reverse("strikes:broadcast-new"),
        {
            "scope": broadcast_scopes(user=people.district)[0].key,
            "audience": "members",
            "subject": "x",
            "message": "y",
            "nonce": "n",
            "expected": "2",
            "action": action,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Notification.objects.exists()


def test_the_services_refuse_a_scope_that_is_not_the_senders(people):
    from kernel.errors import NotAllowed
    from strikes.services.broadcasts import broadcast_preview, broadcast_send_to_self

    scope = broadcast_scopes(user=people.district)[0].key
    draft = {"scope_key": scope, "audience": "members", "subject": "s", "message": "m"}
    with pytest.raises(NotAllowed):
        broadcast_preview(**draft, acting_user=people.rep1)
    with pytest.raises(NotAllowed):
        broadcast_send_to_self(**draft, nonce="n", acting_user=people.m1)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("text", "characters", "segments", "encoding"),
    [
        ("a" * 160, 160, 1, "GSM"),
        ("a" * 161, 161, 2, "GSM"),
        ("€" * 80, 160, 1, "GSM"),  # the euro sign takes two places
        ("a" * 70 + "’", 71, 2, "Unicode"),  # one curly quote makes it all Unicode
        ("✊" * 70, 70, 1, "Unicode"),
    ],
)
def test_text_message_length_and_parts(text, characters, segments, encoding):
    from dataclasses import astuple

    from strikes.sms import sms_length

    assert astuple(sms_length(text)) == (characters, segments, encoding)


def test_preview_shows_the_text_message_and_its_length(client, people):
    client.force_login(people.district)
    body = _post(client, people.district, "preview").content.decode()
    preview = _post(client, people.district, "preview").context["preview"]
    assert preview.sms.startswith("Strike on: See you at the gate.")
    assert f"{preview.sms_length.characters} characters" in body


def test_broadcast_is_delivered_with_its_subject_and_text(people, mailoutbox):
    from strikes.services.delivery import notification_deliver

    send(people.district, "reps")
    row = Notification.objects.get(kind="broadcast")
    notification_deliver(notification_id=row.pk)
    assert mailoutbox[-1].subject == "Strike on"
    assert "See you at the gate." in mailoutbox[-1].body
    assert mailoutbox[-1].to == [people.rep1.email]
