"""Plan the action: disputes, ballots and their verdicts, strike days, calendars, rallies.

Officers only (district, regional, national), scoped to their union; what they may announce,
cancel or move is decided by the services against their place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kernel.errors import DomainError
from kernel.forms import parse_id
from members.access import public, requires
from members.permissions import Action, Viewer, viewer_for
from strikes.calendar import strike_days_ics
from strikes.forms.planning import (
    AnnounceForm,
    BallotForm,
    BallotUnitForm,
    DisputeForm,
    MoveForm,
    PartForm,
    RallyForm,
)
from strikes.holidays import strike_days_holiday_warnings
from strikes.mandate import long_date
from strikes.models.planning import staff_groups_text
from strikes.selectors import planning as sel
from strikes.selectors import public as public_sel
from strikes.selectors.access import ballot_union, dispute_union, strike_day_union
from strikes.selectors.callout import call_outs_for_day
from strikes.services import planning as svc


# Planning is for officers: anyone else is told so before anything is looked up (403). An
# officer asking for another union's dispute or day gets a 404.
def plans(place: Any = None) -> Any:
    return requires(Action.PLAN, place=place, gate=True)


def _errors_to(form: Any, exc: DomainError) -> None:
    form.add_error(None, exc.message)


# --- Disputes and ballots -----------------------------------------------------------------------


@plans()
def planning_home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    disputes = list(sel.disputes_for_viewer(viewer=viewer))
    return render(request, "strikes/planning/home.html", {"disputes": disputes})


@plans()
def dispute_new(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    unions = [r.union for r in viewer.roles if r.union_id in sel.planning_union_ids(viewer)]
    union = unions[0]
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = svc.dispute_create(
                union=union,
                title=form.cleaned_data["title"],
                place_kind=form.cleaned_data["place_kind"],
                employer_kinds=form.cleaned_data["employer_kinds"],
                staff_groups=form.cleaned_data["staff_groups"],
                scope_note=form.cleaned_data["scope_note"],
                acting_user=request.user,
                **form.places(),
            )
        except DomainError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, "Dispute recorded. Now record its ballot.")
            return redirect("strikes:planning-dispute", dispute.pk)
    return render(request, "strikes/planning/dispute_new.html", {"form": form, "union": union})


def _dispute_context(viewer: Viewer, dispute: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "dispute": dispute,
        "place_text": sel.dispute_place_text(dispute),
        "employers_text": sel.dispute_employers_text(dispute),
        "dispute_groups_text": staff_groups_text(dispute.staff_groups),
        "ballots": sel.ballots_with_verdicts(dispute=dispute, today=today),
        "days": list(sel.strike_days_for_dispute(dispute=dispute, viewer=viewer)),
        "today": today,
        "districts": sel.districts_of_viewer(viewer=viewer),
        **_public_context(dispute=dispute),
    }


@plans(dispute_union)
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    viewer, dispute = request.viewer, request.target.obj
    form = BallotForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ballot = svc.ballot_record(
                    dispute=dispute, acting_user=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                _errors_to(form, exc)
            else:
                messages.success(request, f"Ballot recorded ({ballot.get_kind_display()}).")
                return redirect(reverse("strikes:planning-dispute", args=[dispute.pk]) + "#ballots")
        status = 422 if request.htmx else 200
    context = _dispute_context(viewer, dispute)
    context.update(form=form, unit_form=BallotUnitForm())
    return render(request, "strikes/planning/dispute.html", context, status=status)


@plans(ballot_union)
@require_POST
def ballot_unit(request: HttpRequest, ballot_id: int) -> HttpResponse:
    ballot = request.target.obj
    url = reverse("strikes:planning-dispute", args=[ballot.dispute_id]) + f"#ballot-{ballot.pk}"
    form = BallotUnitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(url)
    try:
        svc.ballot_unit_record(ballot=ballot, acting_user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Unit result saved.")
    return redirect(url)


# --- Strike days --------------------------------------------------------------------------------


@plans(dispute_union)
def announce(request: HttpRequest, dispute_id: int) -> HttpResponse:
    viewer, dispute = request.viewer, request.target.obj
    form = AnnounceForm(request.POST or None, viewer=viewer, union=dispute.union)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = svc.strike_days_announce(
                dispute=dispute,
                dates=form.dates(),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                scope_kind=data["scope_kind"],
                title=data["title"],
                acting_user=request.user,
                notice_given_on=data.get("notice_given_on"),
                **form.places(),
            )
        except DomainError as exc:
            _errors_to(form, exc)
        else:
            # One day: its page, where this leads, shows the school holidays itself.
            single = len(run.days) == 1
            for warning in run.warnings:
                if not (single and warning in run.holiday_warnings):
                    messages.warning(request, warning)
            if len(run.days) == 1:
                day = run.days[0]
                messages.success(
                    request,
                    f"Strike day announced for {long_date(day.date)}: picket lines and shifts "
                    "are ready for reps.",
                )
                return redirect("strikes:planning-day", day.pk)
            listed = ", ".join(f"{d.date:%a} {d.date.day} {d.date:%b}" for d in run.days)
            messages.success(
                request,
                f"{len(run.days)} strike days announced ({listed} {run.days[-1].date:%Y}): "
                "picket lines and shifts are ready for reps.",
            )
            return redirect(reverse("strikes:planning-dispute", args=[dispute.pk]) + "#days-h")
    today = timezone.localdate()
    notice = sel.rules_in_force(today)
    return render(
        request,
        "strikes/planning/announce.html",
        {
            "dispute": dispute,
            "form": form,
            "notice": notice,
            "earliest": today + dt.timedelta(days=notice.notice_days),
        },
    )


def _day_context(viewer: Viewer, day: Any) -> dict[str, Any]:
    union = day.dispute.union
    return {
        "day": day,
        "dispute": day.dispute,
        "areas": sel.strike_day_areas(strike_day=day, viewer=viewer),
        "call_outs": call_outs_for_day(
            strike_day=day, area=viewer.area_q(Action.PLAN, union=union)
        ),
        "rallies": list(sel.rallies_for_viewer(strike_day=day, viewer=viewer)),
        "notice": sel.strike_day_notice(day),
        "holiday_warnings": strike_days_holiday_warnings(
            days=[day], area=viewer.area_q(Action.PLAN, union=union)
        ),
        "cancel_form": PartForm(viewer=viewer, union=union, prefix="cancel"),
        "move_form": MoveForm(viewer=viewer, union=union, prefix="move"),
        "rally_form": RallyForm(viewer=viewer, union=union, prefix="rally"),
        **_public_context(strike_day=day),
    }


def _public_context(*, strike_day: Any = None, dispute: Any = None) -> dict[str, Any]:
    """The "Public page" box: its state, its address and where to publish it."""
    if strike_day is not None:
        public_url = reverse("strikes:public-day", args=[strike_day.pk])
        publish_url = reverse("strikes:planning-day-public", args=[strike_day.pk])
    else:
        public_url = reverse("strikes:public-dispute", args=[dispute.pk])
        publish_url = reverse("strikes:planning-dispute-public", args=[dispute.pk])
    return {
        "public_page": public_sel.public_page_for(strike_day=strike_day, dispute=dispute),
        "public_url": settings.SITE_URL + public_url,
        "publish_url": publish_url,
        "public_kind": "day" if strike_day is not None else "dispute",
    }


@plans(strike_day_union)
def strike_day_detail(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    viewer, day = request.viewer, request.target.obj
    return render(request, "strikes/planning/day.html", _day_context(viewer, day))


def _day_post(
    request: HttpRequest,
    form_class: type,
    prefix: str,
    act: Callable[[Any, Any], str],
) -> HttpResponse:
    viewer, day = request.viewer, request.target.obj
    form = form_class(request.POST, viewer=viewer, union=day.dispute.union, prefix=prefix)
    if form.is_valid():
        try:
            done = act(day, form)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect("strikes:planning-day", day.pk)
    context = _day_context(viewer, day)
    context[f"{prefix}_form"] = form
    return render(
        request, "strikes/planning/day.html", context, status=422 if request.htmx else 200
    )


@plans(strike_day_union)
@require_POST
def strike_day_cancel(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    def act(day: Any, form: Any) -> str:
        count = svc.strike_day_cancel_for(strike_day=day, acting_user=request.user, **form.places())
        return (
            f"Cancelled for {count} school{'s' if count != 1 else ''}. Everyone signed up there "
            "will be told."
        )

    return _day_post(request, PartForm, "cancel", act)


@plans(strike_day_union)
@require_POST
def strike_day_move(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    def act(day: Any, form: Any) -> str:
        new_day = svc.strike_day_move_for(
            strike_day=day,
            new_date=form.cleaned_data["new_date"],
            notice_given_on=form.cleaned_data.get("notice_given_on"),
            acting_user=request.user,
            **form.places(),
        )
        return (
            f"Moved to {long_date(new_day.date)} for that part. Everyone signed up there will be "
            "told; reps set up shifts again on the new day."
        )

    return _day_post(request, MoveForm, "move", act)


@plans(strike_day_union)
@require_POST
def rally_new(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    def act(day: Any, form: Any) -> str:
        data = form.cleaned_data
        starts_at = dt.datetime.combine(
            day.date, data["starts_at"], tzinfo=timezone.get_current_timezone()
        )
        rally = svc.rally_create(
            strike_day=day,
            title=data["title"],
            kind=data["kind"],
            starts_at=starts_at,
            meeting_point=data["meeting_point"],
            route=data["route"],
            speakers=data["speakers"],
            region=data["region"],
            district=data["district"],
            acting_user=request.user,
        )
        return f"{rally.get_kind_display()} added: {rally.title}."

    return _day_post(request, RallyForm, "rally", act)


# --- Finding schools ----------------------------------------------------------------------------


@plans()
def school_search(request: HttpRequest) -> HttpResponse:
    """Schools in the officer's planning area by name, former name, town, postcode or URN: a
    page that works without JavaScript, and the type-ahead partial for htmx."""
    q = request.GET.get("q", "")[:100]
    schools = sel.schools_search_for_viewer(viewer=request.viewer, q=q)
    template = "strikes/planning/school_search.html"
    if request.htmx:
        template += "#school-results"
    return render(request, template, {"q": q, "schools": schools})


# --- Calendar -----------------------------------------------------------------------------------


def _int_param(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name))


def _calendar_filters(request: HttpRequest, viewer: Viewer, dispute: Any) -> dict[str, Any]:
    """The area asked for: ``?district=<id>`` or ``?urn=<school URN>`` (404 outside the area)."""
    district_id = _int_param(request, "district")
    urn = _int_param(request, "urn")
    school = (
        sel.school_for_viewer(viewer=viewer, union_id=dispute.union_id, urn=urn) if urn else None
    )
    district = sel.district_by_id(district_id) if district_id else None
    return {"district": district, "school": school}


@plans(dispute_union)
def calendar(request: HttpRequest, dispute_id: int) -> HttpResponse:
    viewer, dispute = request.viewer, request.target.obj
    filters = _calendar_filters(request, viewer, dispute)
    district, school = filters["district"], filters["school"]
    days = sel.calendar_days(
        dispute=dispute,
        viewer=viewer,
        district_id=district.pk if district else _int_param(request, "district"),
        school_id=school.pk if school else None,
    )
    return render(
        request,
        "strikes/planning/calendar.html",
        {
            "dispute": dispute,
            "days": days,
            "district": district,
            "school": school,
            "school_days": (
                sel.school_days(dispute=dispute, school=school, viewer=viewer) if school else None
            ),
        },
    )


@plans(dispute_union)
def calendar_ics(request: HttpRequest, dispute_id: int) -> HttpResponse:
    viewer, dispute = request.viewer, request.target.obj
    filters = _calendar_filters(request, viewer, dispute)
    district_id = _int_param(request, "district")
    school = filters["school"]
    days = sel.calendar_days(
        dispute=dispute,
        viewer=viewer,
        district_id=district_id,
        school_id=school.pk if school else None,
    )
    host = request.get_host().split(":")[0] or "picketline"
    response = HttpResponse(
        strike_days_ics(days, title=dispute.title, host=host),
        content_type="text/calendar; charset=utf-8",
    )
    suffix = f"-district-{district_id}" if district_id else ""
    suffix += f"-school-{school.urn}" if school else ""
    response["Content-Disposition"] = f'attachment; filename="dispute-{dispute.pk}{suffix}.ics"'
    return response


@public
def public_rallies(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    """Rallies and marches of an announced day, for anyone: times and places, never people."""
    day = sel.announced_strike_day(strike_day_id=strike_day_id)
    rallies = list(sel.rallies_for_viewer(strike_day=day, viewer=viewer_for(request.user)))
    return render(request, "strikes/planning/public_rallies.html", {"day": day, "rallies": rallies})


urlpatterns = [
    path("rallies/<int:strike_day_id>/", public_rallies, name="public-rallies"),
    path("planning/", planning_home, name="planning-home"),
    path("planning/schools/", school_search, name="planning-school-search"),
    path("planning/dispute/new/", dispute_new, name="planning-dispute-new"),
    path("planning/dispute/<int:dispute_id>/", dispute_detail, name="planning-dispute"),
    path("planning/ballot/<int:ballot_id>/unit/", ballot_unit, name="planning-ballot-unit"),
    path("planning/dispute/<int:dispute_id>/announce/", announce, name="planning-announce"),
    path("planning/dispute/<int:dispute_id>/calendar/", calendar, name="planning-calendar"),
    path(
        "planning/dispute/<int:dispute_id>/calendar.ics",
        calendar_ics,
        name="planning-calendar-ics",
    ),
    path("planning/day/<int:strike_day_id>/", strike_day_detail, name="planning-day"),
    path("planning/day/<int:strike_day_id>/cancel/", strike_day_cancel, name="planning-cancel"),
    path("planning/day/<int:strike_day_id>/move/", strike_day_move, name="planning-move"),
    path("planning/day/<int:strike_day_id>/rally/", rally_new, name="planning-rally"),
]
