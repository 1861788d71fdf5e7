"""The outbox page for reps and organisers, and the signed one-tap links in reminders."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from kernel.errors import DomainError
from kernel.ratelimit import HTTP_METHODS, public_link
from members.permissions import viewer_for
from strikes.messages import signup_link_read
from strikes.models import Notification, Signup
from strikes.services.notifications import notifications_for_viewer, outbox_visible_to
from strikes.services.reminders import signup_confirm
from strikes.services.signups import signup_cancel

OUTBOX_LIMIT = 200
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d ()-]{7,}\d")


def _redact(error: str) -> str:
    """Errors from mail servers can quote addresses: show the error, not the contact."""
    return _CONTACT.sub("[contact]", error)


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    if not outbox_visible_to(viewer):
        return render(
            request,
            "strikes/notifications/refused.html",
            {"reason": "The outbox is for workplace reps and union officers."},
            status=403,
        )
    status = request.GET.get("status", "")
    if status not in Notification.Status.values:
        status = ""
    counts = dict(
        notifications_for_viewer(viewer=viewer)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
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
    signup = (
        Signup.objects.select_related(
            "user", "shift__picket_line__school", "shift__picket_line__entrance"
        )
        .filter(pk=signup_id, user__isnull=False)
        .first()
    )
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
