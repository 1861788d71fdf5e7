"""Public-face reads: published pages, their lines and rallies, messages of support, the map's
points, joint days with other unions, and the moderators' queue.

Everything a public page shows comes from here and is public by construction: places and times,
never a person; counts of pickets only where the organiser chose to show them. Joint days are
built only from the other union's *published* day pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from kernel.errors import Refused
from members.access import ANYWHERE, Target
from members.permissions import OFFICER_KINDS, Action, Viewer
from schools.models import District, School
from strikes.models import (
    CalledOutSchool,
    Dispute,
    PicketLine,
    PublicPage,
    Rally,
    Shift,
    StrikeDay,
    SupportMessage,
)
from strikes.selectors.maps import map_points_encode

# A day calling out up to this many schools lists them all on its page; above it, by district.
LIST_ALL_LIMIT = 60
MESSAGES_SHOWN = 20
PUBLIC_MAP_STATUSES = ("line", "out")  # a picket line today / called out, no line listed


@dataclass
class PublicDay:
    page: PublicPage
    day: StrikeDay
    dispute: Dispute
    about: str
    show_counts: bool
    dispute_published: bool
    schools_out: int = 0


def public_day_get(*, strike_day_id: int) -> PublicDay | None:
    """A strike day whose page is published (one query), or ``None``."""
    page = (
        PublicPage.objects.filter(strike_day_id=strike_day_id, published_at__isnull=False)
        .select_related("strike_day__dispute__union", "strike_day__dispute__public_page")
        .first()
    )
    if page is None:
        return None
    day = page.strike_day
    dispute = day.dispute
    dispute_page = getattr(dispute, "public_page", None)
    dispute_published = dispute_page is not None and dispute_page.is_published
    about = page.about or (dispute_page.about if dispute_published else "")
    return PublicDay(
        page=page,
        day=day,
        dispute=dispute,
        about=about,
        show_counts=page.show_counts,
        dispute_published=dispute_published,
    )


def public_dispute_get(*, dispute_id: int) -> tuple[PublicPage, Dispute] | None:
    page = (
        PublicPage.objects.filter(dispute_id=dispute_id, published_at__isnull=False)
        .select_related("dispute__union")
        .first()
    )
    return None if page is None else (page, page.dispute)


def public_days_of_dispute(*, dispute: Dispute) -> list[StrikeDay]:
    """The dispute's strike days that have a published page, soonest first."""
    return list(
        StrikeDay.objects.filter(
            dispute=dispute,
            public_page__published_at__isnull=False,
        ).order_by("date", "pk")
    )


@dataclass
class PublicArea:
    district_id: int
    name: str
    region: str
    schools: int


def public_day_areas(*, day: StrikeDay) -> list[PublicArea]:
    """Per district: how many schools are out (one query)."""
    rows = (
        CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True)
        .values("district_id", "district__name", "region__name")
        .annotate(n=Count("pk"))
        .order_by("region__name", "district__name")
    )
    return [
        PublicArea(
            district_id=r["district_id"],
            name=r["district__name"],
            region=r["region__name"],
            schools=r["n"],
        )
        for r in rows
    ]


@dataclass
class PublicLine:
    entrance: str
    site: str
    token: str
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None
    pickets: int | None = None  # only when the organiser shows counts
    supporters: int | None = None
    url: str = ""  # its supporter rota

    @property
    def hours(self) -> str:
        """First shift to last, London time ("07:30–09:30"); empty when no shift is set."""
        if self.starts is None or self.ends is None:
            return ""
        return f"{timezone.localtime(self.starts):%H:%M}–{timezone.localtime(self.ends):%H:%M}"


@dataclass
class PublicSchool:
    school_id: int
    name: str
    town: str
    postcode: str
    district: str
    lines: list[PublicLine] = field(default_factory=list)
    url: str = ""  # its page that day
    support_url: str = ""  # the form for a message to it


