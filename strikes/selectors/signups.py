"""Reads for the sign-up pages, scoped to the person asking. Fixed query counts: the pages load
days, lines, shifts and the person's own signups in one query each, whatever their number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from kernel.errors import Refused
from kernel.forms import parse_id
from members.models import Role, Supporter, User
from members.permissions import Action, may, viewer_for
from schools.models import School
from strikes.models import CalledOutSchool, PicketLine, Rally, Shift, Signup, StrikeDay
from strikes.selectors.callout import CallOut, CallOutReasons

ACTIVE = (
    Signup.Status.REGISTERED,
    Signup.Status.CONFIRMED,
    Signup.Status.WAITLISTED,
    Signup.Status.ARRIVED,
)


@dataclass
class ShiftCard:
    """One shift as the member sees it: counts, their own signup, and what they may do."""

    shift: Shift
    my_signup: Signup | None
    can_sign_up: bool = False
    can_cancel: bool = False
    reason: str = ""

    @property
    def joins_waitlist(self) -> bool:
        return self.shift.is_full

    @property
    def wanted_more(self) -> int:
        return max(self.shift.minimum_wanted - self.shift.booked, 0)


@dataclass
class LineView:
    """A line and, when expanded, its shift cards; folded lines carry only their summary (the
    page loads their shifts when opened), so a school with a thousand shifts stays readable."""

    line: PicketLine
    cards: list[ShiftCard] = field(default_factory=list)
    expanded: bool = True
    shift_count: int = 0
    places_free: int = 0
    shifts_short: int = 0
    mine: bool = False


@dataclass
class DayView:
    day: StrikeDay
    called_out: CalledOutSchool
    lines: list[LineView] = field(default_factory=list)
    rallies: list[Rally] = field(default_factory=list)
    call_out: CallOut | None = None
    # The member's own staff group when this is their workplace; None for an official.
    my_staff_group: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.day.is_cancelled or self.called_out.cancelled_at is not None

    @property
    def not_called_out_text(self) -> str:
        """Why the member may not sign up here ('' when their group is called out)."""
        if self.my_staff_group is None or self.call_out is None:
            return ""
        if self.call_out.member_is_out(self.my_staff_group):
            return ""
        return self.call_out.member_text(self.my_staff_group)


def shift_card_build(
    shift: Shift,
    my_signup: Signup | None,
    *,
    allowed: bool,
    day_cancelled: bool,
    now: datetime,
    not_called_out: str = "",
) -> ShiftCard:
    started = shift.starts_at <= now
    card = ShiftCard(shift=shift, my_signup=my_signup)
    if my_signup is not None and my_signup.status in ACTIVE:
        card.can_cancel = not started and not day_cancelled
        if started:
            card.reason = "This shift has started, so it can't be cancelled here."
        return card
    card.my_signup = None
    if not allowed:
        card.reason = "This is not your school's picket line."
    elif not_called_out:
        card.reason = not_called_out
    elif day_cancelled:
        card.reason = "The strike day has been called off at this school."
    elif shift.cancelled_at is not None:
        card.reason = "Your rep has cancelled this shift."
    elif started:
        card.reason = "This shift has already started."
    else:
        card.can_sign_up = True
    return card


def _member_pairs(user: Any) -> set[tuple[int, int]]:
    """(union id, school id) for each school whose lines the person joins: their workplace,
    the school they are rep for, and any school where an official has signed up (one query)."""
    viewer = viewer_for(user)
    pairs = {
        (m.union_id, m.workplace_id) for m in viewer.memberships if m.is_active and m.workplace_id
    }
    pairs |= {(r.union_id, r.school_id) for r in viewer.roles if r.kind == Role.Kind.REP}
    if viewer.roles:
        pairs |= set(
            Signup.objects.filter(
                user_id=user.pk,
                status__in=ACTIVE,
                shift__picket_line__strike_day__date__gte=timezone.localdate(),
            )
            .values_list(
                "shift__picket_line__strike_day__dispute__union_id",
                "shift__picket_line__school_id",
            )
            .distinct()
        )
    return pairs


def school_pairs_for_official(*, user: Any, school: School) -> set[tuple[int, int]]:
    """(union id, school id) for each of the person's unions in which they may join the
    school's lines (a rep or an officer whose place covers it); empty when none."""
    viewer = viewer_for(user)
    return {
        (union_id, school.pk)
        for union_id in viewer.union_ids
        if viewer.may(Action.SIGN_UP, school, union=union_id)
    }


