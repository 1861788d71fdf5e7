"""The public face: pages per dispute and strike day, their map data, messages of support and
their moderation, and the organisers' publish/unpublish.

Public pages are built for a shared link and a caching proxy: they never touch the session
(no ``request.user``, no CSRF token, no messages), are rendered without the request's context
processors, and answer ``Cache-Control: public``. The message form is its own page, with a CSRF
token, and is not cached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from kernel.audit import contact_details_viewed
from kernel.errors import DomainError, Refused
from kernel.ratelimit import public_link, rate_limit
from members.access import public, requires
from members.permissions import Action
from schools.models import School
from strikes.forms.public import (
    ModerateForm,
    PublicDayQueryForm,
    PublishForm,
    SupportForm,
    SupportTargetForm,
)
from strikes.models import StrikeDay
from strikes.selectors import public as sel
from strikes.selectors.access import dispute_union, strike_day_union
from strikes.services import public as svc
from strikes.views.planning import plans

PUBLIC_MAX_AGE = 60


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public, cacheable GET page: ``Cache-Control: public, max-age=60`` on success.

    The view must not read the session (no ``request.user``): members.middleware skips its
    per-user checks for views marked ``picketline_public``, so nothing adds ``Vary: Cookie``.
    """

    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The rendered page is kept in the shared cache too, for as long as a proxy may keep
        # it; publishing, unpublishing or moderating anything starts a new version at once.
        key = sel.public_cache_key(request.get_full_path())
        found = cache.get(key)
        if found is not None:
            content, content_type = found
            response = HttpResponse(content, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                cache.set(key, (response.content, response["Content-Type"]), PUBLIC_MAX_AGE)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            map_csp(response)
        return response

    wrapper.picketline_public = True  # type: ignore[attr-defined]
    return wrapper


def map_csp(response: HttpResponse) -> HttpResponse:
    """Let the page load map tiles from ``MAP_TILE_URL``'s origin (the policy already allows
    any https image; this covers a tile server on plain http, such as one on the same network)."""
    url = urlsplit(settings.MAP_TILE_URL)
    if url.scheme and url.netloc:
        response._csp_update = {"img-src": [f"{url.scheme}://{url.netloc}"]}  # type: ignore[attr-defined]
    return response


def _page(template: str, context: dict[str, Any], request: HttpRequest) -> HttpResponse:
    """Render without the request: no context processor may touch the session."""
    context = {
        **context,
        "site_url": settings.SITE_URL,
        "page_url": settings.SITE_URL + request.path,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return map_csp(HttpResponse(render_to_string(template, context)))


# --- Public pages ----------------------------------------------------------------------------


def _legend(day: StrikeDay) -> list[tuple[str, str]]:
    when = "today" if day.date == timezone.localdate() else "on the day"
    return [("line", f"Picket line {when}"), ("out", "On strike, no picket line listed")]


@public
@public_page
def public_day(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    found = sel.public_day_get(strike_day_id=strike_day_id)
    if found is None:
        raise Refused("This strike day has no public page.", hide=True)
    query = PublicDayQueryForm(request.GET)
    district_id = query.cleaned_data.get("district") if query.is_valid() else None
    day = found.day
    areas = sel.public_day_areas(day=day)
    total = sum(a.schools for a in areas)
    district = next((a for a in areas if a.district_id == district_id), None)
    if district_id is not None and district is None:
        raise Refused("No school in that district is out on this day.", hide=True)
    schools: list[sel.PublicSchool] = []
    if district is not None or total <= sel.LIST_ALL_LIMIT:
        schools = sel.public_day_schools(
            day=day,
            show_counts=found.show_counts,
            district_id=district.district_id if district else None,
        )
    joint = sel.joint_days(day=day, district_ids=[district.district_id] if district else None)
    union = found.dispute.union
    when = f"{day.date:%A} {day.date.day} {day.date:%B %Y}"
    return _page(
        "strikes/public/day.html",
        {
            "found": found,
            "day": day,
            "dispute": found.dispute,
            "union": found.dispute.union,
            "areas": areas,
            "total": total,
            "district": district,
            "schools": schools,
            "list_all": total <= sel.LIST_ALL_LIMIT,
            "rallies": list(sel.public_rallies(day=day, district_id=district_id)),
            "support": sel.public_messages(dispute=found.dispute, strike_day=day),
            "joint": joint,
            "points_url": reverse("strikes:public-day-map", args=[day.pk]),
            "legend": _legend(day),
            "is_today": day.date == timezone.localdate(),
            "og_title": f"{union.short_name} strike, {when}",
            "og_description": (
                f"{total} school{'s' if total != 1 else ''} on strike"
                f"{' in ' + district.name if district else ''}: where the picket lines are, "
                "rallies, and how to help."
            ),
            "support_url": reverse("strikes:support-send", args=[found.dispute.pk])
            + f"?day={day.pk}",
        },
        request,
    )


@public
@public_page
def public_day_school(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    found = sel.public_day_get(strike_day_id=strike_day_id)
    if found is None:
        raise Refused("This strike day has no public page.", hide=True)
    day = found.day
    schools = sel.public_day_schools(day=day, show_counts=found.show_counts, school_id=school_id)
    if not schools:
        raise Refused("That school is not out on this day.", hide=True)
    school = School(pk=school_id)
    return _page(
        "strikes/public/school.html",
        {
            "found": found,
            "day": day,
            "dispute": found.dispute,
            "union": found.dispute.union,
            "school": schools[0],
            "support": sel.public_messages(dispute=found.dispute, strike_day=day, school=school),
            "joint": sel.joint_days(day=day, school_id=school_id),
            "support_url": reverse("strikes:support-send", args=[found.dispute.pk])
            + f"?day={day.pk}&school={school_id}",
            "day_url": reverse("strikes:public-day", args=[day.pk]),
            "is_today": day.date == timezone.localdate(),
            "og_title": f"{schools[0].name}: {found.dispute.union.short_name} strike, "
            f"{day.date:%A} {day.date.day} {day.date:%B}",
            "og_description": "Where and when the picket lines stand, and how to support them.",
        },
        request,
    )


@public
@public_page
def public_day_map(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    found = sel.public_day_get(strike_day_id=strike_day_id)
    if found is None:
        raise Refused("This strike day has no public page.", hide=True)
    data = sel.public_map_data(day=found.day)
    data["labels"] = dict(_legend(found.day))
    return HttpResponse(json.dumps(data, separators=(",", ":")), content_type="application/json")


@public
@public_page
def public_dispute(request: HttpRequest, dispute_id: int) -> HttpResponse:
    found = sel.public_dispute_get(dispute_id=dispute_id)
    if found is None:
        raise Refused("This dispute has no public page.", hide=True)
    page, dispute = found
    return _page(
        "strikes/public/dispute.html",
        {
            "page": page,
            "dispute": dispute,
            "union": dispute.union,
            "days": sel.public_days_of_dispute(dispute=dispute),
            "support": sel.public_messages(dispute=dispute),
            "support_url": reverse("strikes:support-send", args=[dispute.pk]),
            "og_title": f"{dispute.union.short_name}: {dispute.title}",
            "og_description": (page.about[:200] if page.about else "Strike days and how to help."),
        },
        request,
    )


# --- Messages of support ---------------------------------------------------------------------


@public
@public_link()
@rate_limit("support-send", rate="SUPPORT_MESSAGE_RATE_LIMIT", methods=["POST"])
def support_send(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The message form (its own page: it carries a CSRF token, so it is never cached)."""
    target = SupportTargetForm(request.GET)
    if not target.is_valid():
        raise Refused("No such page.", hide=True)
    day_id, school_id = target.cleaned_data["day"], target.cleaned_data["school"]
    strike_day = school = None
    if day_id is not None:
        found = sel.public_day_get(strike_day_id=day_id)
        if found is None or found.dispute.pk != dispute_id:
            raise Refused("This strike day has no public page.", hide=True)
        strike_day, dispute = found.day, found.dispute
        back = reverse("strikes:public-day", args=[day_id])
        if school_id is not None:
            listed = sel.public_day_schools(day=strike_day, show_counts=False, school_id=school_id)
            if not listed:
                raise Refused("That school is not out on this day.", hide=True)
            school = sel.public_school_get(school_id=school_id)
            back = reverse("strikes:public-day-school", args=[day_id, school_id])
    else:
        if school_id is not None:
            raise Refused("Choose the strike day for that school.", hide=True)
        dispute_found = sel.public_dispute_get(dispute_id=dispute_id)
        if dispute_found is None:
            raise Refused("This dispute has no public page.", hide=True)
        dispute = dispute_found[1]
        back = reverse("strikes:public-dispute", args=[dispute_id])
    form = SupportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.support_message_send(
                dispute=dispute,
                strike_day=strike_day,
                school=school,
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(reverse("strikes:support-thanks") + ("?sent=1"))
    return render(
        request,
        "strikes/public/support_form.html",
        {
            "form": form,
            "dispute": dispute,
            "strike_day": strike_day,
            "school": school,
            "back": back,
        },
    )


@public
def support_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "strikes/public/support_thanks.html")


# Reps and officers (the kinds that have a dashboard); anyone else is told who the page is for.
@requires(
    Action.VIEW_DASHBOARD,
    message="Messages of support are approved by the school's rep or a district officer.",
    next_step="If you are a rep, ask your district officer to record your role.",
)
def support_queue(request: HttpRequest) -> HttpResponse:
    queue = list(sel.support_queue_for_viewer(viewer=request.viewer)[:200])
    contact_details_viewed(
        actor=request.user,
        page="strikes:support-queue",
        count=sum(1 for message in queue if message.contact),
    )
    return render(request, "strikes/public/queue.html", {"queue": queue, "form": ModerateForm()})


@requires(Action.VIEW_DASHBOARD, place=sel.support_message_target)
@require_POST
def support_moderate(request: HttpRequest, message_id: int) -> HttpResponse:
    message = request.target.obj
    if not svc.may_moderate(request.user, message):
        # Existence is not told to people who may not see it.
        raise Refused("No such message.", hide=True)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("strikes:support-queue")
    approve = form.cleaned_data["decision"] == "approve"
    svc.support_message_moderate(message=message, approve=approve, acting_user=request.user)
    if approve:
        shown = (
            "It now shows on the public page."
            if message.consent_to_show
            else "It shows to the pickets only (the sender did not ask for it to be public)."
        )
        messages.success(request, f"Approved the message from {message.sender}. {shown}")
    else:
        messages.success(request, f"Rejected the message from {message.sender}.")
    return redirect("strikes:support-queue")


# --- Publishing (organisers) -----------------------------------------------------------------


def _publish(
    request: HttpRequest,
    *,
    strike_day: StrikeDay | None = None,
    dispute: Any = None,
    back: str,
) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        if form.cleaned_data["action"] == "publish":
            svc.public_page_publish(
                acting_user=request.user,
                strike_day=strike_day,
                dispute=dispute,
                about=form.cleaned_data["about"],
                show_counts=form.cleaned_data["show_counts"],
            )
            messages.success(request, "The public page is published: share its link.")
        else:
            svc.public_page_unpublish(
                acting_user=request.user, strike_day=strike_day, dispute=dispute
            )
            messages.success(request, "The public page is taken down.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(back + "#public-page")


@plans(strike_day_union)
@require_POST
def publish_day(request: HttpRequest, strike_day_id: int) -> HttpResponse:
    day = request.target.obj
    return _publish(request, strike_day=day, back=reverse("strikes:planning-day", args=[day.pk]))


@plans(dispute_union)
@require_POST
def publish_dispute(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = request.target.obj
    return _publish(
        request, dispute=dispute, back=reverse("strikes:planning-dispute", args=[dispute.pk])
    )


urlpatterns = [
    path("public/day/<int:strike_day_id>/", public_day, name="public-day"),
    path(
        "public/day/<int:strike_day_id>/school/<int:school_id>/",
        public_day_school,
        name="public-day-school",
    ),
    path("public/day/<int:strike_day_id>/map.json", public_day_map, name="public-day-map"),
    path("public/dispute/<int:dispute_id>/", public_dispute, name="public-dispute"),
    path("public/dispute/<int:dispute_id>/support/", support_send, name="support-send"),
    path("public/support/thanks/", support_thanks, name="support-thanks"),
    path("support/queue/", support_queue, name="support-queue"),
    path("support/<int:message_id>/moderate/", support_moderate, name="support-moderate"),
    path("planning/day/<int:strike_day_id>/public/", publish_day, name="planning-day-public"),
    path(
        "planning/dispute/<int:dispute_id>/public/",
        publish_dispute,
        name="planning-dispute-public",
    ),
]
