"""Find schools by what people know of them: name, former name, town, postcode or URN.

Places only (no people): the callers scope the results to the asker's area. On PostgreSQL each
text match uses a trigram index (``schools/migrations/0004_search_indexes.py``): the schools
matching by name, town or postcode and those matching by a former name are found separately
(each from its index) and joined, so a search stays an index lookup on 23,466 schools."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from schools.models import School, SchoolFormerName

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9]?[A-Z]{0,2}$")
MAX_QUERY = 100


def schools_matching(query: str, *, within: Q | None = None, limit: int = 20) -> list[School]:
    """Schools whose URN, name, former name, town or postcode match ``query``, best first: the
    URN itself, names starting with it, names containing it, then former names, towns and
    postcodes. A school found by a former name carries it as ``former_name`` ("formerly X");
    one query."""
    text = " ".join((query or "").split())[:MAX_QUERY]
    if len(text) < 2 and not text.isdigit():
        return []
    qs: QuerySet[School] = School.objects.select_related("district")
    if within is not None:
        qs = qs.filter(within)
    if text.isdigit():
        return list(qs.filter(urn=int(text))[:limit]) if len(text) <= 9 else []
    compact = text.replace(" ", "").upper()
    match = Q(name__icontains=text) | Q(town__icontains=text)
    if POSTCODE.match(text.upper()):
        match |= Q(postcode__istartswith=text) | Q(postcode__iexact=compact)
    former = SchoolFormerName.objects.filter(name__icontains=text)
    ids = (
        School.objects.filter(match)
        .values("pk")
        .order_by()
        .union(former.values("school_id").order_by())
    )
    rank = Case(
        When(name__iexact=text, then=Value(0)),
        When(name__istartswith=text, then=Value(1)),
        When(name__icontains=text, then=Value(2)),
        When(former_name__isnull=False, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return list(
        qs.filter(pk__in=ids)
        .annotate(
            former_name=Subquery(
                former.filter(school_id=OuterRef("pk"))
                .order_by("-changed_on", "name")
                .values("name")[:1]
            )
        )
        .annotate(rank=rank)
        .order_by("rank", "name", "urn")[:limit]
    )


def school_label(school: School) -> str:
    """'Oaks Park High School, Ilford IG2 7PQ (URN 102345)', with 'formerly X' when the school
    was found by a former name."""
    where = " ".join(p for p in (school.town, school.postcode) if p)
    former = getattr(school, "former_name", None)
    was = f", formerly {former}" if former and former != school.name else ""
    return f"{school.name}{was}{', ' + where if where else ''} (URN {school.urn})"
