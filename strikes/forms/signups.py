"""Forms for the sign-up pages: parsing only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from members.phones import PhoneField


class SupporterForm(forms.Form):
    shift = forms.TypedChoiceField(
        coerce=int, label="Which shift can you join?", widget=forms.RadioSelect
    )
    name = forms.CharField(max_length=100, label="Your name")
    email = forms.EmailField(required=False, label="Email address")
    phone = PhoneField(mobile=True, required=False, label="Or a mobile number")
    consent = forms.BooleanField(
        required=True,
        label=(
            "I agree that the union keeps my name and contact for this picket line's supporter "
            "rota, to send me a confirmation and reminders, and deletes them after the dispute."
        ),
        error_messages={"required": "Please tick this box so we can keep your details."},
    )

    def __init__(self, *args: Any, shifts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        self.fields["shift"].choices = [
            (
                s.pk,
                f"{timezone.localtime(s.starts_at):%H:%M}–{timezone.localtime(s.ends_at):%H:%M}",
            )
            for s in shifts
        ]
        if len(shifts) == 1:
            self.fields["shift"].initial = shifts[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        no_contact = not data.get("email") and not data.get("phone")
        if no_contact and not self.errors.get("email") and not self.errors.get("phone"):
            raise forms.ValidationError("Give an email address or a mobile number.")
        return data
