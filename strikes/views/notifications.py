"""Messages sent (placeholder page until this area's work lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    return render(request, "strikes/placeholder.html", {"title": "Messages sent"})


urlpatterns = [
    path("outbox/", outbox, name="outbox"),
]
