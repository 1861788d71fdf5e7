"""Subject access, erasure and the audit log: personal data goes, the counts stay."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kernel.errors import DomainError
from kernel.models import AuditEntry
from members.models import Membership, Role, Supporter, User
from members.privacy import ERASED_NAME, supporter_erase, user_erase
from strikes.models import Notification, PicketLine, PicketReport, Shift, Signup
from strikes.services.lines import picket_report_create, signup_check_in, signup_walk_up_add
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f
from tests.factories import on_the_day

# A token of the right shape that no row holds.
UNKNOWN = "no-such-token-here"


@pytest.fixture
def setup(world):
    line = f.PicketLineFactory(
        strike_day=f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union)),
        entrance=world.s1.sites.get().entrances.get(is_main=True),
    )
    shift = f.ShiftFactory(picket_line=line)
    member = f.UserFactory(email="ada@example.org", full_name="Ada Lovelace", phone="07700900001")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    f.MembershipFactory(user=member, union=world.union, workplace=world.s1, member_number="N123")
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    f.MembershipFactory(user=rep, union=world.union, workplace=world.s1)
    signup = signup_create(shift=shift, user=member, acting_user=member)
    signup_create(shift=shift, user=rep, acting_user=rep)
    sup_signup = supporter_signup_create(
        shift=shift, name="Grace Hopper", email="grace@example.net", phone="", consent=True
    )
    with on_the_day(shift):
        signup_check_in(signup=signup, acting_user=rep)
        signup_walk_up_add(shift=shift, name="Walk Up", nonce="n1", acting_user=rep)
        picket_report_create(
            picket_line=line, acting_user=member, nonce="r1", school_status="closed", pickets=5
        )

    class S:
        pass

    s = S()
    s.world, s.line, s.shift, s.member, s.rep = world, line, shift, member, rep
    s.signup, s.supporter = signup, sup_signup.supporter
    return s


def _figures(s) -> dict:
    shift = Shift.objects.get(pk=s.shift.pk)
    line = PicketLine.objects.get(pk=s.line.pk)
    return {
        "booked": shift.booked,
        "pickets": line.pickets_signed_up,
        "supporters": line.supporters_signed_up,
        "signups": Signup.objects.filter(shift=s.shift).count(),
        "arrived": Signup.objects.filter(shift=s.shift, status="arrived").count(),
        "supporter_signups": Signup.objects.filter(shift=s.shift, is_supporter=True).count(),
        "reports": PicketReport.objects.filter(picket_line=s.line).count(),
        "report_pickets": sum(r.pickets for r in PicketReport.objects.filter(picket_line=s.line)),
    }


def _dashboard(strike_day, union):
    """The national dashboard's figures for the day, as an organiser sees them."""
    from django.utils import timezone as tz

    from members.permissions import viewer_for
    from strikes.selectors.dashboard import dashboard_scope, dashboard_table

    organiser = f.RoleFactory(kind="national_organiser", union=union).user
    scope = dashboard_scope(strike_day=strike_day, viewer=viewer_for(organiser), place=None)
    table = dashboard_table(scope=scope, by=tz.now() + dt.timedelta(days=365))
    return table.headline, sorted(table.rows, key=lambda r: r.key)


# --- Subject access ---------------------------------------------------------------------------


