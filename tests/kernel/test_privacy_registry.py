"""Each app registers its own personal data; the privacy services run whatever is registered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kernel import privacy
from kernel.models import AuditEntry
from members.privacy import retention_sweep, subject_access_export, user_erase
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_app(monkeypatch):
    """A pretend app holding one section about people, registered for one test."""
    monkeypatch.setattr(privacy, "_REGISTRY", dict(privacy._REGISTRY))
    erased = []

    class Swept:
        def summary(self) -> str:
            return "Swept nothing."

        def figures(self) -> dict[str, int]:
            return {"rows": 0}

    privacy.register(
        privacy.PersonalData(
            app="extra",
            export_user=lambda *, user: {"extra": [user.pk]},
            erase_user=lambda *, user: erased.append(user.pk) or {"extra_rows": 1},
            sweep=lambda *, older_than_days, dry_run: Swept(),
        )
    )
    return erased


def test_members_and_strikes_register_in_app_order():
    # strikes.turnout: ballot marks (strikes/services/turnout.py), registered by strikes too.
    assert [entry.app for entry in privacy.registered()] == [
        "members",
        "strikes",
        "strikes.turnout",
    ]


def test_registering_an_app_again_replaces_its_entry(extra_app):
    privacy.register(privacy.PersonalData(app="extra"))
    assert [entry.app for entry in privacy.registered()] == [
        "members",
        "strikes",
        "strikes.turnout",
        "extra",
    ]
    assert privacy.registered()[-1].export_user is None


def test_export_and_erasure_run_every_registered_app(extra_app):
    user = f.UserFactory()
    data = subject_access_export(user=user, acting_user=user)
    assert list(data) == [
        "generated_at",
        "person",
        "memberships",
        "roles",
        "signups",
        "reports_filed",
        "notifications",
        "ballot_marks",
        "extra",
    ]
    assert data["extra"] == [user.pk]
    user_erase(user=user, acting_user=user)
    assert extra_app == [user.pk]
    entry = AuditEntry.objects.get(action="user.erase")
    assert entry.detail == {"roles_removed": 0, "signups": 0, "extra_rows": 1}


def test_retention_runs_every_registered_sweep(extra_app):
    outcomes = retention_sweep(older_than_days=30, dry_run=True)
    assert [o.summary() for o in outcomes][-1] == "Swept nothing."
    assert len(outcomes) == 3  # strikes, strikes.turnout, extra


def test_the_your_data_page_shows_each_registered_app_s_cards(client):
    user = f.UserFactory()
    client.force_login(user)
    body = client.get(reverse("members:my-data")).content.decode()
    for heading in ["Union memberships", "Roles", "Picket sign-ups", "Reports you filed"]:
        assert f"<h2>{heading}</h2>" in body
    assert "<h2>Messages we sent or will send you</h2>" in body


def test_a_supporter_s_data_page_has_no_member_only_cards(client):
    supporter = f.SupporterFactory()
    body = client.get(reverse("members:supporter-data", args=[supporter.token])).content.decode()
    assert "<h2>Picket sign-ups</h2>" in body
    assert "<h2>Messages we sent or will send you</h2>" in body
    assert "Reports you filed" not in body and "Union memberships" not in body