#: A day whose school has at most this many shifts shows them all; above it, the page opens the
#: lines the person is on (or the first line) and folds the others into one summary each.
INLINE_SHIFTS = 60


def strike_days_for_member(
    *, user: Any, school: School | None = None, open_line_id: int | None = None
) -> list[DayView]:
    """Upcoming strike days that call out the person's own school (and any school they join as
    an official), with lines and shifts; or only ``school``'s when given (an official joining
    a line they represent; the caller checked ``school_pairs_for_official``).

    Lines are grouped by entrance. When a school's day has more than ``INLINE_SHIFTS`` shifts,
    only the lines the person is signed up on (else the first), and ``open_line_id``, carry
    their shift cards; the others carry a summary. Five queries, whatever the numbers.
    """
    if school is not None:
        pairs = school_pairs_for_official(user=user, school=school)
    else:
        pairs = _member_pairs(user)
    if not pairs:
        return []
    scope = Q(pk__in=[])
    for union_id, school_id in pairs:
        scope |= Q(school_id=school_id, strike_day__dispute__union_id=union_id)
    called = list(
        CalledOutSchool.objects.filter(scope, strike_day__date__gte=timezone.localdate())
        .select_related("strike_day__dispute", "school__district__region__nation")
        .order_by("strike_day__date", "strike_day_id", "school__name")
    )
    if not called:
        return []
    days = [DayView(day=c.strike_day, called_out=c) for c in called]
    _attach_call_outs(user, days, as_official=school is not None)
    by_key = {(c.strike_day_id, c.school_id): view for c, view in zip(called, days, strict=True)}
    live = Q(shifts__cancelled_at__isnull=True)
    lines = list(
        PicketLine.objects.filter(
            strike_day_id__in={c.strike_day_id for c in called},
            school_id__in={c.school_id for c in called},
        )
        .select_related("entrance__site")
        .annotate(
            n_shifts=Count("shifts", filter=live),
            n_free=Sum(F("shifts__capacity") - F("shifts__booked"), filter=live),
            n_short=Count(
                "shifts", filter=live & Q(shifts__booked__lt=F("shifts__minimum_wanted"))
            ),
            n_mine=Exists(
                Signup.objects.filter(
                    shift__picket_line=OuterRef("pk"), user_id=user.pk, status__in=ACTIVE
                )
            ),
        )
        .order_by("-entrance__site__is_main", "entrance__site__name", "-entrance__is_main", "pk")
    )
    _attach_rallies(called, days)
    per_view: dict[tuple[int, int], list[LineView]] = {}
    for line in lines:
        key = (line.strike_day_id, line.school_id)
        if key not in by_key:
            continue
        per_view.setdefault(key, []).append(
            LineView(
                line=line,
                expanded=False,
                shift_count=line.n_shifts,
                places_free=line.n_free or 0,
                shifts_short=line.n_short,
                mine=line.n_mine,
            )
        )
    opened: list[LineView] = []
    for key, views in per_view.items():
        if sum(v.shift_count for v in views) <= INLINE_SHIFTS:
            chosen = views
        else:
            chosen = [v for v in views if v.mine or v.line.pk == open_line_id] or views[:1]
        for v in chosen:
            v.expanded = True
        opened += chosen
        by_key[key].lines = views
    _attach_cards(opened, user=user, views=by_key)
    return days


