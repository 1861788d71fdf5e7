"""The outbox page for reps and organisers, and the signed one-tap links in reminders."""

from __future__ import annotations

import re

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from kernel.errors import DomainError
from kernel.ratelimit import HTTP_METHODS, public_link
from members.access import requires, token_access
from members.permissions import Action
from strikes.messages import signup_link_read
from strikes.models import Notification, Signup
from strikes.selectors.notifications import (
    notification_counts_for_viewer,
    notifications_for_viewer,
    signup_for_link,
)
from strikes.services.reminders import signup_confirm
from strikes.services.signups import signup_cancel

OUTBOX_LIMIT = 200
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d ()-]{7,}\d")


def _redact(error: str) -> str:
    """Errors from mail servers can quote addresses: show the error, not the contact."""
    return _CONTACT.sub("[contact]", error)


# Reps for their school, officers for their area: the people who have a dashboard.
@requires(
    Action.VIEW_DASHBOARD,
    message="The outbox is for workplace reps and union officers.",
    next_step="Your own messages are listed under “My shifts”.",
)
def outbox(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    status = request.GET.get("status", "")
    if status not in Notification.Status.values:
        status = ""
    counts = notification_counts_for_viewer(viewer=viewer)
    rows = list(notifications_for_viewer(viewer=viewer, status=status)[:OUTBOX_LIMIT])
    for row in rows:
        row.recipient_name = row.user.display_name if row.user else row.supporter.name
        row.error_shown = _redact(row.last_error)
        line = row.signup.shift.picket_line if row.signup else None
        row.place = (
            f"{line.school.name}, {line.entrance.name}"
            if line
            else (row.school.name if row.school else (row.district.name if row.district else ""))
        )
    return render(
        request,
        "strikes/notifications/outbox.html",
        {
            "rows": rows,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in Notification.Status.choices
            ],
            "limit": OUTBOX_LIMIT,
        },
    )


@token_access()  # a signed token: the view reads it, and says why a bad one does not work
@never_cache
@public_link(writes=HTTP_METHODS)  # the one-tap confirm writes on GET
def signup_link(request: HttpRequest, token: str) -> HttpResponse:
    """The evening-before links. Confirm works in one tap; cancel asks once more (a POST), so a
    mail scanner following links can never give someone's place away."""
    try:
        signup_id, action = signup_link_read(token)
    except signing.SignatureExpired:
        return _link_page(
            request,
            "This link has expired",
            "Links in reminders work for two days. Open “My shifts” to confirm or cancel.",
            status=410,
        )
    except signing.BadSignature:
        return _link_page(
            request,
            "This link does not work",
            "It may have been cut short when it was copied. Open “My shifts” to confirm or cancel.",
            status=400,
        )
    signup = signup_for_link(signup_id=signup_id)
    if signup is None:
        return _link_page(
            request, "We could not find that sign-up", "It may have been removed.", status=404
        )
    context = {"signup": signup, "shift": signup.shift, "line": signup.shift.picket_line}
    try:
        if action == "confirm":
            signup = signup_confirm(signup_id=signup.pk, acting_user=signup.user)
            return render(request, "strikes/notifications/confirmed.html", context)
        if request.method == "POST":
            signup_cancel(signup=signup, acting_user=signup.user)
            return render(request, "strikes/notifications/cancelled.html", context)
    except DomainError as exc:
        return _link_page(request, "That did not work", str(exc.message), status=409)
    if signup.status == Signup.Status.CANCELLED:
        return render(request, "strikes/notifications/cancelled.html", context)
    return render(request, "strikes/notifications/cancel_ask.html", context)


def _link_page(request: HttpRequest, title: str, text: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "strikes/notifications/link_problem.html",
        {"title": title, "text": text},
        status=status,
    )


urlpatterns = [
    path("outbox/", outbox, name="outbox"),
    path("reply/<str:token>/", signup_link, name="signup-link"),
]
