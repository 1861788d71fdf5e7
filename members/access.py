"""Every view says who may open it, before anything else runs.

Five kinds of view, one decorator each; each puts an ``AccessRule`` on the view function
(``view.access``), which ``tests/test_url_access.py`` reads for every URL (a URL whose view has
none fails the suite):

``@public``
    Anyone, signed in or not. Such a page never shows a person's details.
``@token_access(lookup)``
    Whoever holds the secret token in the URL. ``lookup(token)`` finds the row (or ``None``,
    answered with a 404); the view finds it on ``request.target.obj``.
``@signed_in``
    Any signed-in person, about themselves only (their shifts, their data).
``@requires(action, place=resolver)``
    A rep or officer who may do ``action`` (``members.permissions.Action``) at the place the
    resolver finds from the URL. Without ``place``: who may do it somewhere.
``@staff_only``
    The data officer (staff holding the audit permission, or a superuser).

A refusal is one exception, ``kernel.errors.Refused``; ``RefusalMiddleware`` turns it (and the
``PermissionDenied``/``Http404`` of older code) into a styled 403 saying why and what to do, or a
404 where even the thing's existence must not leak. Anonymous visitors to a page that needs a
sign-in are sent to sign in first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kernel.errors import NotAllowed, Refused
from members.permissions import ALLOWED_KINDS, Action, Viewer, viewer_for
from members.selectors import audit_viewer_allowed

PUBLIC = "public"
TOKEN = "token"  # noqa: S105 (a kind of view, not a secret)
SIGNED_IN = "signed_in"
ROLE = "role"
STAFF = "staff"
KINDS = (PUBLIC, TOKEN, SIGNED_IN, ROLE, STAFF)

#: A place that means "anywhere in the union": the view itself scopes what it shows (planning
#: pages show an officer their own area of any dispute of their union).
ANYWHERE = object()

#: Who a refusal may tell that the thing exists (a 403 rather than a 404).
IN_UNION = "in_union"  # anyone holding a role for the action in the thing's union

# What a 403 says, per action, and what to do next.
REASONS: dict[Action, tuple[str, str]] = {
    Action.SIGN_UP: (
        "Only members who work at this school (and the union's officials for it) can sign up "
        "for its picket lines.",
        "If you work here, ask your workplace rep to check your membership record.",
    ),
    Action.VIEW_ROSTER: (
        "Only the school's workplace rep and its district officer can see who is picketing.",
        "If you are the rep, ask your district office to add your rep role.",
    ),
    Action.RUN_LINE: (
        "Only the workplace rep of a school (or the district officer over it) can run its "
        "picket lines.",
        "If you are the rep, ask your district office to add your rep role.",
    ),
    Action.VIEW_DASHBOARD: (
        "Strike-day dashboards are for workplace reps and union officers, each for their own area.",
        "If you need this area, ask your regional or national office to add your role.",
    ),
    Action.EXPORT: (
        "Only district, regional and national officers can export figures, for their own area.",
        "Ask the officer for that area for a copy.",
    ),
    Action.PLAN: (
        "Disputes, ballots and strike days are recorded by the union's district, regional and "
        "national officers.",
        "If you are one, ask your national office to add your role.",
    ),
    Action.BROADCAST: (
        "Only district, regional and national officers send broadcasts.",
        "Ask your district office to send a message to the people you have in mind.",
    ),
}


@dataclass(frozen=True)
class AccessRule:
    """What a view needs, as its decorator declared it."""

    kind: str
    action: Action | None = None
    place: Callable[..., Target] | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.action is None:
            return self.kind
        where = f" at {self.place.__name__}" if self.place is not None else " somewhere"
        return f"{self.kind}: {self.action}{where}"


@dataclass
class Target:
    """What a place resolver found from the URL: the place to check, its union, and the row the
    view works on (so it is not read twice)."""

    place: Any
    union: Any
    obj: Any = None

    @property
    def union_id(self) -> int:
        return self.union if isinstance(self.union, int) else self.union.pk


def _mark(view: Callable[..., HttpResponse], rule: AccessRule) -> Callable[..., HttpResponse]:
    view.access = rule  # type: ignore[attr-defined]
    return view


def access_rule(view: Any) -> AccessRule | None:
    """The rule a view declared (None when it declared none)."""
    return getattr(view, "access", None)


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path())


def may_anywhere(viewer: Viewer, action: Action) -> bool:
    """May the viewer do ``action`` somewhere, in some union?"""
    if viewer.is_anonymous:
        return False
    if any(r.kind in ALLOWED_KINDS[action] for r in viewer.roles):
        return True
    return action == Action.SIGN_UP and any(
        m.is_active and m.workplace_id for m in viewer.memberships
    )


def refusal(
    action: Action, *, hide: bool = False, message: str = "", next_step: str = ""
) -> Refused:
    """The ``Refused`` for an action, with its standard reason unless one is given."""
    reason, step = REASONS[action]
    return Refused(message or reason, hide=hide, next_step=next_step or step)


# --- The decorators ---------------------------------------------------------------------------


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anyone may open this page; it shows nobody's details."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return _mark(wrapper, AccessRule(PUBLIC))


def token_access(
    lookup: Callable[[str], Any] | None = None, *, param: str = "token"
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Whoever holds the secret in the URL. With ``lookup``: the row it opens, or a 404."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if lookup is not None:
                token = kwargs.get(param) or ""
                obj = lookup(token) if token and len(token) <= 100 else None
                if obj is None:
                    raise Refused("This link does not work (it may have expired).", hide=True)
                request.target = Target(place=None, union=None, obj=obj)
            return view(request, *args, **kwargs)

        note = getattr(lookup, "__name__", "") if lookup is not None else ""
        return _mark(wrapper, AccessRule(TOKEN, note=note))

    return decorate


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any signed-in person, about themselves only: the view reads only their own rows."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _sign_in_first(request)
        request.viewer = viewer_for(request.user)
        return view(request, *args, **kwargs)

    return _mark(wrapper, AccessRule(SIGNED_IN))


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The data officer: staff with the audit permission, or a superuser."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _sign_in_first(request)
        if not audit_viewer_allowed(request.user):
            raise Refused(
                "Only the union's data officer can read the audit log.",
                next_step="If you need an entry checked, write to the data protection officer.",
            )
        request.viewer = viewer_for(request.user)
        return view(request, *args, **kwargs)

    return _mark(wrapper, AccessRule(STAFF))


def requires(
    action: Action,
    *,
    place: Callable[..., Target] | None = None,
    gate: bool = False,
    reveal: Action | str | None = None,
    message: str = "",
    next_step: str = "",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A rep's or officer's page: the viewer must be allowed ``action`` at the place.

    ``place(request, **url_kwargs) -> Target`` finds the place (and the row) from the URL; it
    raises ``Refused(hide=True)`` for a row that does not exist. A ``Target`` whose place is
    ``ANYWHERE`` needs a role for the action anywhere in its union.

    Without ``place``, or with ``gate=True`` before looking anything up: who may do ``action``
    nowhere at all gets a 403 that says who the page is for (it tells them nothing about the
    row they asked for).

    Refused at the place: a 404 (the row's existence is hidden), unless ``reveal`` says the
    viewer knows it exists: ``reveal=Action.SIGN_UP`` (they may sign up there: a member of the
    school), or ``reveal=IN_UNION`` (they hold a role for the action in its union).
    """
    action = Action(action)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _sign_in_first(request)
            viewer = viewer_for(request.user)
            request.viewer = viewer
            if (place is None or gate) and not may_anywhere(viewer, action):
                raise refusal(action, message=message, next_step=next_step)
            if place is not None:
                target = place(request, **kwargs)
                request.target = target
                if not _allowed(viewer, action, target):
                    hide = not _revealed(viewer, action, target, reveal)
                    raise refusal(action, hide=hide, message=message, next_step=next_step)
            return view(request, *args, **kwargs)

        return _mark(wrapper, AccessRule(ROLE, action=action, place=place))

    return decorate


