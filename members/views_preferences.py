"""How a person hears from us: email or text message, and whether they get non-essential
messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kernel.errors import DomainError
from members.access import signed_in
from members.models import User
from members.services import user_preferences_update


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(
        label="How should we send you messages?",
        choices=User.Channel.choices,
        widget=forms.RadioSelect,
    )
    non_essential_opt_out = forms.BooleanField(
        required=False,
        label="Send me only the essentials",
        help_text=(
            "You will still get sign-up confirmations and news of changes to your own shifts. "
            "You will not get reminders, nudges from your rep, announcements of strike days, "
            "the evening staffing summary for reps and officers, or messages to everyone."
        ),
    )


@signed_in
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "preferred_channel": user.preferred_channel,
        "non_essential_opt_out": user.reminders_opt_out,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_preferences_update(
                user=user,
                preferred_channel=form.cleaned_data["preferred_channel"],
                non_essential_opt_out=form.cleaned_data["non_essential_opt_out"],
                acting_user=user,
            )
        except DomainError as exc:
            form.add_error("preferred_channel", exc.message)
        else:
            messages.success(request, "Saved. We will send your messages the way you chose.")
            return redirect("members:preferences")
    return render(
        request, "members/preferences.html", {"form": form, "has_phone": bool(user.phone)}
    )
