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
from strikes.services.broadcasts import (
    AUDIENCES,
    BroadcastResult,
    broadcast_preview,
    broadcast_scopes,
    broadcast_send,
    broadcast_send_to_self,
)

SINGULAR = {"reps": "workplace rep", "members": "member"}


class BroadcastForm(forms.Form):
    scope = forms.ChoiceField(label="To people in")
    audience = forms.ChoiceField(
        label="Who", choices=list(AUDIENCES.items()), widget=forms.RadioSelect, initial="reps"
    )
    subject = forms.CharField(max_length=150)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The count the author saw in the preview; the send refuses if it has changed since.
    expected = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10_000_000
    )

    def __init__(self, *args: object, scopes: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(s.key, s.label) for s in scopes]


def _people(count: int, audience: str) -> str:
    return f"{count} {SINGULAR[audience] if count == 1 else AUDIENCES[audience]}"


@requires(Action.BROADCAST)
def broadcast_new(request: HttpRequest) -> HttpResponse:
    """Write, preview, send to yourself, then send: one page, one form.

    The first POST (``action=preview``) shows the email and text message as they will go and
    exactly how many people they go to; nothing is sent until the author confirms. The nonce
    rides along every step, so a double tap on Send queues each message once.
    """
    scopes = broadcast_scopes(user=request.user)
    if not scopes:
        raise refusal(Action.BROADCAST)
    form = BroadcastForm(request.POST or None, scopes=scopes, initial={"nonce": uuid.uuid4().hex})
    action = request.POST.get("action", "preview")
    if request.method != "POST" or action == "edit" or not form.is_valid():
        return render(request, "strikes/broadcasts/new.html", {"form": form})
    data = form.cleaned_data
    if action not in ("send", "self") or (action == "send" and data["expected"] is None):
        action = "preview"  # nothing goes before the author has seen the preview
    draft = {
        "scope_key": data["scope"],
        "audience": data["audience"],
        "subject": data["subject"],
        "message": data["message"],
        "acting_user": request.user,
    }
    try:
        if action == "send":
            result = broadcast_send(
                **draft, nonce=data["nonce"], expected_recipients=data["expected"]
            )
            return _sent(request, form, data, result)
        if action == "self":
            row = broadcast_send_to_self(**draft, nonce=data["nonce"])
            where = request.user.email
            if row is None:
                messages.info(request, "This version was already sent to you.")
            else:
                messages.success(
                    request,
                    f"A copy is on its way to you only ({where}, or by text if you chose text)."
                    " Check it, then send it to everyone below.",
                )
        preview = broadcast_preview(**draft)
    except DomainError as exc:
        if exc.code != "recipients_changed":
            form.add_error(None, exc.message)
            return render(request, "strikes/broadcasts/new.html", {"form": form})
        messages.warning(request, exc.message)
        preview = broadcast_preview(**draft)
    return render(
        request,
        "strikes/broadcasts/preview.html",
        {
            "form": form,
            "preview": preview,
            "people": _people(preview.recipients, preview.audience),
            "audience_label": AUDIENCES[preview.audience],
        },
    )


def _sent(
    request: HttpRequest, form: BroadcastForm, data: dict, result: BroadcastResult
) -> HttpResponse:
    label = dict(form.fields["scope"].choices)[data["scope"]]
    who = _people(result.recipients, data["audience"])
    if result.already_sent:
        messages.info(request, f"Already sent: this message went to {who} in {label} once.")
    elif result.recipients:
        messages.success(
            request,
            f"Your message is on its way to {who} in {label}. You can follow it under Messages.",
        )
    else:
        messages.warning(
            request,
            f"Nobody to send to: no {AUDIENCES[data['audience']]} in {label} receive messages.",
        )
    return redirect("strikes:broadcast-new")


urlpatterns = [
    path("broadcast/", broadcast_new, name="broadcast-new"),
]
