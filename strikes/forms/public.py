"""Forms for the public face: parsing only; the services decide."""

from __future__ import annotations

from django import forms

from strikes.models.public import ABOUT_MAX, MESSAGE_MAX


class SupportForm(forms.Form):
    sender = forms.CharField(
        max_length=100,
        label="Your name or your organisation",
        help_text="Shown with your message if you agree below.",
    )
    body = forms.CharField(
        max_length=MESSAGE_MAX,
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX}),
        help_text=f"Up to {MESSAGE_MAX:,} characters. A rep reads every message before it is "
        "shown.",
    )
    contact = forms.CharField(
        max_length=200,
        required=False,
        label="Your email or phone (optional)",
        help_text="Only the union sees it, to thank you; it is deleted when the dispute ends.",
    )
    consent_to_show = forms.BooleanField(
        required=False,
        label="Show my name and message on the public page (otherwise only the pickets see it).",
    )


class SupportTargetForm(forms.Form):
    """Where a message goes: ``?day=&school=`` on the form's address."""

    day = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    school = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class PublicDayQueryForm(forms.Form):
    district = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])


class PublishForm(forms.Form):
    action = forms.ChoiceField(choices=[("publish", "Publish"), ("unpublish", "Unpublish")])
    about = forms.CharField(
        max_length=ABOUT_MAX,
        required=False,
        label="What the dispute is about, in the union's words",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": ABOUT_MAX}),
    )
    show_counts = forms.BooleanField(
        required=False, label="Show how many pickets have signed up at each line"
    )
