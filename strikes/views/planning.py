"""Plan the action (placeholder page until this area's work lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def planning_home(request: HttpRequest) -> HttpResponse:
    return render(request, "strikes/placeholder.html", {"title": "Plan the action"})


urlpatterns = [
    path("planning-home/", planning_home, name="planning-home"),
]