def public_day_schools(
    *,
    day: StrikeDay,
    show_counts: bool,
    district_id: int | None = None,
    school_id: int | None = None,
) -> list[PublicSchool]:
    """The schools out that day (in a district, or one school), each with its lines and the
    hours they stand (first shift to last). Three queries, whatever the number of schools."""
    called = CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True)
    if district_id is not None:
        called = called.filter(district_id=district_id)
    if school_id is not None:
        called = called.filter(school_id=school_id)
    schools = {
        c.school_id: PublicSchool(
            school_id=c.school_id,
            name=c.school.name,
            town=c.school.town,
            postcode=c.school.postcode,
            district=c.district.name,
        )
        for c in called.select_related("school", "district").order_by("school__name")
    }
    if not schools:
        return []
    # One reverse() per kind of link, not one per school: a district can have 600 schools.
    school_prefix = reverse("strikes:public-day-school", args=[day.pk, 0])[:-2]
    placeholder = "x" * 16  # a token of the shape the URL accepts (kernel.urls)
    rota_prefix = reverse("strikes:line-public", args=[placeholder])[: -len(placeholder) - 1]
    support = reverse("strikes:support-send", args=[day.dispute_id]) + f"?day={day.pk}&school="
    for school in schools.values():
        school.url = f"{school_prefix}{school.school_id}/"
        school.support_url = f"{support}{school.school_id}"
    lines = list(
        PicketLine.objects.filter(strike_day=day, school_id__in=list(schools))
        .annotate(
            starts=Min("shifts__starts_at", filter=Q(shifts__cancelled_at__isnull=True)),
            ends=Max("shifts__ends_at", filter=Q(shifts__cancelled_at__isnull=True)),
        )
        .select_related("entrance__site")
        .order_by("entrance__site__name", "-entrance__is_main", "entrance__name")
    )
    for line in lines:
        schools[line.school_id].lines.append(
            PublicLine(
                entrance=line.entrance.name,
                site=line.entrance.site.name,
                token=line.public_token,
                url=f"{rota_prefix}{line.public_token}/",
                starts=line.starts,
                ends=line.ends,
                pickets=line.pickets_signed_up if show_counts else None,
                supporters=line.supporters_signed_up if show_counts else None,
            )
        )
    return list(schools.values())


def public_rallies(*, day: StrikeDay, district_id: int | None = None) -> QuerySet[Rally]:
    """The day's rallies and marches (near a district when one is given)."""
    qs = Rally.objects.filter(strike_day=day).select_related("region", "district")
    if district_id is not None:
        district = District.objects.filter(pk=district_id).only("region_id").first()
        region_id = district.region_id if district else None
        qs = qs.filter(
            Q(district_id=district_id)
            | Q(district__isnull=True, region_id=region_id)
            | Q(district__isnull=True, region__isnull=True)
        )
    return qs.order_by("starts_at", "pk")


def public_messages(
    *,
    dispute: Dispute,
    strike_day: StrikeDay | None = None,
    school: School | None = None,
    limit: int = MESSAGES_SHOWN,
) -> list[SupportMessage]:
    """Published messages (approved and the sender agreed to show them), newest first: to the
    school that day, or to the day and the dispute as a whole. Sender's name and words only."""
    qs = SupportMessage.objects.filter(
        dispute=dispute, status=SupportMessage.Status.APPROVED, consent_to_show=True
    )
    if school is not None:
        qs = qs.filter(school=school, strike_day=strike_day)
    elif strike_day is not None:
        qs = qs.filter(Q(strike_day=strike_day) | Q(strike_day__isnull=True, school__isnull=True))
    else:
        qs = qs.filter(school__isnull=True)
    return list(
        qs.only("sender", "body", "created_at", "school_id").order_by("-created_at")[:limit]
    )


def public_map_data(*, day: StrikeDay) -> dict[str, Any]:
    """Every school out that day as a point: "line" when a picket line with a shift stands
    there, "out" otherwise (two queries)."""
    with_line = set(
        Shift.objects.filter(picket_line__strike_day=day, cancelled_at__isnull=True)
        .values_list("picket_line__school_id", flat=True)
        .order_by()  # no default ordering: DISTINCT on the school alone
        .distinct()
    )
    rows = CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True).values_list(
        "school_id", "school__latitude", "school__longitude", "school__name"
    )
    url = reverse("strikes:public-day-school", args=[day.pk, 0])[:-2] + "{id}/"
    return map_points_encode(
        ((sid, lat, lng, 0 if sid in with_line else 1, name) for sid, lat, lng, name in rows),
        statuses=PUBLIC_MAP_STATUSES,
        url=url,
    )


# --- Joint days ------------------------------------------------------------------------------


@dataclass
class JointDay:
    union: str
    day_id: int
    schools: int
    where: str  # "in this district", "in these districts", "at this school"