def _allowed(viewer: Viewer, action: Action, target: Target) -> bool:
    if target.union is None:
        return False
    if target.place is ANYWHERE:
        return bool(viewer.roles_in(target.union_id, ALLOWED_KINDS[action]))
    return viewer.may(action, target.place, union=target.union_id)


def _revealed(viewer: Viewer, action: Action, target: Target, reveal: Action | str | None) -> bool:
    if reveal is None or target.union is None:
        return False
    if reveal == IN_UNION:
        return bool(viewer.roles_in(target.union_id, ALLOWED_KINDS[action]))
    if target.place is ANYWHERE:
        return bool(viewer.roles_in(target.union_id, ALLOWED_KINDS[Action(reveal)]))
    return viewer.may(Action(reveal), target.place, union=target.union_id)


# --- The one handler ---------------------------------------------------------------------------


class RefusalMiddleware:
    """Turns a refusal raised by a view into the styled 403 or 404 page (a small fragment for
    htmx). Covers ``Refused``/``NotAllowed`` and Django's ``PermissionDenied`` and ``Http404``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Refused):
            hide, message, next_step = exception.hide, exception.message, exception.next_step
        elif isinstance(exception, NotAllowed):
            hide, message, next_step = False, exception.message, ""
        elif isinstance(exception, PermissionDenied):
            hide, message, next_step = False, str(exception), ""
        elif isinstance(exception, Http404):
            hide, message, next_step = True, "", ""
        else:
            return None
        return refusal_response(request, hide=hide, message=message, next_step=next_step)


def refusal_response(
    request: HttpRequest, *, hide: bool, message: str = "", next_step: str = ""
) -> HttpResponse:
    status = 404 if hide else 403
    context = {
        # A 404 says nothing about why: the reason could tell what exists.
        "message": "" if hide else message,
        "next_step": "" if hide else next_step,
        "signed_in_as": getattr(request.user, "email", "")
        if getattr(request, "user", None) is not None and request.user.is_authenticated
        else "",
        "partial": bool(getattr(request, "htmx", False)),
    }
    if not context["partial"]:
        return render(request, f"{status}.html", context, status=status)
    # htmx: a small notice at the top of the page (static/js/app.js lets it swap in, since
    # htmx leaves 4xx answers out by default).
    context["status"] = status
    response = render(request, "_refusal.html", context, status=status)
    response["HX-Retarget"] = "#main"
    response["HX-Reswap"] = "afterbegin"
    response["X-Refusal"] = str(status)
    return response
