"""Members sign up for picket shifts; supporters join a line's rota from its public link."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

import kernel.urls  # noqa: F401  (registers the "token" path converter)
from kernel.errors import DomainError, NotAllowed, Refused
from kernel.ratelimit import public_link, rate_limit
from members.access import signed_in, token_access
from members.selectors import supporter_by_token
from members.services import user_calendar_token_reset
from strikes.calendar import ics_calendar
from strikes.forms.signups import SupporterForm
from strikes.models import Shift, Signup
from strikes.selectors import access as places
from strikes.selectors import signups as selectors
from strikes.services.signups import (
    signup_cancel,
    signup_create,
    supporter_signup_cancel,
    supporter_signup_create,
)

DAYS_TEMPLATE = "strikes/signups/my_strike_days.html"


def _shift_response(
    request: HttpRequest,
    shift_id: int,
    error: str = "",
    shift: Shift | None = None,
    signup: Signup | None = None,
) -> HttpResponse:
    """htmx: the shift's card on its own; plain POST: back to the strike days page.

    ``shift`` and ``signup``: the shift and the person's signup as the service left them (the
    shift with its line and ``called_off``), so the card is drawn without reading them again.
    """
    if request.htmx:
        card = selectors.shift_card_for_member(
            shift_id=shift_id, user=request.user, shift=shift, signup=signup
        )
        if card is None:
            raise Refused("No such shift.", hide=True)
        return render(request, f"{DAYS_TEMPLATE}#shift-card", {"card": card, "error": error})
    if error:
        messages.error(request, error)
    return redirect(f"{reverse('strikes:my-strike-days')}#shift-{shift_id}")


@signed_in
def my_strike_days(request: HttpRequest) -> HttpResponse:
    """The person's own strike days; ``?school=<id>``: one school's, for a rep or officer who
    represents it (404 for anyone else, so a school's days are not given away)."""
    school = None
    school_id = request.GET.get("school", "")
    if school_id:
        school = selectors.school_for_official(user=request.user, school_id=school_id)
    line_id = request.GET.get("line", "")
    open_line_id = int(line_id) if line_id.isdigit() and len(line_id) < 12 else None
    if open_line_id is not None and request.htmx:
        line_view = selectors.line_for_member(
            user=request.user, line_id=open_line_id, school=school
        )
        if line_view is None:
            raise Refused("No such picket line.", hide=True)
        return render(request, f"{DAYS_TEMPLATE}#line", {"lv": line_view, "school": school})
    days = selectors.strike_days_for_member(
        user=request.user, school=school, open_line_id=open_line_id
    )
    return render(request, DAYS_TEMPLATE, {"days": days, "school": school})


@signed_in
@require_POST
def shift_sign_up(request: HttpRequest, shift_id: int) -> HttpResponse:
    try:
        signup = signup_create(
            shift_id=shift_id,
            user=request.user,
            acting_user=request.user,
            nonce=request.POST.get("nonce", "")[:64],
        )
    except Shift.DoesNotExist as exc:
        raise Refused("No such shift.", hide=True) from exc
    except NotAllowed as exc:
        if exc.code == "not_your_school":  # a shift the person may not see: as if none
            raise Refused("No such shift.", hide=True) from exc
        return _shift_response(request, shift_id, exc.message)
    except DomainError as exc:
        return _shift_response(request, shift_id, exc.message)
    if not request.htmx:
        if signup.status == Signup.Status.WAITLISTED:
            messages.success(request, "You're on the waitlist. We'll tell you if a place frees up.")
        else:
            messages.success(request, "You're signed up. A confirmation is on its way.")
    return _shift_response(request, shift_id, shift=signup.shift, signup=signup)


@signed_in
@require_POST
def signup_cancel_view(request: HttpRequest, signup_id: int) -> HttpResponse:
    error = ""
    shift = signup = None
    try:
        signup = signup_cancel(signup_id=signup_id, acting_user=request.user, own_only=True)
        shift = signup.shift
    except Signup.DoesNotExist as exc:
        raise Refused("No such sign-up.", hide=True) from exc
    except DomainError as exc:
        error = exc.message
    if request.POST.get("next") == "my-shifts":
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Cancelled. Thank you for letting us know.")
        return redirect("strikes:my-shifts")
    if not error and not request.htmx:
        messages.success(request, "Cancelled. Thank you for letting us know.")
    if signup is None:  # refused: the card is read again
        shift_id = selectors.own_signup(user=request.user, signup_id=signup_id).shift_id
        return _shift_response(request, shift_id, error)
    return _shift_response(request, signup.shift_id, error, shift=shift, signup=signup)


@signed_in
def my_shifts(request: HttpRequest) -> HttpResponse:
    signups = list(selectors.signups_for_user(user=request.user))
    feed_url = request.build_absolute_uri(
        reverse("strikes:calendar-feed", args=[request.user.calendar_token])
    )
    return render(
        request, "strikes/signups/my_shifts.html", {"signups": signups, "feed_url": feed_url}
    )


@signed_in
def signup_ics(request: HttpRequest, signup_id: int) -> HttpResponse:
    signup = selectors.own_signup(user=request.user, signup_id=signup_id)
    response = HttpResponse(ics_calendar([signup]), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="picket-{signup.pk}.ics"'
    return response


@token_access(selectors.user_by_calendar_token)
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = request.target.obj
    body = ics_calendar(selectors.signups_for_feed(user=user), name="My picket shifts")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@signed_in
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    user_calendar_token_reset(user=request.user, acting_user=request.user)
    messages.success(
        request, "Your calendar link has been reset. The old link no longer works: subscribe again."
    )
    return redirect("strikes:my-shifts")


# --- Public supporter pages -----------------------------------------------------------------


# The calendar feed has no limit on purpose: calendar services fetch every subscriber's feed
# from a few shared addresses, so a per-address limit would cut them off.
@public_link()
@rate_limit("supporter-join", rate="SUPPORTER_JOIN_RATE_LIMIT", methods=["POST"])
@token_access(places.line_by_public_token)
@require_http_methods(["GET", "POST"])
def line_public(request: HttpRequest, token: str) -> HttpResponse:
    line = request.target.obj
    if request.method == "POST":
        form = SupporterForm(request.POST, shifts=line.open_shifts)
        if form.is_valid():
            shift = next(s for s in line.open_shifts if s.pk == form.cleaned_data["shift"])
            try:
                signup = supporter_signup_create(
                    shift=shift,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    consent=form.cleaned_data["consent"],
                    picket_line_token=token,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                supporter = signup.supporter
                return redirect("strikes:supporter-confirmed", token=supporter.token)
    else:
        form = SupporterForm(shifts=line.open_shifts)
    return render(request, "strikes/signups/line_public.html", {"line": line, "form": form})


@public_link()
@token_access(places.line_by_public_token)
def line_poster(request: HttpRequest, token: str) -> HttpResponse:
    line = request.target.obj
    url = request.build_absolute_uri(reverse("strikes:line-public", args=[token]))
    # Our own markup, made on our server from our own URL: safe to mark safe.
    qr_svg = mark_safe(segno.make(url, error="m").svg_inline(scale=6, omitsize=True))
    return render(
        request, "strikes/signups/line_poster.html", {"line": line, "url": url, "qr_svg": qr_svg}
    )


@public_link()
@token_access(supporter_by_token)
def supporter_confirmed(request: HttpRequest, token: str) -> HttpResponse:
    supporter = request.target.obj
    signups = selectors.signups_for_supporter(supporter=supporter)
    return render(
        request,
        "strikes/signups/supporter_confirmed.html",
        {"supporter": supporter, "signups": signups},
    )


@public_link()
@token_access(supporter_by_token)
@require_http_methods(["GET", "POST"])
def supporter_cancel(request: HttpRequest, token: str) -> HttpResponse:
    supporter = request.target.obj
    if request.method == "POST":
        supporter_signup_cancel(token=supporter.token)
        return render(request, "strikes/signups/supporter_cancelled.html")
    return render(request, "strikes/signups/supporter_cancel.html", {"supporter": supporter})


urlpatterns = [
    path("my-strike-days/", my_strike_days, name="my-strike-days"),
    path("shifts/<int:shift_id>/sign-up/", shift_sign_up, name="shift-sign-up"),
    path("signups/<int:signup_id>/cancel/", signup_cancel_view, name="signup-cancel"),
    path("signups/<int:signup_id>/calendar.ics", signup_ics, name="signup-ics"),
    path("my-shifts/", my_shifts, name="my-shifts"),
    path("my-shifts/calendar/reset/", calendar_reset, name="calendar-reset"),
    path("calendar/<token:token>.ics", calendar_feed, name="calendar-feed"),
    path("line/<token:token>/", line_public, name="line-public"),
    path("line/<token:token>/poster/", line_poster, name="line-poster"),
    path("supporter/<token:token>/", supporter_confirmed, name="supporter-confirmed"),
    path("supporter/<token:token>/cancel/", supporter_cancel, name="supporter-cancel"),
]
