"""Reps and district officers add sites and entrances from the rep's day page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kernel.errors import DomainError, NotAllowed
from schools.models import Entrance, Site
from strikes.models import PicketLine
from strikes.services.places import entrance_add
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(world, rule_sets):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    return day


def test_rep_adds_an_entrance_and_its_picket_line_is_ready(client, world, day):
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    client.force_login(rep)
    url = reverse("strikes:rep-entrance", args=[day.pk, world.s1.pk])
    response = client.post(url, {"entrance_name": "Back gate, Rothbury Terrace"}, follow=True)
    assert "Back gate, Rothbury Terrace added at Main site" in response.content.decode()
    entrance = Entrance.objects.get(name="Back gate, Rothbury Terrace")
    assert entrance.site.school == world.s1
    assert PicketLine.objects.filter(strike_day=day, entrance=entrance).exists()


def test_district_officer_adds_a_new_site_with_its_entrance(world, day):
    officer = f.RoleFactory(kind="district_officer", district=world.d1, union=world.union).user
    entrance = entrance_add(
        school=world.s1, site_name="Annexe", entrance_name="Annexe door", acting_user=officer
    )
    assert entrance.site.name == "Annexe" and not entrance.site.is_main
    assert entrance.is_main  # the first entrance of its site
    assert Site.objects.filter(school=world.s1).count() == 2


def test_a_duplicate_or_blank_entrance_is_refused_with_a_message(world, day):
    rep = f.RoleFactory(kind="rep", school=world.s1, union=world.union).user
    with pytest.raises(DomainError, match="already has an entrance called Main entrance"):
        entrance_add(school=world.s1, entrance_name="main  entrance", acting_user=rep)
    with pytest.raises(DomainError, match="Give the entrance a name"):
        entrance_add(school=world.s1, entrance_name="   ", acting_user=rep)
    with pytest.raises(DomainError, match="100 characters"):
        entrance_add(school=world.s1, entrance_name="x" * 101, acting_user=rep)


def test_someone_elses_school_is_refused(client, world, day):
    other_rep = f.RoleFactory(kind="rep", school=world.s2, union=world.union).user
    with pytest.raises(NotAllowed):
        entrance_add(school=world.s1, entrance_name="Side gate", acting_user=other_rep)
    member = f.MembershipFactory(workplace=world.s1, union=world.union).user
    client.force_login(member)
    url = reverse("strikes:rep-entrance", args=[day.pk, world.s1.pk])
    assert client.post(url, {"entrance_name": "Side gate"}).status_code in (403, 404)
    client.force_login(other_rep)
    assert client.post(url, {"entrance_name": "Side gate"}).status_code in (403, 404)
    assert not Entrance.objects.filter(name="Side gate").exists()
