"""Your school's picket lines (placeholder page until this area's work lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def rep_home(request: HttpRequest) -> HttpResponse:
    return render(request, "strikes/placeholder.html", {"title": "Your school's picket lines"})


urlpatterns = [
    path("rep-home/", rep_home, name="rep-home"),
]