def joint_days(
    *,
    day: StrikeDay,
    district_ids: list[int] | None = None,
    region_id: int | None = None,
    school_id: int | None = None,
) -> list[JointDay]:
    """Other unions out on the same date in the same places, from their published day pages
    only: how many of their published schools stand in our districts (or at our school).

    ``district_ids=None`` means every district this day calls out (in ``region_id`` when
    given). One query when no other union has published a day on that date, else three."""
    others = StrikeDay.objects.filter(
        date=day.date,
        status=StrikeDay.Status.ANNOUNCED,
        public_page__published_at__isnull=False,
    ).exclude(dispute__union_id=day.dispute.union_id)
    other_ids = list(others.values_list("pk", flat=True))
    if not other_ids:  # the usual case: no other union has published a day on this date
        return []
    called = CalledOutSchool.objects.filter(strike_day_id__in=other_ids, cancelled_at__isnull=True)
    if school_id is not None:
        called = called.filter(school_id=school_id)
        where = "at this school"
    else:
        if district_ids is None:
            ours = CalledOutSchool.objects.filter(strike_day=day, cancelled_at__isnull=True)
            if region_id is not None:
                ours = ours.filter(region_id=region_id)
            district_ids = list(ours.values_list("district_id", flat=True).distinct())
        called = called.filter(district_id__in=district_ids)
        if len(district_ids) == 1:
            where = "in this district"
        elif region_id is not None:
            where = "in this region's districts on strike"
        else:
            where = "in the districts on strike"
    rows = (
        called.values("strike_day_id", "strike_day__dispute__union__short_name")
        .annotate(n=Count("pk"))
        .order_by("strike_day__dispute__union__short_name", "strike_day_id")
    )
    return [
        JointDay(
            union=r["strike_day__dispute__union__short_name"],
            day_id=r["strike_day_id"],
            schools=r["n"],
            where=where,
        )
        for r in rows
    ]


# --- The shared cache of rendered public pages ---------------------------------------------

PUBLIC_VERSION_KEY = "public-pages:version"


def public_cache_key(full_path: str) -> str:
    """The cache key of a rendered public page: its address, under the current version (which
    ``strikes.services.public`` moves on at every publish, unpublish and moderation)."""
    version = cache.get(PUBLIC_VERSION_KEY)
    if version is None:
        cache.add(PUBLIC_VERSION_KEY, 1, None)
        version = cache.get(PUBLIC_VERSION_KEY) or 1
    digest = hashlib.sha1(full_path.encode(), usedforsecurity=False).hexdigest()
    return f"public-pages:{version}:{digest}"


# --- For the union's own people --------------------------------------------------------------


def support_message_target(request: HttpRequest, *, message_id: int, **_: Any) -> Target:
    """A message of support for ``members.access.requires``: its school (or, for a message to
    the whole dispute, anywhere in the union). A message that does not exist is a 404."""
    message = (
        SupportMessage.objects.select_related("dispute__union", "school__district__region")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Refused("No such message.", hide=True)
    place = message.school if message.school_id is not None else ANYWHERE
    return Target(place=place, union=message.dispute.union, obj=message)


def support_queue_for_viewer(*, viewer: Viewer) -> QuerySet[SupportMessage]:
    """Messages waiting for this viewer: to schools they run lines at (rep, district officer),
    and, for officers, to their unions' disputes as a whole."""
    q = Q(pk__in=[])
    for union_id in viewer.union_ids:
        area = viewer.area_q(Action.RUN_LINE, union=union_id)
        assert area is not None
        q |= Q(dispute__union_id=union_id, school__isnull=False) & area
        if viewer.roles_in(union_id, OFFICER_KINDS):
            q |= Q(dispute__union_id=union_id, school__isnull=True)
    return (
        SupportMessage.objects.filter(q, status=SupportMessage.Status.PENDING)
        .select_related("dispute__union", "strike_day", "school")
        .order_by("created_at", "pk")
    )


def support_for_rep_day(*, strike_day: StrikeDay, school: School) -> list[SupportMessage]:
    """Approved messages for the rep's strike-morning page: to this school that day, and to the
    day or dispute as a whole (read aloud on the line; consent to publish is not needed)."""
    return list(
        SupportMessage.objects.filter(
            Q(school=school, strike_day=strike_day)
            | Q(school__isnull=True, strike_day=strike_day)
            | Q(school__isnull=True, strike_day__isnull=True, dispute_id=strike_day.dispute_id),
            dispute_id=strike_day.dispute_id,
            status=SupportMessage.Status.APPROVED,
        )
        .only("sender", "body", "created_at", "school_id")
        .order_by("-created_at")[:50]
    )


def public_page_for(
    *, strike_day: StrikeDay | None = None, dispute: Dispute | None = None
) -> PublicPage | None:
    """The page row (published or not) for the organisers' planning pages."""
    if strike_day is not None:
        return PublicPage.objects.filter(strike_day=strike_day).first()
    return PublicPage.objects.filter(dispute=dispute).first()


def public_school_get(*, school_id: int) -> School | None:
    """A school by id, with its district (for the support form's heading: public facts only)."""
    return School.objects.select_related("district").filter(pk=school_id).first()
