"""Places the people on the ground add: a school's sites and entrances, from the rep's day page.

Reps and district officers know where the gates are; the admin is not their tool. A new entrance
gets its picket line on every upcoming strike day that calls the school out.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from members.permissions import Action, viewer_for
from schools.models import Entrance, School, Site
from strikes.models import CalledOutSchool
from strikes.services.lines import picket_lines_ensure

MAX_NAME = 100


def _name(value: str, *, what: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise DomainError(f"Give the {what} a name.", code="no_name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Keep the {what}'s name to {MAX_NAME} characters.", code="long_name")
    return name


@transaction.atomic
def entrance_add(
    *, school: School, entrance_name: str, site_name: str = "", acting_user: Any
) -> Entrance:
    """Add an entrance (and its site, when new) to a school the person runs lines at: its rep,
    or an officer whose area covers it. Its picket lines are made on upcoming days at once."""
    viewer = viewer_for(acting_user)
    if not any(viewer.may(Action.RUN_LINE, school, union=u) for u in viewer.union_ids):
        raise NotAllowed(
            "Only the school's rep or an officer for its area can add entrances.",
            code="outside_area",
        )
    entrance_name = _name(entrance_name, what="entrance")
    site_name = " ".join((site_name or "").split())
    Site.objects.select_for_update().filter(school=school).values_list("pk", flat=True).first()
    if site_name:
        site_name = _name(site_name, what="site")
        site = Site.objects.filter(school=school, name__iexact=site_name).first()
        if site is None:
            site = Site.objects.create(
                school=school,
                name=site_name,
                is_main=not Site.objects.filter(school=school).exists(),
            )
    else:
        site = Site.objects.filter(school=school).order_by("-is_main", "name").first()
        if site is None:
            site = Site.objects.create(school=school, name="Main site", is_main=True)
    same = Entrance.objects.filter(site=site, name__iexact=entrance_name).first()
    if same is not None:
        raise DomainError(
            f"{site.name} already has an entrance called {same.name}.", code="duplicate"
        )
    try:
        with transaction.atomic():
            entrance = Entrance.objects.create(
                site=site, name=entrance_name, is_main=not site.entrances.exists()
            )
    except IntegrityError:
        raise DomainError(
            f"{site.name} already has an entrance called {entrance_name}.", code="duplicate"
        ) from None
    upcoming = (
        CalledOutSchool.objects.filter(
            school=school,
            cancelled_at__isnull=True,
            strike_day__date__gte=timezone.localdate(),
        )
        .select_related("strike_day")
        .order_by("strike_day__date")
    )
    picket_lines_ensure(pairs=[(c.strike_day, school) for c in upcoming])
    audit_log(
        actor=acting_user,
        action="entrance.add",
        obj=entrance,
        school_id=school.pk,
        site_id=site.pk,
    )
    return entrance
