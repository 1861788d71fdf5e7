"""Find schools by what people know of them: name, town, postcode or URN.

Places only (no people): the callers scope the results to the asker's area."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from schools.models import School

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9]?[A-Z]{0,2}$")
MAX_QUERY = 100


def schools_matching(query: str, *, within: Q | None = None, limit: int = 20) -> list[School]:
    """Schools whose URN, name, town or postcode match ``query``, best first: the URN itself,
    names starting with it, then names, towns and postcodes containing it."""
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
    rank = Case(
        When(name__iexact=text, then=Value(0)),
        When(name__istartswith=text, then=Value(1)),
        When(name__icontains=text, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(qs.filter(match).annotate(rank=rank).order_by("rank", "name", "urn")[:limit])


def school_label(school: School) -> str:
    """'Oaks Park High School, Ilford IG2 7PQ (URN 102345)'."""
    where = " ".join(p for p in (school.town, school.postcode) if p)
    return f"{school.name}{', ' + where if where else ''} (URN {school.urn})"
