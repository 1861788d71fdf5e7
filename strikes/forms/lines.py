"""Forms for reps running their picket lines. Each parses input; the services decide."""

from __future__ import annotations

import re
import uuid

from django import forms

from kernel.forms import IdField, count_field, text_field
from strikes.models import PicketReport
from strikes.services.lines import REPORT_LIMITS, REPORT_TEXT_LIMIT

SLOT = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def new_nonce() -> str:
    return uuid.uuid4().hex


class NonceField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(widget=forms.HiddenInput, max_length=64, **kwargs)


class PatternForm(forms.Form):
    slots = forms.CharField(
        label="Shift times",
        initial="07:30–08:30, 08:30–09:30",
        help_text="Comma-separated, like 07:30–08:30, 08:30–09:30. Made at every entrance.",
        max_length=200,
    )
    capacity = forms.IntegerField(label="Places per shift", min_value=1, max_value=100, initial=6)
    minimum_wanted = forms.IntegerField(
        label="Minimum wanted", min_value=0, max_value=100, initial=2
    )

    def clean_slots(self) -> list[tuple[str, str]]:
        pattern = []
        for part in self.cleaned_data["slots"].split(","):
            if not part.strip():
                continue
            match = SLOT.match(part)
            if not match:
                raise forms.ValidationError(
                    f"“{part.strip()}” is not a time range like 07:30–08:30."
                )
            for hhmm in match.groups():
                hour, minute = (int(x) for x in hhmm.split(":"))
                if hour > 23 or minute > 59:
                    raise forms.ValidationError(f"“{hhmm}” is not a time of day.")
            pattern.append((match.group(1), match.group(2)))
        if not pattern:
            raise forms.ValidationError("Give at least one shift time.")
        return pattern


class ShiftForm(forms.Form):
    starts_at = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=100)
    minimum_wanted = forms.IntegerField(label="Minimum wanted", min_value=0, max_value=100)


class OrganiserForm(forms.Form):
    supervisor_name = forms.CharField(label="Name", max_length=150, required=False)


class NudgeForm(forms.Form):
    user = IdField(widget=forms.HiddenInput)


class CheckInForm(forms.Form):
    signup = IdField(widget=forms.HiddenInput)
    nonce = NonceField(required=False)


class WalkUpForm(forms.Form):
    shift = IdField(widget=forms.HiddenInput)
    name = forms.CharField(label="Name", max_length=100, strip=True)
    is_supporter = forms.BooleanField(label="Supporter, not a picket", required=False)
    nonce = NonceField()


class NoShowForm(forms.Form):
    shift = IdField(widget=forms.HiddenInput)
    nonce = NonceField(required=False)


class ReportForm(forms.ModelForm):
    nonce = NonceField()
    pickets = count_field(label="Pickets here", maximum=REPORT_LIMITS["pickets"], what="pickets")
    supporters = count_field(
        label="Supporters here", maximum=REPORT_LIMITS["supporters"], what="supporters"
    )
    members_working = count_field(
        label="Members working", maximum=REPORT_LIMITS["members_working"], what="staff"
    )
    non_balloted_refusing = count_field(
        label="Non-balloted staff refusing to cross",
        maximum=REPORT_LIMITS["non_balloted_refusing"],
        what="staff",
    )
    agency_staff = count_field(
        label="Agency or cover staff seen", maximum=REPORT_LIMITS["agency_staff"], what="staff"
    )
    incident = text_field(
        label="What happened",
        max_length=REPORT_TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REPORT_TEXT_LIMIT}),
    )
    notes = text_field(
        label="Notes",
        max_length=REPORT_TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REPORT_TEXT_LIMIT}),
    )

    class Meta:
        model = PicketReport
        fields = [
            "school_status",
            "pickets",
            "supporters",
            "members_working",
            "non_balloted_refusing",
            "agency_staff",
            "police_present",
            "media_present",
            "incident_at",
            "incident",
            "escalate",
            "notes",
        ]
        labels = {
            "school_status": "School is",
            "pickets": "Pickets here",
            "supporters": "Supporters here",
            "members_working": "Members working",
            "non_balloted_refusing": "Non-balloted staff refusing to cross",
            "agency_staff": "Agency or cover staff seen",
            "police_present": "Police present",
            "media_present": "Media present",
            "incident_at": "Incident time",
            "incident": "What happened",
            "escalate": "Escalate to the district officer now",
            "notes": "Notes",
        }
        widgets = {
            "school_status": forms.RadioSelect,
            "incident_at": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in REPORT_LIMITS:
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
            self.fields[name].required = False

    def clean(self) -> dict:
        data = super().clean()
        for name in REPORT_LIMITS:
            if data.get(name) is None and name not in self.errors:
                data[name] = 0
        if data.get("escalate") and not (data.get("incident") or "").strip():
            self.add_error(
                "incident", "Say what happened before escalating, so the district officer can act."
            )
        return data

    def _post_clean(self) -> None:
        # The service builds and validates the row; the form only parses the input.
        pass

    QUICK = ("nonce", "school_status", "pickets", "supporters")

    def more_fields(self) -> list[forms.BoundField]:
        """The fields folded under "More": a quick update needs only the status and counts."""
        return [self[name] for name in self.fields if name not in self.QUICK]

    def more_has_errors(self) -> bool:
        return any(field.errors for field in self.more_fields())

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class EntranceForm(forms.Form):
    """A new entrance, at an existing site (by name) or a new one."""

    entrance_name = forms.CharField(max_length=100, label="Entrance", help_text="e.g. Back gate")
    site_name = forms.CharField(
        max_length=100,
        required=False,
        label="Site",
        help_text="Leave empty for the main site; a new name adds a site.",
    )