def _attach_cards(
    line_views: list[LineView], *, user: Any, views: dict[tuple[int, int], DayView]
) -> None:
    """The shift cards of the opened lines: their shifts and the person's own signups (two
    queries)."""
    if not line_views:
        return
    by_line = {lv.line.pk: lv for lv in line_views}
    shifts = list(
        Shift.objects.filter(picket_line_id__in=by_line)
        .order_by("starts_at", "id")
        .prefetch_related(
            Prefetch("signups", queryset=Signup.objects.filter(user_id=user.pk), to_attr="mine")
        )
    )
    now = timezone.now()
    for shift in shifts:
        line_view = by_line[shift.picket_line_id]
        shift.picket_line = line_view.line
        day = views[(line_view.line.strike_day_id, line_view.line.school_id)]
        mine = shift.mine[0] if shift.mine else None
        line_view.cards.append(
            shift_card_build(
                shift,
                mine,
                allowed=True,
                day_cancelled=day.cancelled,
                now=now,
                not_called_out=(
                    "Your staff group is not called out here on this day (see above)."
                    if day.not_called_out_text
                    else ""
                ),
            )
        )


def _attach_call_outs(user: Any, days: list[DayView], *, as_official: bool) -> None:
    """Who is called out at each school, and the member's own group where it is their workplace
    (an official joining a line they represent is not asked for one)."""
    viewer = viewer_for(user)
    groups = {
        (m.union_id, m.workplace_id): m.staff_group
        for m in viewer.memberships
        if m.is_active and m.workplace_id
    }
    reasons: dict[int, CallOutReasons] = {}
    for view in days:
        dispute = view.day.dispute
        finder = reasons.setdefault(dispute.pk, CallOutReasons(dispute))
        view.call_out = finder.for_row(view.called_out)
        if not as_official:
            view.my_staff_group = groups.get((dispute.union_id, view.called_out.school_id))


def line_for_member(*, user: Any, line_id: int, school: School | None = None) -> LineView | None:
    """One line of the person's strike days, opened (for the page's folded lines); None when
    the line is not one of theirs."""
    for day in strike_days_for_member(user=user, school=school, open_line_id=line_id):
        for line_view in day.lines:
            if line_view.line.pk == line_id:
                return line_view
    return None


def _attach_rallies(called: list[CalledOutSchool], days: list[DayView]) -> None:
    """Rallies near each called-out school (national, its region's, its district's): one query."""
    rallies = list(
        Rally.objects.filter(strike_day_id__in={c.strike_day_id for c in called})
        .filter(
            Q(district_id__in={c.district_id for c in called})
            | Q(district__isnull=True, region_id__in={c.region_id for c in called})
            | Q(district__isnull=True, region__isnull=True)
        )
        .order_by("starts_at", "pk")
    )
    for view in days:
        c = view.called_out
        view.rallies = [
            r
            for r in rallies
            if r.strike_day_id == c.strike_day_id
            and (
                r.district_id == c.district_id
                or (r.district_id is None and r.region_id in (None, c.region_id))
            )
        ]


