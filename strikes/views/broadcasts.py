"""Broadcasts: an organiser messages the reps or members of their place."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from kernel.errors import DomainError
from members.access import refusal, requires
from members.permissions import Action
from strikes.services.broadcasts import AUDIENCES, broadcast_scopes, broadcast_send


class BroadcastForm(forms.Form):
    scope = forms.ChoiceField(label="To people in")
    audience = forms.ChoiceField(
        label="Who", choices=list(AUDIENCES.items()), widget=forms.RadioSelect, initial="reps"
    )
    subject = forms.CharField(max_length=150)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: object, scopes: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(s.key, s.label) for s in scopes]


@requires(Action.BROADCAST)
def broadcast_new(request: HttpRequest) -> HttpResponse:
    scopes = broadcast_scopes(user=request.user)
    if not scopes:
        raise refusal(Action.BROADCAST)
    form = BroadcastForm(request.POST or None, scopes=scopes, initial={"nonce": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = broadcast_send(
                scope_key=data["scope"],
                audience=data["audience"],
                subject=data["subject"],
                message=data["message"],
                nonce=data["nonce"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            label = dict(form.fields["scope"].choices)[data["scope"]]
            if count:
                messages.success(
                    request,
                    f"Your message is on its way to {count} {AUDIENCES[data['audience']]}"
                    f" in {label}. You can follow it under Messages.",
                )
            else:
                messages.warning(
                    request,
                    f"Nobody to send to: no {AUDIENCES[data['audience']]}"
                    f" in {label} receive messages.",
                )
            return redirect("strikes:broadcast-new")
    return render(request, "strikes/broadcasts/new.html", {"form": form})


urlpatterns = [
    path("broadcast/", broadcast_new, name="broadcast-new"),
]
