"""Reps run their picket lines: shifts before the day, check-in and reports on the day."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from kernel.errors import DomainError, Refused
from members.access import requires
from members.exports import export_footer, when_text
from members.permissions import Action, may
from strikes.forms.lines import (
    CheckInForm,
    EntranceForm,
    NoShowForm,
    NudgeForm,
    OrganiserForm,
    PatternForm,
    ReportForm,
    ShiftForm,
    WalkUpForm,
    new_nonce,
)
from strikes.models import PicketLine, Signup
from strikes.selectors import lines as sel
from strikes.selectors import public as public_sel
from strikes.selectors.access import called_out_place, line_place, live_shift_place, shift_place
from strikes.selectors.callout import call_out_for
from strikes.services import lines as svc
from strikes.services import places
from strikes.views._shift_rows import shift_rows

ADVICE = "The Code of Practice on Picketing advises no more than six pickets at an entrance."


# Who may run a line: its school's rep and the district officer over it. A member of the school
# (who knows the line exists) is told why not (403); anyone else gets a 404.
RUN_LINE = Action.RUN_LINE


def runs(place: Any) -> Any:
    return requires(RUN_LINE, place=place, reveal=Action.SIGN_UP)


def _day_url(line: PicketLine) -> str:
    return reverse("strikes:rep-day", args=[line.strike_day_id, line.school_id])


def _advised() -> int:
    return settings.PICKETS_ADVISED_PER_ENTRANCE


# --- Before the day ------------------------------------------------------------------------


@requires(RUN_LINE)
def rep_home(request: HttpRequest) -> HttpResponse:
    schools = sel.rep_home_data(user=request.user)
    if not schools:
        # A district officer runs lines from the dashboard's school pages, not from here.
        raise Refused(
            "This page is for workplace reps: it lists the schools you are rep for.",
            next_step="District officers run a school's lines from its page on the dashboard.",
        )
    # Strike morning: today's lines come first, ready to check in and report.
    today = [called for item in schools for called in item.days if called.is_today]
    return render(
        request,
        "strikes/lines/home.html",
        {"schools": schools, "today": today, "advised": _advised(), "advice": ADVICE},
    )


#: The query parameter that asks for the members not signed up with the page (no JavaScript).
SHOW_NUDGES = "nudges"


def _small_int(value: str, default: int | None = None) -> int | None:
    """A positive id or page number from the query string; ``default`` for anything else."""
    return int(value) if value.isdigit() and len(value) <= 9 else default


def _url_parts(name: str) -> tuple[str, str]:
    """A URL with one id, split around it, so a page of many rows builds each row's URL by
    joining strings instead of reversing it once per row."""
    prefix, _, suffix = reverse(name, args=[987654321]).partition("987654321")
    return prefix, suffix


@runs(called_out_place)
def rep_day(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    """The rep's set-up page for one school's strike day: shifts by entrance (folded beyond
    ``INLINE_SHIFTS``: one line opens at a time) and a searchable, paged list of the members
    not signed up with one action that nudges them all."""
    return _rep_day_page(request, request.target.obj)


def _rep_day_page(
    request: HttpRequest, called: Any, pattern_form: PatternForm | None = None
) -> HttpResponse:
    day, school = called.strike_day, called.school
    groups_out = list(called.staff_groups or [])
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = _small_int(request.GET.get("page", ""), 1)
    open_line_id = _small_int(request.GET.get("line", ""))
    show_names = may(request.user, Action.VIEW_ROSTER, school, union=day.dispute.union)
    if request.htmx and request.GET.get("part") == "not-signed-up":
        nudges = sel.nudge_page(
            strike_day=day,
            school=school,
            viewer=request.viewer,
            query=query,
            page=page,
            staff_groups=groups_out,
        )
        return render(
            request,
            "strikes/lines/day.html#not-signed-up",
            {"day": day, "school": school, "nudges": nudges, "show_names": show_names},
        )
    lines = sel.lines_for_school_day(
        strike_day=day, school=school, viewer=request.viewer, open_line_id=open_line_id
    )
    rules = sel.rules_for(day)
    rows = {
        "show_names": show_names,
        "advised": _advised(),
        "advice": ADVICE,
        "edit_url": _url_parts("strikes:rep-shift-edit"),
        "remove_url": _url_parts("strikes:rep-shift-remove"),
        "csrf_token": get_token(request),
    }
    for line in lines:
        if line.opened:
            line.coming_html = shift_rows(line.coming, **rows)
    context = {
        "called": called,
        "day": day,
        "school": school,
        "lines": lines,
        "supervisor_required": bool(rules and rules.picket_supervisor_required),
        "rules": rules,
        "show_names": show_names,
        "advised": _advised(),
        "advice": ADVICE,
        # Each line's buttons, built by joining strings rather than reversing per line.
        "line_urls": {
            name.replace("-", "_"): _url_parts(f"strikes:line-{name}")
            for name in ("check-in", "report", "share", "roster", "letter", "organiser")
        },
    }
    if request.htmx and open_line_id is not None:
        line = next((x for x in lines if x.pk == open_line_id and x.opened), None)
        if line is None:
            raise Refused("No such picket line at this school that day.", hide=True)
        return render(request, "strikes/lines/day.html#line", {**context, "line": line})
    entrances = sel.entrance_counts(school_ids=[school.pk]).get(school.pk, 0)
    # The list of members not signed up (a school may have thousands) comes in its own request
    # once the page has loaded; without JavaScript, a link (or a search or page of it) asks
    # for it with the page.
    wants_nudges = bool(query) or "page" in request.GET or SHOW_NUDGES in request.GET
    context.update(
        {
            # Entrances with no line yet (added since the day was announced): adding shifts
            # sets their lines up.
            "unset_entrances": max(entrances - len(lines), 0),
            "nudges": sel.nudge_page(
                strike_day=day,
                school=school,
                viewer=request.viewer,
                query=query,
                page=page,
                staff_groups=groups_out,
            )
            if wants_nudges
            else None,
            "not_called": list(
                sel.members_not_called_out(strike_day=day, school=school, staff_groups=groups_out)
            ),
            "call_out": call_out_for(called),
            "pattern_form": pattern_form or PatternForm(),
            "support": public_sel.support_for_rep_day(strike_day=day, school=school),
        }
    )
    status = 400 if pattern_form is not None and pattern_form.errors else 200
    return render(request, "strikes/lines/day.html", context, status=status)


#: Which field a shift service's refusal belongs beside.
ERROR_FIELDS = {
    "bad_times": "slots",
    "bad_time": "slots",
    "empty_pattern": "slots",
    "bad_capacity": "capacity",
    "bad_minimum": "minimum_wanted",
}


def _add_service_error(form: Any, exc: DomainError, **fields: str) -> None:
    """Put a service's refusal beside the field it is about (or above the form)."""
    name = {**ERROR_FIELDS, **fields}.get(exc.code)
    form.add_error(name if name in form.fields else None, exc.message)