def shift_for_member(*, shift_id: int, user: Any) -> Shift | None:
    """The shift, if the person may sign up on its line; None otherwise (the view 404s)."""
    shift = (
        Shift.objects.select_related(
            "picket_line__strike_day__dispute",
            "picket_line__school__district__region",
            "picket_line__entrance__site",
        )
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        return None
    line = shift.picket_line
    if not may(user, Action.SIGN_UP, line.school, union=line.strike_day.dispute.union_id):
        return None
    return shift


def shift_card_for_member(
    *, shift_id: int, user: Any, shift: Shift | None = None, signup: Signup | None = None
) -> ShiftCard | None:
    """The shift's card for this person, or None if they may not sign up on its line.

    ``shift``: the shift as a write just left it, with its line, day, dispute and school up to
    the region loaded (what the signup services return), so it is not read again; with its
    ``called_off`` (the services' lock reads it) and the person's ``signup``, no query at all.
    """
    if shift is None:
        shift = shift_for_member(shift_id=shift_id, user=user)
    elif shift.pk != shift_id or not may(
        user,
        Action.SIGN_UP,
        shift.picket_line.school,
        union=shift.picket_line.strike_day.dispute.union_id,
    ):
        shift = None
    if shift is None:
        return None
    line = shift.picket_line
    called_off = getattr(shift, "called_off", None)
    if called_off is None:
        called_off = CalledOutSchool.objects.filter(
            strike_day_id=line.strike_day_id, school_id=line.school_id, cancelled_at__isnull=False
        ).exists()
    day_cancelled = line.strike_day.is_cancelled or called_off
    if signup is not None and (signup.shift_id != shift.pk or signup.user_id != user.pk):
        signup = None
    mine = signup or Signup.objects.filter(shift=shift, user_id=user.pk).first()
    return shift_card_build(
        shift, mine, allowed=True, day_cancelled=day_cancelled, now=timezone.now()
    )


def signups_for_user(*, user: Any, since: datetime | None = None) -> QuerySet[Signup]:
    """The person's own active signups ending after ``since`` (default: now), soonest first."""
    since = since or timezone.now()
    return (
        Signup.objects.filter(user_id=user.pk, status__in=ACTIVE, shift__ends_at__gte=since)
        .select_related(
            "shift__picket_line__school",
            "shift__picket_line__entrance__site",
            "shift__picket_line__strike_day",
        )
        .order_by("shift__starts_at", "id")
    )


def signups_for_feed(*, user: Any) -> QuerySet[Signup]:
    """What the private calendar feed holds: the last month and everything ahead."""
    return signups_for_user(user=user, since=timezone.now() - timedelta(days=31))


def picket_line_public(*, token: str) -> PicketLine | None:
    """A line by its public token, with its shifts and supporter counts (no names)."""
    from django.db.models import Count

    line = (
        PicketLine.objects.select_related("school", "entrance__site", "strike_day")
        .filter(public_token=token)
        .first()
    )
    if line is None:
        return None
    line.shift_list = list(
        Shift.objects.filter(picket_line=line)
        .annotate(
            supporters=Count(
                "signups",
                filter=Q(signups__is_supporter=True, signups__status__in=ACTIVE),
            )
        )
        .order_by("starts_at", "id")
    )
    line.day_cancelled = line.strike_day.is_cancelled or (
        CalledOutSchool.objects.filter(
            strike_day_id=line.strike_day_id, school_id=line.school_id, cancelled_at__isnull=False
        ).exists()
    )
    now = timezone.now()
    line.open_shifts = [s for s in line.shift_list if s.cancelled_at is None and s.starts_at > now]
    return line


def school_for_official(*, user: Any, school_id: str) -> School:
    """A school whose lines the person may join as an official (rep or officer over it);
    a 404 for any other, or for an id that is not one, so a school's days are not given away."""
    school = None
    school_pk = parse_id(school_id)  # ASCII digits only: "²".isdigit() but int() refuses it
    if school_pk is not None:
        school = School.objects.select_related("district__region").filter(pk=school_pk).first()
    if school is None or not school_pairs_for_official(user=user, school=school):
        raise Refused("No such school.", hide=True)
    return school


def own_signup(*, user: Any, signup_id: int) -> Signup:
    """One of the person's own signups, with its line; a 404 for anyone else's."""
    signup = (
        Signup.objects.select_related(
            "shift__picket_line__school",
            "shift__picket_line__entrance__site",
            "shift__picket_line__strike_day",
        )
        .filter(pk=signup_id, user_id=user.pk)
        .first()
    )
    if signup is None:
        raise Refused("No such sign-up.", hide=True)
    return signup


def user_by_calendar_token(token: str) -> User | None:
    """The person whose private calendar feed this is (None for a wrong token)."""
    return User.objects.filter(calendar_token=token, is_active=True).first() if token else None


def signups_for_supporter(*, supporter: Supporter) -> list[Signup]:
    """A supporter's own signups, soonest first (for their private link)."""
    return list(
        Signup.objects.filter(supporter=supporter)
        .select_related(
            "shift__picket_line__school",
            "shift__picket_line__entrance",
            "shift__picket_line__strike_day",
        )
        .order_by("shift__starts_at")
    )
