"""Officers' second factor, rate limits on sign-in and public links, the navigation links."""

from __future__ import annotations

import html
import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import Role, Supporter
from members.security import MFA_REQUIRED_MESSAGE
from strikes.services.signups import supporter_signup_create
from tests import factories as f

# A token of the right shape that no row holds.
UNKNOWN = "no-such-token-here"

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: start and leave each test with none."""
    cache.clear()
    yield
    cache.clear()


def code_from(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def officer(world, kind: str = "district_officer", **kw):
    place = {
        "district_officer": {"district": world.d1},
        "regional_officer": {"region": world.north},
        "national_organiser": {},
    }[kind]
    return f.RoleFactory(union=world.union, kind=kind, **place, **kw).user


def with_email(user, email: str):
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


# --- Officers must set up an authenticator app ------------------------------------------------


@pytest.mark.parametrize("kind", ["district_officer", "regional_officer", "national_organiser"])
def test_officer_without_authenticator_is_sent_to_set_one_up(client, world, kind):
    client.force_login(officer(world, kind, totp=False))
    for url in ("/", reverse("strikes:dashboard-home"), reverse("members:my-data")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert MFA_REQUIRED_MESSAGE in html.unescape(page.content.decode())


def test_officer_without_authenticator_is_refused_writes_too(client, world):
    user = officer(world, totp=False)
    client.force_login(user)
    response = client.post(reverse("members:my-erase"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == ACTIVATE
    user.refresh_from_db()
    assert user.erased_at is None


def test_htmx_request_of_an_officer_without_authenticator_redirects_the_whole_page(client, world):
    client.force_login(officer(world, totp=False))
    response = client.get(reverse("strikes:dashboard-home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == ACTIVATE


def test_officer_without_authenticator_may_still_open_setup_privacy_health_and_sign_out(
    client, world
):
    client.force_login(officer(world, totp=False))
    for url in (ACTIVATE, reverse("mfa_index"), reverse("members:privacy"), "/healthz"):
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and response["Location"] != ACTIVATE
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_reps_members_and_officers_with_an_authenticator_are_not_asked(client, world):
    rep = f.RoleFactory(union=world.union, kind="rep", school=world.s1).user
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    set_up = officer(world)
    assert Authenticator.objects.filter(user=set_up, type="totp").exists()
    for user in (rep, member, set_up, f.UserFactory()):
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, user
        assert MFA_REQUIRED_MESSAGE not in response.content.decode()


def test_a_person_who_loses_the_officer_role_is_no_longer_asked(client, world):
    user = officer(world, totp=False)
    f.MembershipFactory(user=user, union=world.union, workplace=world.s1)
    client.force_login(user)
    assert client.get("/").status_code == 302
    Role.objects.filter(user=user).delete()
    assert client.get("/").status_code == 200


def test_an_officer_who_removes_the_authenticator_is_asked_again(client, world):
    user = officer(world)
    client.force_login(user)
    assert client.get("/").status_code == 200
    Authenticator.objects.filter(user=user).delete()
    assert client.get("/")["Location"] == ACTIVATE


def test_the_requirement_can_be_switched_off(client, world, settings):
    settings.OFFICER_MFA_REQUIRED = False
    client.force_login(officer(world, totp=False))
    assert client.get("/").status_code == 200


def test_local_demo_settings_switch_it_off_by_default(monkeypatch):
    monkeypatch.delenv("OFFICER_MFA_REQUIRED", raising=False)
    import config.settings.local as local

    assert importlib.reload(local).OFFICER_MFA_REQUIRED is False
    monkeypatch.setenv("OFFICER_MFA_REQUIRED", "true")
    assert importlib.reload(local).OFFICER_MFA_REQUIRED is True


def test_officer_signs_in_by_code_then_sets_up_the_app_and_gets_in(client, world):
    user = with_email(officer(world, totp=False), "organiser@example.org")
    client.post("/accounts/login/code/", {"email": "organiser@example.org"})
    response = client.post("/accounts/login/code/confirm/", {"code": code_from(mail.outbox[-1])})
    assert client.get(response["Location"])["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    secret = page.context["form"].secret
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()  # the QR code
    wrong = client.post(ACTIVATE, {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=user).exists()
    response = client.post(ACTIVATE, {"code": f.totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    # Recovery codes are made with it, for a lost phone.
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    assert client.get(reverse("strikes:dashboard-home")).status_code == 200


# --- Once set up, allauth asks for the code at sign-in ---------------------------------------


@pytest.fixture
def organiser(world):
    user = with_email(officer(world, "national_organiser"), "organiser@example.org")
    user.secret = f.with_totp(user)
    return user


def sign_in_by_code(client, email: str):
    client.post("/accounts/login/code/", {"email": email})
    return client.post("/accounts/login/code/confirm/", {"code": code_from(mail.outbox[-1])})


def test_officer_is_asked_for_the_app_code_after_the_emailed_code(client, organiser):
    response = sign_in_by_code(client, "organiser@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get("/").wsgi_request.user.is_authenticated
    response = client.post(reverse("mfa_authenticate"), {"code": f.totp_code(organiser.secret)})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert home.wsgi_request.user == organiser


def test_a_wrong_app_code_does_not_sign_in(client, organiser):
    sign_in_by_code(client, "organiser@example.org")
    response = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert response.status_code == 200
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_recovery_code_signs_in_when_the_phone_is_lost(client, organiser):
    codes = RecoveryCodes.activate(organiser).get_unused_codes()
    sign_in_by_code(client, "organiser@example.org")
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == organiser


# --- Rate limits: sign-in, login codes, the second factor, public links ----------------------


def test_login_codes_are_rate_limited_per_email(world):
    with_email(f.UserFactory(), "teacher@example.org")
    for _ in range(5):  # a new browser each time, as someone trying to flood an inbox would
        Client().post("/accounts/login/code/", {"email": "teacher@example.org"})
    assert len(mail.outbox) == 3  # ACCOUNT_RATE_LIMITS: 3 a minute for one address


def test_a_login_code_stops_working_after_three_wrong_tries(client, world):
    with_email(f.UserFactory(), "teacher@example.org")
    client.post("/accounts/login/code/", {"email": "teacher@example.org"})
    code = code_from(mail.outbox[-1])
    for _ in range(3):
        client.post("/accounts/login/code/confirm/", {"code": "WRONG-CODE"})
    client.post("/accounts/login/code/confirm/", {"code": code})
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_sign_in_form_is_rate_limited_per_address(client, world):
    for _ in range(30):  # ACCOUNT_RATE_LIMITS["login"]: 30 a minute from one address
        response = client.post("/accounts/login/", {"login": "x@example.org", "password": "x"})
        assert response.status_code != 429
    response = client.post("/accounts/login/", {"login": "x@example.org", "password": "x"})
    assert response.status_code == 429


def test_app_codes_at_sign_in_are_rate_limited(client, organiser):
    sign_in_by_code(client, "organiser@example.org")
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "123456"})
    client.post(reverse("mfa_authenticate"), {"code": f.totp_code(organiser.secret)})
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.fixture
def supporter(world):
    shift = f.ShiftFactory(
        picket_line=f.PicketLineFactory(
            strike_day=f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union)),
            entrance=world.s1.sites.get().entrances.get(is_main=True),
        )
    )
    signup = supporter_signup_create(
        shift=shift, name="Grace Hopper", email="grace@example.net", phone="", consent=True
    )
    return signup.supporter


def test_public_forms_are_rate_limited_per_address(client, supporter, settings):
    settings.PUBLIC_RATE_LIMIT_WRITES = "3/60"
    url = reverse("members:supporter-erase", args=[supporter.token])
    for _ in range(3):
        assert client.post(url, {}).status_code == 200  # the form asks for the tick box
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert Supporter.objects.get(pk=supporter.pk).erased_at is None
    # Another address is not held up.
    other = client.post(url, {"confirm": "on"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302
    assert Supporter.objects.get(pk=supporter.pk).erased_at is not None


def test_supporter_cancel_form_is_rate_limited(client, supporter, settings):
    settings.PUBLIC_RATE_LIMIT_WRITES = "2/60"
    url = reverse("strikes:supporter-cancel", args=[supporter.token])
    client.post(url)
    client.post(url)
    assert client.post(url).status_code == 429


def test_signed_confirm_links_are_rate_limited_on_get_as_they_write(client, db, settings):
    settings.PUBLIC_RATE_LIMIT_WRITES = "2/60"
    url = reverse("strikes:signup-link", args=["not-a-real-signed-token"])
    assert client.get(url).status_code == 400
    assert client.get(url).status_code == 400
    assert client.get(url).status_code == 429


def test_secret_link_pages_are_rate_limited_for_reading(client, supporter, settings):
    settings.PUBLIC_RATE_LIMIT_READS = "2/60"
    url = reverse("members:supporter-data", args=[supporter.token])
    assert client.get(url).status_code == 200
    assert client.get(reverse("members:supporter-data", args=[UNKNOWN])).status_code == 404
    assert client.get(url).status_code == 429


# --- Navigation -------------------------------------------------------------------------------


def nav_of(client, user) -> str:
    client.force_login(user)
    html = client.get("/").content.decode()
    return html.split("</nav>")[0]


def test_everyone_signed_in_gets_a_your_data_link(client, world):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    nav = nav_of(client, member)
    assert f'href="{reverse("members:my-data")}">Your data<' in nav
    assert reverse("members:audit") not in nav and reverse("mfa_index") not in nav
    client.logout()
    assert reverse("members:my-data") not in client.get("/").content.decode().split("</nav>")[0]


def test_officers_get_a_sign_in_security_link(client, world):
    nav = nav_of(client, officer(world))
    assert f'href="{reverse("mfa_index")}">Sign-in security<' in nav
    assert reverse("members:audit") not in nav


def test_the_data_officer_gets_the_audit_log_link(client, world):
    data_officer = f.UserFactory(is_staff=True, is_superuser=True)
    nav = nav_of(client, data_officer)
    assert f'href="{reverse("members:audit")}">Audit log<' in nav


# --- Supporters' messages carry their links ---------------------------------------------------


def test_supporter_confirmation_carries_cancel_data_and_erase_links(supporter, settings):
    from strikes.messages import message_render
    from strikes.models import Notification

    row = Notification.objects.get(supporter=supporter, kind=Notification.Kind.CONFIRMATION)
    rendered = message_render(row)
    base = settings.SITE_URL
    for name in ("strikes:supporter-cancel", "members:supporter-data", "members:supporter-erase"):
        link = base + reverse(name, args=[supporter.token])
        assert link in rendered.text, name
        assert link in rendered.html, name
    assert "My shifts" not in rendered.text  # supporters have no account
    assert base + reverse("strikes:supporter-confirmed", args=[supporter.token]) in rendered.sms
