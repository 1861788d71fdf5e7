"""Constraints on places are enforced by the database, not only by forms."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from schools.models import District, Entrance, Site
from tests import factories as f

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_second_school_with_same_urn_is_refused():
    school = f.SchoolFactory(urn=100000)
    assert refused(lambda: f.SchoolFactory(urn=100000, district=school.district))


def test_district_la_code_is_unique():
    district = f.DistrictFactory(la_code="201")
    assert refused(
        lambda: District.objects.create(region=district.region, la_code="201", name="Other")
    )


def test_school_coordinates_must_be_on_earth():
    assert refused(lambda: f.SchoolFactory(latitude=91))
    assert refused(lambda: f.SchoolFactory(longitude=-181))


def test_school_has_one_main_site_with_one_main_entrance():
    school = f.SchoolFactory()
    site = school.sites.get()
    assert site.is_main and site.entrances.get().is_main
    assert refused(lambda: Site.objects.create(school=school, name="Annex", is_main=True))
    assert refused(lambda: Entrance.objects.create(site=site, name="Back gate", is_main=True))


def test_site_and_entrance_names_are_unique_in_their_parent():
    school = f.SchoolFactory()
    site = school.sites.get()
    assert refused(lambda: Site.objects.create(school=school, name="Main site"))
    assert refused(lambda: Entrance.objects.create(site=site, name="Main entrance"))
    Entrance.objects.create(site=site, name="Back gate")
    assert site.entrances.count() == 2
