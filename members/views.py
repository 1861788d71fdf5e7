"""Pages about the signed-in person: the home page that fits their roles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.access import public
from members.permissions import viewer_for


@public
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    if viewer.is_anonymous:
        return render(request, "members/welcome.html")
    return render(
        request,
        "members/home.html",
        {
            "memberships": viewer.memberships,
            "roles": viewer.roles,
            "is_officer": viewer.is_officer,
            "is_rep": bool(viewer.rep_school_ids),
        },
    )
