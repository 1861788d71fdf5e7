"""Turnout tracking pages: "I've voted" (own page and the signed link), the rep's chase list and
marks, turnout boards union → nation → region → district → school, official results, and
starting to track a ballot.

Who sees what: a member their own mark; a school's rep (and the district officer over it) the
names and contacts of that school's electorate; officers the boards of their area (counts only);
a national organiser starts tracking and enters the scrutineer's figures. Nobody outside the
ballot's union sees anything (404).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kernel.audit import contact_details_viewed
from kernel.errors import DomainError, Refused
from kernel.ratelimit import public_link
from members.access import IN_UNION, refusal, requires, signed_in, token_access
from members.models import Role
from members.permissions import ALLOWED_KINDS, Action, Viewer
from schools.models import District, Nation, Region, School
from strikes.models import Ballot
from strikes.models.turnout import Elector, TrackedBallot
from strikes.selectors import turnout as sel
from strikes.services import turnout as svc

STAFF_GROUPS = [("teacher", "Teachers"), ("leader", "Heads and leaders"), ("support", "Support")]


# --- Forms ----------------------------------------------------------------------------------


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=Elector.Status.choices)
    reason = forms.ChoiceField(
        required=False, choices=[c for c in Elector.Reason.choices if c[0]] + [("", "—")]
    )


class SelfMarkForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Elector.Status.VOTED, "Voted"), (Elector.Status.NOT_YET, "Not yet")]
    )


BOARD_ROWS = 100  # places shown before "show all": the top of the list is what needs work


class BoardForm(forms.Form):
    all = forms.BooleanField(required=False)
    nation = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    region = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    district = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    school = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class OfficialForm(forms.Form):
    urn = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=99_999_999,
        label="School URN (per-unit ballots; empty for the whole ballot)",
    )
    electorate = forms.IntegerField(min_value=0, max_value=10_000_000, label="Electorate")
    votes_cast = forms.IntegerField(min_value=0, max_value=10_000_000, label="Votes cast")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("votes_cast") is not None
            and data.get("electorate") is not None
            and data["votes_cast"] > data["electorate"]
        ):
            self.add_error("votes_cast", "More votes than people entitled to vote: check them.")
        return data


class TrackForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=TrackedBallot.Kind.choices)
    ballot = forms.ModelChoiceField(
        queryset=Ballot.objects.none(),
        required=False,
        help_text="For an industrial-action ballot: its constituency is used when you leave "
        "nations and staff groups empty.",
    )
    opens_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    nations = forms.ModelMultipleChoiceField(
        queryset=Nation.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    staff_groups = forms.MultipleChoiceField(
        choices=STAFF_GROUPS, required=False, widget=forms.CheckboxSelectMultiple
    )
    target_pct = forms.DecimalField(
        min_value=1, max_value=100, decimal_places=2, initial=60, label="Target turnout (%)"
    )

    def __init__(self, *args: Any, union_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ballot"].queryset = Ballot.objects.filter(
            dispute__union_id=union_id
        ).select_related("dispute")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The ballot must close on or after the day it opens.")
        return data


# --- Helpers --------------------------------------------------------------------------------


def _tracked_for(viewer: Viewer, tracked_ballot_id: int) -> TrackedBallot:
    """The tracked ballot, or 404 for anyone outside its union."""
    tracked = get_object_or_404(TrackedBallot.objects.select_related("union"), pk=tracked_ballot_id)
    if tracked.union_id not in viewer.union_ids:
        raise Http404("No such ballot.")
    return tracked


def _place_from(data: dict[str, Any]) -> School | District | Region | Nation | None:
    if data.get("school"):
        return get_object_or_404(
            School.objects.select_related("district__region__nation"), pk=data["school"]
        )
    if data.get("district"):
        return get_object_or_404(
            District.objects.select_related("region__nation"), pk=data["district"]
        )
    if data.get("region"):
        return get_object_or_404(Region.objects.select_related("nation"), pk=data["region"])
    if data.get("nation"):
        return get_object_or_404(Nation, pk=data["nation"])
    return None


def _place_query(place: Any) -> str:
    if place is None:
        return ""
    key = {School: "school", District: "district", Region: "region"}.get(type(place), "nation")
    return f"?{key}={place.pk}"


# --- Members --------------------------------------------------------------------------------


@signed_in
def turnout_home(request: HttpRequest) -> HttpResponse:
    """The ballots a person votes in (with "I've voted") or helps run (links to boards)."""
    viewer = request.viewer
    ballots = list(sel.tracked_ballots_for_viewer(viewer=viewer))
    member_ids = [m.pk for m in viewer.memberships]
    mine = {
        e.tracked_ballot_id: e
        for e in Elector.objects.filter(
            tracked_ballot__in=ballots, membership_id__in=member_ids
        ).select_related("school")
    }
    items = []
    for tracked in ballots:
        roles = viewer.roles_in(tracked.union_id, ALLOWED_KINDS[Action.VIEW_DASHBOARD])
        items.append(
            {
                "tracked": tracked,
                "elector": mine.get(tracked.pk),
                "board": bool(roles),
                "rep_schools": [r.school for r in roles if r.kind == Role.Kind.REP],
            }
        )
    can_track = any(r.kind == Role.Kind.NATIONAL_ORGANISER for r in viewer.roles)
    return render(
        request,
        "strikes/turnout/home.html",
        {"items": items, "can_track": can_track, "today": timezone.localdate()},
    )


@signed_in
@require_POST
def turnout_me(request: HttpRequest, tracked_ballot_id: int) -> HttpResponse:
    """A member's own "I've voted" (or "not yet", to undo a slip)."""
    viewer = request.viewer
    tracked = _tracked_for(viewer, tracked_ballot_id)
    elector = sel.elector_for_viewer(tracked_ballot=tracked, viewer=viewer)
    if elector is None:
        raise Refused(
            "You are not on this ballot's list of members entitled to vote.",
            next_step="If you should be, ask your workplace rep to check your membership record.",
        )
    form = SelfMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose “I've voted” or “Not yet”.")
        return redirect("strikes:turnout-home")
    try:
        svc.elector_mark(
            elector_id=elector.pk,
            status=form.cleaned_data["status"],
            acting_user=request.user,
            by_self=True,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("strikes:turnout-home")
    if form.cleaned_data["status"] == Elector.Status.VOTED:
        messages.success(request, "Thank you for voting. Your rep will not chase you.")
    else:
        messages.success(request, "Noted: not voted yet.")
    return redirect("strikes:turnout-home")


@token_access()  # the view reads and checks the signed token itself
@never_cache
@public_link()  # a secret link: reads and the POST count against the public limits
def turnout_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a ballot reminder: works without signing in, marks only on a POST (so a mail
    scanner following links marks nothing), never asks how anyone voted."""
    try:
        elector_id = svc.turnout_link_read(token)
    except svc.LinkExpired:
        return _link_problem(
            request,
            "Voting has closed",
            "This ballot has closed, so there is nothing to mark.",
            410,
        )
    except signing.BadSignature:
        return _link_problem(
            request,
            "This link does not work",
            "It may have been cut short when it was copied. Sign in and open “Ballots” to say "
            "you have voted.",
            400,
        )
    elector = (
        Elector.objects.select_related("tracked_ballot", "membership__user")
        .filter(pk=elector_id, membership__isnull=False)
        .first()
    )
    if elector is None:
        return _link_problem(
            request, "We could not find you", "Ask your rep to mark you as voted.", 404
        )
    context = {"elector": elector, "tracked": elector.tracked_ballot, "token": token}
    if request.method == "POST":
        try:
            elector, _ = svc.elector_mark(
                elector_id=elector.pk,
                status=Elector.Status.VOTED,
                acting_user=elector.membership.user,
                by_self=True,
            )
        except DomainError as exc:
            return _link_problem(request, "That did not work", exc.message, 409)
        context["elector"] = elector
        context["done"] = True
    return render(request, "strikes/turnout/link.html", context)


def _link_problem(request: HttpRequest, title: str, text: str, status: int) -> HttpResponse:
    return render(
        request,
        "strikes/notifications/link_problem.html",
        {"title": title, "text": text},
        status=status,
    )


# --- Reps: the school's list, marks and chase -----------------------------------------------


ROSTER_ONLY = (
    "Only the school's workplace rep and its district officer see who has voted there.",
    "If you are the rep, ask your district office to add your rep role.",
)


@requires(
    Action.VIEW_ROSTER,
    place=sel.tracked_school,
    gate=True,
    reveal=IN_UNION,
    message=ROSTER_ONLY[0],
    next_step=ROSTER_ONLY[1],
)
def turnout_school(request: HttpRequest, tracked_ballot_id: int, school_id: int) -> HttpResponse:
    """A school's electorate for its rep: not yet voted first, with preferred contact (each view
    logged), then voted and excluded; mark buttons; "message everyone not yet voted"."""
    tracked, school = request.target.obj
    return _school_page(request, tracked, school)


def _school_page(
    request: HttpRequest, tracked: TrackedBallot, school: School, status: int = 200
) -> HttpResponse:
    electors = sel.school_electors(tracked_ballot=tracked, school=school)
    not_yet = [e for e in electors if e.status == Elector.Status.NOT_YET]
    done = [e for e in electors if e.status != Elector.Status.NOT_YET]
    board = sel.turnout_board(tracked_ballot=tracked, viewer=request.viewer, place=school)
    contact_details_viewed(actor=request.user, page="strikes:turnout-school", count=len(not_yet))
    template = "strikes/turnout/school.html"
    if request.htmx:
        template += "#school-electors"
    return render(
        request,
        template,
        {
            "tracked": tracked,
            "school": school,
            "not_yet": not_yet,
            "done": done,
            "figures": board.figures,
            "reasons": [c for c in Elector.Reason.choices if c[0]],
            "open": tracked.is_open and tracked.marks_deleted_at is None,
        },
        status=status,
    )


@requires(
    Action.VIEW_ROSTER,
    place=sel.tracked_elector,
    gate=True,
    reveal=IN_UNION,
    message=ROSTER_ONLY[0],
    next_step=ROSTER_ONLY[1],
)
@require_POST
def turnout_mark(request: HttpRequest, tracked_ballot_id: int, elector_id: int) -> HttpResponse:
    elector = request.target.obj
    tracked, school = elector.tracked_ballot, elector.school
    form = MarkForm(request.POST)
    status = 200
    if not form.is_valid():
        messages.error(request, "Choose voted, not yet, or excluded with a reason.")
        status = 400
    else:
        try:
            svc.elector_mark(
                elector_id=elector.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data.get("reason") or "",
                acting_user=request.user,
                by_self=False,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 409
    if request.htmx:
        return _school_page(request, tracked, school, status=status)
    return redirect("strikes:turnout-school", tracked.pk, school.pk)


@requires(
    Action.VIEW_ROSTER,
    place=sel.tracked_school,
    gate=True,
    reveal=IN_UNION,
    message=ROSTER_ONLY[0],
    next_step=ROSTER_ONLY[1],
)
@require_POST
def turnout_chase(request: HttpRequest, tracked_ballot_id: int, school_id: int) -> HttpResponse:
    tracked, school = request.target.obj
    try:
        queued = svc.turnout_chase_send(
            tracked_ballot=tracked, school=school, acting_user=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if queued:
            messages.success(
                request,
                f"{queued} message{'s' if queued != 1 else ''} queued, each with a one-tap "
                "“I've voted” link.",
            )
        else:
            messages.info(
                request,
                "Nobody new to message: everyone not yet voted already had today's message "
                "(or takes no reminders).",
            )
    return redirect("strikes:turnout-school", tracked.pk, school.pk)


# --- Boards ---------------------------------------------------------------------------------


def board_area(request: HttpRequest, *, tracked_ballot_id: int, **_: Any) -> Any:
    """The board's place from the querystring (none: the viewer's own place, or the union)."""
    from members.access import Target

    tracked = sel._tracked(tracked_ballot_id)
    form = BoardForm(request.GET)
    if not form.is_valid():
        raise Refused("No such place.", hide=True)
    place = _place_from(form.cleaned_data)
    places_asked = any(form.cleaned_data.get(k) for k in ("nation", "region", "district", "school"))
    if place is None and not places_asked:
        place = sel.board_default_place(request.viewer, tracked.union_id)
    return Target(place=place, union=tracked.union, obj=(tracked, form))


@requires(
    Action.VIEW_DASHBOARD,
    place=board_area,
    gate=True,
    reveal=IN_UNION,
    message="Turnout boards are for workplace reps and union officers, each for their own area.",
)
def turnout_board(request: HttpRequest, tracked_ballot_id: int) -> HttpResponse:
    viewer = request.viewer
    tracked, form = request.target.obj
    place = request.target.place
    board = sel.turnout_board(tracked_ballot=tracked, viewer=viewer, place=place)
    child_param = {"nation": "nation", "region": "region", "district": "district"}.get(
        board.child_level or "", "school"
    )
    may_names = isinstance(place, School) and viewer.may(
        Action.VIEW_ROSTER, place, union=tracked.union_id
    )
    may_names_children = board.child_level == "school" and viewer.may(
        Action.VIEW_ROSTER, place, union=tracked.union_id
    )
    is_national = viewer.may(Action.PLAN, None, union=tracked.union_id)
    base = reverse("strikes:turnout-board", args=[tracked.pk])
    crumbs = [{"label": str(tracked.union), "url": base if is_national else ""}]
    for p in board.trail:
        url = base + _place_query(p)
        crumbs.append(
            {
                "label": p.name,
                "url": url if viewer.may(Action.VIEW_DASHBOARD, p, union=tracked.union_id) else "",
            }
        )
    template = "strikes/turnout/board.html"
    if request.htmx:
        template += "#turnout-board"
    return render(
        request,
        template,
        {
            "tracked": tracked,
            "board": board,
            "child_param": child_param,
            "may_names": may_names,
            "may_names_children": may_names_children,
            "is_national": is_national,
            "crumbs": crumbs,
            "rows": board.rows if form.cleaned_data["all"] else board.rows[:BOARD_ROWS],
            "all_url": f"{base}{_place_query(place) or '?'}&all=1".replace("?&", "?"),
            "today": timezone.localdate(),
            "trend_max": max((t.cumulative for t in board.trend), default=0),
        },
    )


# --- National: official figures and tracking ------------------------------------------------


@requires(
    Action.PLAN,
    place=sel.tracked_union,
    gate=True,
    reveal=IN_UNION,
    message="The scrutineer's figures are entered by a national organiser.",
)
def turnout_official(request: HttpRequest, tracked_ballot_id: int) -> HttpResponse:
    tracked = request.target.obj
    form = OfficialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = None
        urn = form.cleaned_data.get("urn")
        if urn:
            school = School.objects.filter(urn=urn).first()
            if school is None:
                form.add_error("urn", "No school has that URN: check the scrutineer's list.")
        if not form.errors:
            try:
                svc.turnout_official_record(
                    tracked_ballot=tracked,
                    school=school,
                    electorate=form.cleaned_data["electorate"],
                    votes_cast=form.cleaned_data["votes_cast"],
                    acting_user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Official figures saved.")
                return redirect("strikes:turnout-official", tracked.pk)
    officials = tracked.officials.select_related("school").order_by("school__name")
    return render(
        request,
        "strikes/turnout/official.html",
        {"tracked": tracked, "form": form, "officials": officials},
        status=400 if request.method == "POST" else 200,
    )


@requires(Action.PLAN, message="A national organiser starts tracking a ballot.")
def turnout_new(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    roles = [r for r in viewer.roles if r.kind == Role.Kind.NATIONAL_ORGANISER]
    if not roles:
        raise refusal(Action.PLAN, message="A national organiser starts tracking a ballot.")
    union = roles[0].union
    form = TrackForm(request.POST or None, union_id=union.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tracked = svc.tracked_ballot_create(
                union=union,
                title=data["title"],
                kind=data["kind"],
                ballot=data.get("ballot"),
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                nations=data.get("nations") or [],
                staff_groups=data.get("staff_groups") or [],
                target_pct=data["target_pct"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Tracking {tracked.title}.")
            return redirect(reverse("strikes:turnout-board", args=[tracked.pk]))
    return render(
        request,
        "strikes/turnout/new.html",
        {"form": form, "union": union},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("turnout/", turnout_home, name="turnout-home"),
    path("turnout/new/", turnout_new, name="turnout-new"),
    path("turnout/v/<str:token>/", turnout_link, name="turnout-link"),
    path("turnout/<int:tracked_ballot_id>/me/", turnout_me, name="turnout-me"),
    path("turnout/<int:tracked_ballot_id>/board/", turnout_board, name="turnout-board"),
    path("turnout/<int:tracked_ballot_id>/official/", turnout_official, name="turnout-official"),
    path(
        "turnout/<int:tracked_ballot_id>/school/<int:school_id>/",
        turnout_school,
        name="turnout-school",
    ),
    path(
        "turnout/<int:tracked_ballot_id>/school/<int:school_id>/message/",
        turnout_chase,
        name="turnout-chase",
    ),
    path(
        "turnout/<int:tracked_ballot_id>/electors/<int:elector_id>/mark/",
        turnout_mark,
        name="turnout-mark",
    ),
]