def test_my_data_page_shows_everything_held_and_is_logged(client, setup):
    client.force_login(setup.member)
    response = client.get(reverse("members:my-data"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ["Ada Lovelace", "ada@example.org", "07700900001", "N123", "Heaton Primary"]:
        assert text in body
    assert "Arrived" in body  # the signup with its status
    assert AuditEntry.objects.filter(
        action="subject_access.export", actor=setup.member, object_id=str(setup.member.pk)
    ).exists()


def test_my_data_json_downloads_signups_reports_and_messages(client, setup):
    Notification.objects.create(key="k1", kind="broadcast", user=setup.member)
    client.force_login(setup.member)
    response = client.get(reverse("members:my-data-json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["email"] == "ada@example.org"
    assert data["memberships"][0]["member_number"] == "N123"
    assert len(data["signups"]) == 1 and data["signups"][0]["school"] == "Heaton Primary"
    assert data["reports_filed"] == 1
    kinds = {n["kind"] for n in data["notifications"]}
    assert "Broadcast" in kinds
    assert AuditEntry.objects.filter(action="subject_access.export", detail__format="json").exists()


def test_my_data_json_holds_no_one_elses_data(client, setup):
    client.force_login(setup.member)
    body = client.get(reverse("members:my-data-json")).content.decode()
    assert setup.rep.email not in body
    assert "Grace Hopper" not in body and "Walk Up" not in body


def test_my_data_pages_need_sign_in(client, setup):
    for name in ["members:my-data", "members:my-data-json", "members:my-erase"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Erasure of a member ----------------------------------------------------------------------


def test_erase_removes_personal_data_and_keeps_counts(client, setup):
    f.CalledOutSchoolFactory(strike_day=setup.line.strike_day, school=setup.world.s1)
    before = _figures(setup)
    dashboard_before = _dashboard(setup.line.strike_day, setup.world.union)
    client.force_login(setup.member)
    response = client.post(reverse("members:my-erase"), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("members:erased")
    user = User.objects.get(pk=setup.member.pk)
    assert user.email == f"erased-{user.pk}@invalid"
    assert user.full_name == "" and user.phone == ""
    assert not user.has_usable_password() and not user.is_active
    assert user.erased_at is not None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(email__iexact="ada@example.org").exists()
    assert not Membership.objects.filter(user=user, is_active=True).exists()
    assert Membership.objects.get(user=user).member_number == ""
    assert not Signup.objects.filter(user=user).exists()
    erased = Signup.objects.get(pk=setup.signup.pk)
    assert erased.user_id is None and erased.walk_up_name == ERASED_NAME
    assert erased.status == "arrived"
    assert not PicketReport.objects.filter(reported_by=user).exists()
    assert _figures(setup) == before
    assert _dashboard(setup.line.strike_day, setup.world.union) == dashboard_before
    assert dashboard_before[0].pickets == 5 and dashboard_before[0].reported == 1
    # Signed out: the next page asks to sign in again.
    assert client.get(reverse("members:my-data")).status_code == 302
    assert AuditEntry.objects.filter(action="user.erase", object_id=str(user.pk)).exists()
    assert not AuditEntry.objects.filter(detail__icontains="ada@example.org").exists()


def test_erase_needs_the_confirmation_box_and_changes_nothing_without_it(client, setup):
    client.force_login(setup.member)
    response = client.post(reverse("members:my-erase"), {})
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    user = User.objects.get(pk=setup.member.pk)
    assert user.erased_at is None and user.email == "ada@example.org"


def test_erase_cancels_messages_still_due(setup):
    n = Notification.objects.create(
        key="k2", kind="reminder", user=setup.member, context={"name": "Ada"}
    )
    user_erase(user=setup.member, acting_user=setup.member)
    n.refresh_from_db()
    assert n.status == "cancelled" and n.context == {}


def test_erase_twice_is_refused_with_a_message(setup):
    user_erase(user=setup.member, acting_user=setup.member)
    user = User.objects.get(pk=setup.member.pk)
    with pytest.raises(DomainError) as exc:
        user_erase(user=user, acting_user=user)
    assert exc.value.code == "already_erased"


def test_someone_else_cannot_erase_a_member(setup):
    with pytest.raises(DomainError):
        user_erase(user=setup.member, acting_user=setup.rep)
    assert User.objects.get(pk=setup.member.pk).erased_at is None


def test_erasing_a_rep_removes_their_role(setup):
    user_erase(user=setup.rep, acting_user=setup.rep)
    assert not Role.objects.filter(user=setup.rep).exists()


# --- Supporters -------------------------------------------------------------------------------


def test_supporter_sees_their_data_from_their_link(client, setup):
    token = setup.supporter.token
    response = client.get(reverse("members:supporter-data", args=[token]))
    assert response.status_code == 200
    assert "Grace Hopper" in response.content.decode()
    assert "Ada Lovelace" not in response.content.decode()
    download = client.get(reverse("members:supporter-data", args=[token]) + "?format=json")
    assert json.loads(download.content)["person"]["email"] == "grace@example.net"
    assert (
        AuditEntry.objects.filter(
            action="subject_access.export", object_id=str(setup.supporter.pk)
        ).count()
        == 2
    )


def test_supporter_erase_removes_contact_and_keeps_counts(client, setup):
    before = _figures(setup)
    dashboard_before = _dashboard(setup.line.strike_day, setup.world.union)
    token = setup.supporter.token
    response = client.post(reverse("members:supporter-erase", args=[token]), {"confirm": "on"})
    assert response.status_code == 302
    supporter = Supporter.objects.get(pk=setup.supporter.pk)
    assert supporter.name == ERASED_NAME
    assert supporter.email == "" and supporter.phone == ""
    assert supporter.erased_at is not None
    assert _figures(setup) == before
    assert _dashboard(setup.line.strike_day, setup.world.union) == dashboard_before
    # The old link no longer shows anything.
    assert client.get(reverse("members:supporter-data", args=[token])).status_code == 404
    assert client.get(reverse("members:supporter-erase", args=[token])).status_code == 404


def test_supporter_erase_needs_confirmation(client, setup):
    token = setup.supporter.token
    response = client.post(reverse("members:supporter-erase", args=[token]), {})
    assert response.status_code == 200
    assert Supporter.objects.get(pk=setup.supporter.pk).erased_at is None


def test_unknown_supporter_link_is_404(client, db):
    assert client.get(reverse("members:supporter-data", args=[UNKNOWN])).status_code == 404
    assert client.post(reverse("members:supporter-erase", args=[UNKNOWN])).status_code == 404


def test_supporter_erase_service_twice_is_refused(setup):
    supporter_erase(supporter=setup.supporter)
    with pytest.raises(DomainError):
        supporter_erase(supporter=Supporter.objects.get(pk=setup.supporter.pk))


# --- Audit log page ---------------------------------------------------------------------------


@pytest.fixture
def data_officer(db):
    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="kernel", codename="view_auditentry")
    )
    return User.objects.get(pk=user.pk)


def test_audit_page_is_refused_to_everyone_but_the_data_officer(client, setup, data_officer):
    url = reverse("members:audit")
    assert client.get(url).status_code == 302
    client.force_login(setup.member)
    assert client.get(url).status_code == 403
    staff_without_permission = f.UserFactory(is_staff=True)
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 403
    officer = f.RoleFactory(kind="national_organiser", union=setup.world.union).user
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(data_officer)
    assert client.get(url).status_code == 200
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200


def test_audit_page_searches_by_action_actor_and_date(client, setup, data_officer):
    client.force_login(data_officer)
    response = client.get(reverse("members:audit"), {"action": "signup.checked_in"})
    body = response.content.decode()
    assert "signup.checked_in" in body and "supporter_signup.create" not in body
    response = client.get(reverse("members:audit"), {"actor_email": setup.rep.email})
    assert "signup.walk_up_added" in response.content.decode()
    assert "supporter_signup.create" not in response.content.decode()
    response = client.get(
        reverse("members:audit"), {"date_from": "2001-01-01", "date_to": "2001-01-02"}
    )
    assert "No entries match" in response.content.decode()


def test_audit_page_survives_bad_search_terms(client, setup, data_officer):
    client.force_login(data_officer)
    response = client.get(reverse("members:audit"), {"date_from": "not-a-date", "page": "zz"})
    assert response.status_code == 200


def test_audit_page_paginates_with_fixed_queries(
    client, setup, data_officer, django_assert_max_num_queries
):
    from kernel.audit import audit_log

    for _ in range(120):
        audit_log(actor=setup.rep, action="test.bulk")
    client.force_login(data_officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:audit"), {"action": "test.bulk", "page": "2"})
    assert "Page 2 of 3" in response.content.decode()


def test_sign_in_is_audited(client, db):
    user = f.UserFactory(password="a-long-enough-pass-123")
    assert client.login(username=user.email, password="a-long-enough-pass-123")
    assert AuditEntry.objects.filter(action="auth.sign_in", actor=user).exists()


def test_privacy_notice_explains_basis_retention_and_links_rights(client, setup, settings):
    settings.RETENTION_DAYS_AFTER_DISPUTE = 90
    body = client.get(reverse("members:privacy")).content.decode()
    assert "9(2)(d)" in body and "90 days" in body
    client.force_login(setup.member)
    body = client.get(reverse("members:privacy")).content.decode()
    assert reverse("members:my-data") in body and reverse("members:my-erase") in body


def test_erasure_ends_the_persons_other_sessions(client, setup):
    other_device = Client()
    other_device.force_login(setup.member)
    assert other_device.get(reverse("members:my-data")).status_code == 200
    client.force_login(setup.member)
    client.post(reverse("members:my-erase"), {"confirm": "on"})
    response = other_device.get(reverse("members:my-data"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["action", "actor_email", "date_from", "date_to", "object_type", "object_id", "page"]
        ),
        st.text(max_size=80),
    )
)
def test_audit_search_never_fails_on_any_input(client, data_officer, query):
    client.force_login(data_officer)
    response = client.get(reverse("members:audit"), query)
    assert response.status_code in (200, 400)  # 400: a NUL byte, refused by the input guard


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(confirm=st.one_of(st.none(), st.text(max_size=20)))
def test_erase_form_refuses_anything_but_a_ticked_box_for_a_supporter(client, setup, confirm):
    data = {} if confirm is None else {"confirm": confirm}
    response = client.post(reverse("members:supporter-erase", args=[setup.supporter.token]), data)
    supporter = Supporter.objects.get(pk=setup.supporter.pk)
    if response.status_code == 302:
        # Django's checkbox treats any value but empty/"false"/"0" as ticked.
        assert supporter.erased_at is not None
        supporter_restore = {"name": "Grace Hopper", "email": "grace@example.net"}
        Supporter.objects.filter(pk=supporter.pk).update(
            erased_at=None, token=setup.supporter.token, **supporter_restore
        )
    else:
        assert response.status_code in (200, 400)  # 400: a NUL byte, refused by the input guard
        assert supporter.erased_at is None and supporter.email == "grace@example.net"