def _warn_about_shifts(request: HttpRequest, *, strike_day: Any, school: Any) -> None:
    """Warnings that never block: shifts that overlap at an entrance, and more pickets at one
    entrance at once than the Code of Practice advises."""
    for warning in sel.shift_warnings(
        strike_day=strike_day, school=school, advised=_advised(), advice=ADVICE
    ):
        messages.warning(request, warning)


@runs(called_out_place)
@require_POST
def rep_pattern(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    called = request.target.obj
    form = PatternForm(request.POST)
    url = reverse("strikes:rep-day", args=[strike_day_id, school_id])
    if form.is_valid():
        try:
            made = svc.shifts_create_from_pattern(
                strike_day=called.strike_day,
                school=called.school,
                pattern=form.cleaned_data["slots"],
                capacity=form.cleaned_data["capacity"],
                minimum_wanted=form.cleaned_data["minimum_wanted"],
                acting_user=request.user,
            )
        except DomainError as exc:
            _add_service_error(form, exc)
        else:
            if made:
                plural = "s" if len(made) != 1 else ""
                messages.success(request, f"{len(made)} shift{plural} added.")
            else:
                messages.info(
                    request, "Those shifts already exist at every entrance; nothing added."
                )
            _warn_about_shifts(request, strike_day=called.strike_day, school=called.school)
            return redirect(url)
    # What was typed stays, each error beside its field.
    return _rep_day_page(request, called, pattern_form=form)


@runs(called_out_place)
@require_POST
def rep_entrance(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    """Add an entrance (and its site) to the school, from the rep's day page."""
    called = request.target.obj
    url = reverse("strikes:rep-day", args=[strike_day_id, school_id])
    form = EntranceForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(url)
    try:
        entrance = places.entrance_add(
            school=called.school,
            site_name=form.cleaned_data["site_name"],
            entrance_name=form.cleaned_data["entrance_name"],
            acting_user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    messages.success(
        request, f"{entrance.name} added at {entrance.site.name}: its picket line is ready."
    )
    return redirect(url)


@runs(called_out_place)
@require_POST
def rep_nudge(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    called = request.target.obj
    url = reverse("strikes:rep-day", args=[strike_day_id, school_id])
    if request.POST.get("all") == "1":
        queued = svc.members_nudge_all(
            strike_day=called.strike_day, school=called.school, acting_user=request.user
        )
        if queued:
            messages.success(
                request,
                f"Nudges queued for {queued} member{'s' if queued != 1 else ''}. "
                "They go out within a minute.",
            )
        else:
            messages.info(
                request,
                "Nobody to nudge: everyone not signed up was nudged today or asked not to be.",
            )
        return redirect(f"{url}?{SHOW_NUDGES}#not-signed-up")
    url = f"{url}?{SHOW_NUDGES}#not-signed-up"
    form = NudgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose someone to nudge.")
        return redirect(url)
    person = sel.member_for_nudge(
        strike_day=called.strike_day, school=called.school, user_id=form.cleaned_data["user"]
    )
    if person is None:
        messages.error(request, "That person is not a member at this school.")
        return redirect(url)
    try:
        sent = svc.member_nudge(
            strike_day=called.strike_day,
            school=called.school,
            user=person,
            acting_user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    if sent is None:
        messages.info(request, f"{person.display_name} was already nudged today.")
    else:
        messages.success(request, f"Nudge queued for {person.display_name}.")
    return redirect(url)


@runs(live_shift_place)
def shift_edit(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = request.target.obj
    line = shift.picket_line
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shift = svc.shift_update(shift=shift, acting_user=request.user, **form.cleaned_data)
            except DomainError as exc:
                _add_service_error(
                    form, exc, bad_times="ends_at", below_booked="capacity", removed=""
                )
            else:
                messages.success(request, f"Shift {shift} saved.")
                _warn_about_shifts(request, strike_day=line.strike_day, school=line.school)
                return redirect(_day_url(line))
    else:
        form = ShiftForm(
            initial={
                "starts_at": timezone.localtime(shift.starts_at).time(),
                "ends_at": timezone.localtime(shift.ends_at).time(),
                "capacity": shift.capacity,
                "minimum_wanted": shift.minimum_wanted,
            }
        )
    return render(
        request,
        "strikes/lines/shift_edit.html",
        {"shift": shift, "line": line, "form": form, "advised": _advised(), "advice": ADVICE},
    )


@runs(shift_place)
@require_POST
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = request.target.obj
    line = shift.picket_line
    told = svc.shift_remove(shift=shift, acting_user=request.user)
    messages.success(
        request, f"Shift {shift} removed. {told} {'person' if told == 1 else 'people'} told."
    )
    return redirect(_day_url(line))


@runs(line_place)
@require_POST
def line_organiser(request: HttpRequest, line_id: int) -> HttpResponse:
    line = request.target.obj
    form = OrganiserForm(request.POST)
    if form.is_valid():
        svc.picket_line_set_organiser(
            picket_line=line,
            supervisor_name=form.cleaned_data["supervisor_name"],
            acting_user=request.user,
        )
        messages.success(request, f"Saved for {line.entrance.name}.")
    else:
        messages.error(request, "Names are at most 150 characters.")
    return redirect(_day_url(line))


@runs(line_place)
def line_letter(request: HttpRequest, line_id: int) -> HttpResponse:
    line = request.target.obj
    if not sel.supervisor_required(line.strike_day):
        return render(request, "strikes/lines/letter.html", {"line": line, "not_needed": True})
    svc.picket_line_letter_printed(picket_line=line, acting_user=request.user)
    return render(
        request,
        "strikes/lines/letter.html",
        {
            "line": line,
            "not_needed": False,
            # On screen only: the printed letter goes to the employer, so it says when it was
            # printed but not by whom.
            "export_footer": export_footer(user=request.user, verb="Printed"),
            "printed_at": when_text(),
        },
    )


@runs(line_place)
def line_roster(request: HttpRequest, line_id: int) -> HttpResponse:
    line = request.target.obj
    shifts = sel.expected_signups(picket_line=line, viewer=request.viewer)
    show_names = may(
        request.user, Action.VIEW_ROSTER, line.school, union=line.strike_day.dispute.union
    )
    svc.picket_line_roster_printed(
        picket_line=line,
        acting_user=request.user,
        people=sum(len(shift.people) for shift in shifts),
        names=show_names,
    )
    return render(
        request,
        "strikes/lines/roster.html",
        {
            "line": line,
            "shifts": shifts,
            "supervisor_required": sel.supervisor_required(line.strike_day),
            "show_names": show_names,
            "export_footer": export_footer(
                user=request.user, verb="Printed", contains="personal" if show_names else "figures"
            ),
        },
    )


# --- Sharing a line ------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    # Our own markup, made on our server from our own URL: safe to mark safe.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=6, omitsize=True))


@runs(line_place)
def line_share(request: HttpRequest, line_id: int) -> HttpResponse:
    """The line's public supporter link to copy or share, and the posters to print."""
    line = request.target.obj
    return render(
        request,
        "strikes/lines/share.html",
        {
            "line": line,
            "public_url": request.build_absolute_uri(
                reverse("strikes:line-public", args=[line.public_token])
            ),
            "poster_url": reverse("strikes:line-poster", args=[line.public_token]),
            "member_poster_url": reverse(
                "strikes:school-member-poster", args=[line.strike_day_id, line.school_id]
            ),
        },
    )


@runs(called_out_place)
def school_member_poster(request: HttpRequest, strike_day_id: int, school_id: int) -> HttpResponse:
    """A poster for the staffroom: the school's strike days and a code to sign up. It names no
    one; the link leads members to sign in and choose a shift."""
    called = request.target.obj
    url = request.build_absolute_uri(
        reverse("strikes:my-strike-days") + f"?school={called.school_id}"
    )
    return render(
        request,
        "strikes/lines/member_poster.html",
        {
            "school": called.school,
            "union": called.strike_day.dispute.union,
            "days": sel.school_strike_days(
                school=called.school, union_id=called.strike_day.dispute.union_id
            ),
            "url": url,
            "qr_svg": _qr_svg(url),
            "back_url": reverse("strikes:rep-day", args=[strike_day_id, school_id]),
        },
    )


# --- On the day ----------------------------------------------------------------------------


def _check_in_context(request: HttpRequest, line: PicketLine) -> dict[str, Any]:
    shifts = sel.expected_signups(picket_line=line, viewer=request.viewer)
    now = timezone.now()
    for shift in shifts:
        _ready(shift, now=now)
    window = svc.line_window(picket_line=line, shifts=shifts)
    closed_reason = window.explain("Check-in and walk-ups", now)
    return {"line": line, "shifts": shifts, "closed_reason": closed_reason}


def _ready(shift: Any, *, now: Any = None) -> Any:
    """Give a shift and its rows what their forms need: a fresh nonce for each."""
    shift.walk_up_nonce = new_nonce()
    shift.has_ended = shift.ends_at <= (now or timezone.now())
    for person in shift.people:
        person.nonce_for_form = new_nonce()
    return shift


CHECK_IN_TEMPLATE = "strikes/lines/check_in.html"


def _check_in_partial(request: HttpRequest, line: PicketLine, **context: Any) -> HttpResponse:
    """The rows an htmx tap changed, and the shift's count swapped in out of band."""
    html = "".join(
        render_to_string(f"{CHECK_IN_TEMPLATE}#{name}", {"line": line, **context}, request=request)
        for name in context.pop("parts")
    )
    return HttpResponse(html)


@runs(line_place)
def line_check_in(request: HttpRequest, line_id: int) -> HttpResponse:
    """Strike morning at one entrance: who is expected, who is here, walk-ups.

    Every action is a real form (it works without JavaScript: POST, then back to the row's
    anchor); with htmx each tap answers with just the row it changed and the shift's count."""
    line = request.target.obj
    url = reverse("strikes:line-check-in", args=[line.pk])
    if request.method != "POST":
        return render(request, CHECK_IN_TEMPLATE, _check_in_context(request, line))
    action = request.POST.get("action")
    anchor = ""
    try:
        if action in ("arrived", "undo"):
            form = CheckInForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose someone to check in.", code="bad_form")
            signup_id = form.cleaned_data["signup"]
            if action == "arrived":
                try:
                    signup = svc.signup_check_in(
                        signup_id=signup_id, picket_line=line, acting_user=request.user
                    )
                except Signup.DoesNotExist as exc:
                    raise Refused("No such sign-up on this line.", hide=True) from exc
            else:
                signup = sel.signup_on_line(picket_line=line, signup_id=signup_id)
                signup = svc.signup_check_in_undo(signup=signup, acting_user=request.user)
            anchor = f"#signup-{signup.pk}"
            if request.htmx:
                if Signup.shift.is_cached(signup):  # the check-in read it: only its people
                    shift = sel.shift_people(
                        picket_line=line, shift=signup.shift, viewer=request.viewer
                    )
                else:
                    shift = sel.shift_with_people(
                        picket_line=line, shift_id=signup.shift_id, viewer=request.viewer
                    )
                shift = _ready(shift)
                person = next((p for p in shift.people if p.pk == signup.pk), None)
                if person is None:  # an undone walk-up: its row goes
                    return _check_in_partial(
                        request, line, shift=shift, gone=signup.pk, parts=["gone", "presence"]
                    )
                return _check_in_partial(
                    request, line, shift=shift, person=person, parts=["signup-row", "presence"]
                )
            if action == "arrived":
                messages.success(request, f"{_name(signup)} checked in.")
            else:
                messages.info(request, f"Check-in of {_name(signup)} undone.")
        elif action == "walk_up":
            form = WalkUpForm(request.POST)
            if not form.is_valid():
                raise DomainError("Write the person's name to add them.", code="bad_form")
            shift = sel.shift_on_line(
                picket_line=line, shift_id=form.cleaned_data["shift"], live=True
            )
            signup = svc.signup_walk_up_add(
                shift=shift,
                name=form.cleaned_data["name"],
                nonce=form.cleaned_data["nonce"],
                is_supporter=form.cleaned_data["is_supporter"],
                acting_user=request.user,
            )
            anchor = f"#shift-{shift.pk}"
            if request.htmx:
                shift = _ready(
                    sel.shift_with_people(
                        picket_line=line, shift_id=shift.pk, viewer=request.viewer
                    )
                )
                return _check_in_partial(
                    request, line, shift=shift, parts=["people", "presence", "walk-up"]
                )
            messages.success(request, f"{signup.walk_up_name} added and checked in.")
        elif action == "no_show":
            form = NoShowForm(request.POST)
            if not form.is_valid():
                raise DomainError("Choose a shift.", code="bad_form")
            shift = sel.shift_on_line(picket_line=line, shift_id=form.cleaned_data["shift"])
            count = svc.shift_mark_no_shows(shift=shift, acting_user=request.user)
            anchor = f"#shift-{shift.pk}"
            messages.success(request, f"{count} marked as not coming.")
        else:
            raise DomainError("Something was missing from the form; try again.", code="bad_form")
    except Refused:
        raise  # not a form problem: the one handler answers it (a 404 here)
    except DomainError as exc:
        if request.htmx:
            return HttpResponse(exc.message, status=409)
        messages.error(request, exc.message)
    return redirect(url + anchor)


def _name(signup: Any) -> str:
    if signup.user_id:
        return signup.user.display_name
    if signup.supporter_id:
        return signup.supporter.name
    return signup.walk_up_name


def _report_form(request: HttpRequest, line: PicketLine, *, after: Any = None) -> ReportForm:
    """A fresh report form (new nonce) starting from who is checked in now and the status
    last reported, so a quick update is: choose the status, send. ``after``: the report just
    sent, whose figures the next one starts from (the rep has just counted them)."""
    if after is not None:
        status, pickets, supporters = after.school_status, after.pickets, after.supporters
    else:
        pickets, supporters = sel.checked_in_counts(picket_line=line, viewer=request.viewer)
        latest = line.latest_report
        status = latest.school_status if latest is not None else "unknown"
    return ReportForm(
        initial={
            "nonce": new_nonce(),
            "school_status": status,
            "pickets": pickets,
            "supporters": supporters,
        }
    )


@runs(line_place)
def line_report(request: HttpRequest, line_id: int) -> HttpResponse:
    line = request.target.obj
    url = reverse("strikes:line-report", args=[line.pk])
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = svc.picket_report_create(
                    picket_line=line,
                    acting_user=request.user,
                    nonce=form.cleaned_data["nonce"],
                    **form.service_fields(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                sent = f"Report sent at {timezone.localtime(report.reported_at):%H:%M}"
                if request.htmx:
                    # The timeline, and a fresh form (new nonce) swapped in out of band.
                    fresh = _report_form(request, line, after=report)
                    timeline = render_to_string(
                        "strikes/lines/report.html#timeline",
                        {"line": line, "reports": _reports(line), "sent": sent},
                        request=request,
                    )
                    form_html = render_to_string(
                        "strikes/lines/report.html#report-form",
                        {"line": line, "form": fresh, "oob": True},
                        request=request,
                    )
                    return HttpResponse(timeline + form_html)
                messages.success(request, sent)
                return redirect(url + "#timeline")
        if request.htmx:
            response = render(
                request, "strikes/lines/report.html#report-form", {"line": line, "form": form}
            )
            return reswap(retarget(response, "#report-form"), "outerHTML")
    else:
        form = _report_form(request, line)
    return render(
        request,
        "strikes/lines/report.html",
        {
            "line": line,
            "form": form,
            "reports": _reports(line),
            "closed_reason": svc.line_window(picket_line=line).explain("Reports"),
        },
    )


def _reports(line: PicketLine) -> list[Any]:
    return sel.reports_for_line(picket_line=line)


urlpatterns = [
    path("rep-home/", rep_home, name="rep-home"),
    path("rep/day/<int:strike_day_id>/school/<int:school_id>/", rep_day, name="rep-day"),
    path(
        "rep/day/<int:strike_day_id>/school/<int:school_id>/pattern/",
        rep_pattern,
        name="rep-pattern",
    ),
    path("rep/day/<int:strike_day_id>/school/<int:school_id>/nudge/", rep_nudge, name="rep-nudge"),
    path(
        "rep/day/<int:strike_day_id>/school/<int:school_id>/entrance/",
        rep_entrance,
        name="rep-entrance",
    ),
    path("rep/shift/<int:shift_id>/edit/", shift_edit, name="rep-shift-edit"),
    path("rep/shift/<int:shift_id>/remove/", shift_remove, name="rep-shift-remove"),
    path("line/<int:line_id>/organiser/", line_organiser, name="line-organiser"),
    path("line/<int:line_id>/letter/", line_letter, name="line-letter"),
    path("line/<int:line_id>/roster/", line_roster, name="line-roster"),
    path("line/<int:line_id>/check-in/", line_check_in, name="line-check-in"),
    path("line/<int:line_id>/report/", line_report, name="line-report"),
    path("line/<int:line_id>/share/", line_share, name="line-share"),
    path(
        "rep/day/<int:strike_day_id>/school/<int:school_id>/member-poster/",
        school_member_poster,
        name="school-member-poster",
    ),
]
