"""Forms for the planning pages: parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from members.permissions import Action, Viewer
from schools.models import AcademyTrust, District, Nation, Region, School
from schools.search import school_label, schools_matching
from strikes.mandate import date_problem
from strikes.models import Ballot, StaffGroup, StrikeDay
from strikes.models.planning import DEFAULT_EMPLOYER_KINDS, EmployerKind, PlaceKind

# A date input sends and shows ISO dates, whatever the locale formats.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _area_places(viewer: Viewer, union: Any) -> dict[str, Any]:
    """The places this viewer may plan for, to offer as choices."""
    union_id = union.pk
    area = viewer.area_q(
        Action.PLAN, union=union_id, school="pk", district="pk", region="region_id"
    )
    national = viewer.may(Action.PLAN, None, union=union_id)
    return {
        "nations": Nation.objects.all() if national else Nation.objects.none(),
        "regions": Region.objects.filter(
            pk__in=[r.region_id for r in viewer.roles_in(union_id, ("regional_officer",))]
        )
        if not national
        else Region.objects.all(),
        "districts": District.objects.filter(area).select_related("region").distinct(),
        "trusts": AcademyTrust.objects.all(),
    }


class SchoolUrnsField(forms.CharField):
    """Schools by URN (separated by commas or spaces) or, one per line, by name, town or
    postcode. A line matching several schools is refused with the matches and their URNs, so
    two schools of the same name are told apart."""

    widget = forms.Textarea(attrs={"rows": 2})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 4000)
        kwargs.setdefault(
            "help_text",
            "URNs, or one school per line by name, former name, town or postcode. "
            "Find a school's URN with the search below.",
        )
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> list[School]:
        text = super().clean(value) or ""
        urns: set[int] = set()
        problems: list[str] = []
        found: dict[int, School] = {}
        for line in text.splitlines():
            parts = [p for p in line.replace(",", " ").split() if p]
            if not parts:
                continue
            if all(p.isdigit() for p in parts):
                if any(len(p) > 9 for p in parts):
                    problems.append("A URN has at most 9 digits.")
                    continue
                urns |= {int(p) for p in parts}
                continue
            matches = schools_matching(line, limit=6)
            if len(matches) == 1:
                found[matches[0].pk] = matches[0]
            elif not matches:
                problems.append(f"No school matches {line.strip()[:60]!r}.")
            else:
                listed = "; ".join(school_label(s) for s in matches[:5])
                problems.append(
                    f"{line.strip()[:60]!r} matches several schools ({listed}): give the URN."
                )
        if urns:
            by_urn = list(School.objects.filter(urn__in=urns).select_related("district__region"))
            missing = urns - {s.urn for s in by_urn}
            if missing:
                problems.append(
                    f"No school with URN {', '.join(str(u) for u in sorted(missing)[:5])}."
                )
            for school in by_urn:
                found[school.pk] = school
        if problems:
            raise forms.ValidationError(problems)
        return list(found.values())


class PlausibleDateField(forms.DateField):
    """A date between 2000 and two years from today: 9999-12-31 is a typo, not a ballot."""

    def __init__(self, *args: Any, what: str = "the date", **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault("widget", DATE)
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Any:
        day = super().clean(value)
        if day is not None:
            problem = date_problem(day, what=self.what)
            if problem:
                raise forms.ValidationError(problem)
        return day


def notice_given_on_field() -> PlausibleDateField:
    """The day the employers were (or will be) given notice: today unless said otherwise."""
    return PlausibleDateField(
        what="the day notice is given",
        required=False,
        initial=timezone.localdate,
        label="Notice given to the employers on",
        help_text="The day the employers receive (or will receive) the union's notice of action. "
        "It decides how much notice the law asks for: 14 days for notice given before 18 "
        "February 2026, 10 from then. Leave it as today if notice goes today.",
    )


class DisputeForm(forms.Form):
    title = forms.CharField(max_length=200)
    place_kind = forms.ChoiceField(
        choices=PlaceKind.choices,
        initial=PlaceKind.NATIONAL,
        widget=forms.RadioSelect,
        label="Where is the dispute?",
    )
    nations = forms.ModelMultipleChoiceField(
        queryset=Nation.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    regions = forms.ModelMultipleChoiceField(
        queryset=Region.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    districts = forms.ModelMultipleChoiceField(
        queryset=District.objects.all(),
        required=False,
        help_text="For a district dispute, or the local authorities as employers.",
    )
    trusts = forms.ModelMultipleChoiceField(queryset=AcademyTrust.objects.all(), required=False)
    schools = SchoolUrnsField(required=False, label="Schools")
    employer_kinds = forms.MultipleChoiceField(
        choices=EmployerKind.choices,
        initial=DEFAULT_EMPLOYER_KINDS,
        widget=forms.CheckboxSelectMultiple,
        label="Which employers' schools",
        help_text="Independent schools, colleges and universities are only called out when ticked.",
    )
    staff_groups = forms.MultipleChoiceField(
        choices=StaffGroup.choices, widget=forms.CheckboxSelectMultiple
    )
    scope_note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Scope (notes)",
    )

    PLACE_FIELD = {
        "nation": "nations",
        "region": "regions",
        "district": "districts",
        "employer": "districts",
        "trust": "trusts",
        "schools": "schools",
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        field = self.PLACE_FIELD.get(data.get("place_kind") or "")
        if field and not data.get(field):
            self.add_error(field, "Choose at least one.")
        return data

    def places(self) -> dict[str, Any]:
        field = self.PLACE_FIELD.get(self.cleaned_data["place_kind"])
        return {field: list(self.cleaned_data[field])} if field else {}


class BallotForm(forms.Form):
    kind = forms.ChoiceField(choices=Ballot.Kind.choices, initial=Ballot.Kind.POSTAL)
    aggregation = forms.ChoiceField(
        choices=Ballot.Aggregation.choices, initial=Ballot.Aggregation.AGGREGATED
    )
    nations = forms.ModelMultipleChoiceField(
        queryset=Nation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members asked in",
        help_text="Leave empty for every nation of the dispute.",
    )
    staff_groups = forms.MultipleChoiceField(
        choices=StaffGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Staff asked",
        required=False,
        help_text="Leave empty for the dispute's staff groups.",
    )
    opens_on = PlausibleDateField(label="Opened on", what="the day the ballot opened")
    closes_on = PlausibleDateField(label="Closed on", what="the day the ballot closed")
    electorate = forms.IntegerField(min_value=0, max_value=10_000_000)
    electorate_teacher = forms.IntegerField(
        min_value=0, max_value=10_000_000, required=False, label="of whom teachers"
    )
    electorate_leader = forms.IntegerField(
        min_value=0, max_value=10_000_000, required=False, label="of whom heads and leaders"
    )
    electorate_support = forms.IntegerField(
        min_value=0,
        max_value=10_000_000,
        required=False,
        label="of whom support staff",
        help_text="The electorate by staff group decides whether the 40% test applies (before "
        "18 February 2026). Leave empty if not known.",
    )
    votes_cast = forms.IntegerField(min_value=0, max_value=10_000_000)
    votes_yes = forms.IntegerField(min_value=0, max_value=10_000_000, label="Yes")
    votes_no = forms.IntegerField(min_value=0, max_value=10_000_000, label="No")
    employer_agreed_extension = forms.BooleanField(
        required=False, label="The employers agreed to extend the mandate"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The ballot must close on or after the day it opens.")
        electorate, cast = data.get("electorate"), data.get("votes_cast")
        yes, no = data.get("votes_yes"), data.get("votes_no")
        if electorate is not None and cast is not None and cast > electorate:
            self.add_error(
                "votes_cast",
                f"{cast} votes cast is more than the electorate of {electorate}. "
                "Check the figures.",
            )
        if cast is not None and yes is not None and no is not None and yes + no > cast:
            self.add_error(
                "votes_yes",
                f"{yes} yes and {no} no add up to more than the {cast} votes cast. "
                "Check the figures.",
            )
        for name in ("electorate_teacher", "electorate_leader", "electorate_support"):
            data[name] = data.get(name) or 0
        if not data.get("staff_groups"):
            data["staff_groups"] = None
        return data


class BallotUnitForm(forms.Form):
    school = SchoolUrnsField(required=False, label="School URN")
    district = forms.ModelChoiceField(queryset=District.objects.all(), required=False)
    trust = forms.ModelChoiceField(queryset=AcademyTrust.objects.all(), required=False)
    electorate = forms.IntegerField(min_value=0, max_value=10_000_000)
    votes_cast = forms.IntegerField(min_value=0, max_value=10_000_000)
    votes_yes = forms.IntegerField(min_value=0, max_value=10_000_000, label="Yes")
    votes_no = forms.IntegerField(min_value=0, max_value=10_000_000, label="No")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        schools = data.get("school") or []
        chosen = sum(bool(x) for x in (schools, data.get("district"), data.get("trust")))
        if chosen != 1 or len(schools) > 1:
            raise forms.ValidationError("Give one school URN, or choose one district or trust.")
        data["school"] = schools[0] if schools else None
        return data


class AnnounceForm(forms.Form):
    date = PlausibleDateField(what="the strike day", label="Date (the first day)")
    until = PlausibleDateField(
        what="the last day of the run",
        required=False,
        label="Until (for a run of consecutive days)",
        help_text="Leave empty for one day.",
    )
    more_dates = forms.CharField(
        required=False,
        max_length=400,
        label="Or other dates too",
        help_text="Dates as YYYY-MM-DD, separated by commas or spaces: announced together, with "
        "one notice check and one message.",
    )
    notice_given_on = notice_given_on_field()
    starts_at = forms.TimeField(widget=TIME, initial=dt.time(7, 30), label="Starts")
    ends_at = forms.TimeField(widget=TIME, initial=dt.time(16, 0), label="Ends")
    title = forms.CharField(max_length=200, required=False)
    scope_kind = forms.ChoiceField(
        choices=StrikeDay.ScopeKind.choices, widget=forms.RadioSelect, label="Which schools"
    )
    nations = forms.ModelMultipleChoiceField(
        queryset=Nation.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    regions = forms.ModelMultipleChoiceField(
        queryset=Region.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    districts = forms.ModelMultipleChoiceField(
        queryset=District.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    trusts = forms.ModelMultipleChoiceField(queryset=AcademyTrust.objects.all(), required=False)
    schools = SchoolUrnsField(required=False, label="Schools")

    PLACE_FOR_KIND = {
        "nation": "nations",
        "region": "regions",
        "district": "districts",
        "trust": "trusts",
        "schools": "schools",
    }

    def __init__(self, *args: Any, viewer: Viewer, union: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = _area_places(viewer, union)
        for name in ("nations", "regions", "districts"):
            self.fields[name].queryset = places[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The day must end after it starts.")
        kind = data.get("scope_kind")
        field = self.PLACE_FOR_KIND.get(kind or "")
        if field and not data.get(field):
            self.add_error(field, "Choose at least one.")
        first, until = data.get("date"), data.get("until")
        if first and until:
            if until < first:
                self.add_error("until", "The run must end on or after its first day.")
            elif (until - first).days > 30:
                self.add_error("until", "Announce at most 31 days at once.")
        parsed: list[dt.date] = []
        for part in (data.get("more_dates") or "").replace(",", " ").split():
            try:
                day = dt.date.fromisoformat(part)
            except ValueError:
                self.add_error("more_dates", f"{part[:20]} is not a date like 2026-12-10.")
                break
            problem = date_problem(day, what=f"the date {part}")
            if problem:
                self.add_error("more_dates", problem)
                break
            parsed.append(day)
        data["more_dates_parsed"] = parsed
        notice = data.get("notice_given_on")
        if first and notice and notice >= first:
            self.add_error("notice_given_on", "Notice must be given before the first strike day.")
        return data

    def dates(self) -> list[dt.date]:
        """Every date of the run: the first, the consecutive days until ``until``, the others."""
        data = self.cleaned_data
        first, until = data["date"], data.get("until")
        days = [first]
        if until:
            days += [first + dt.timedelta(days=i) for i in range(1, (until - first).days + 1)]
        return sorted(set(days + data.get("more_dates_parsed", [])))

    def places(self) -> dict[str, Any]:
        """Only the places for the chosen kind of scope."""
        field = self.PLACE_FOR_KIND.get(self.cleaned_data["scope_kind"])
        return {field: list(self.cleaned_data[field])} if field else {}


class PartForm(forms.Form):
    """Part of a day's scope, for cancelling or moving."""

    KINDS = [
        ("nation", "A nation"),
        ("region", "Regions"),
        ("district", "Districts"),
        ("schools", "Schools"),
    ]
    part = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, label="Which part")
    nation = forms.ModelChoiceField(queryset=Nation.objects.none(), required=False)
    regions = forms.ModelMultipleChoiceField(
        queryset=Region.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    districts = forms.ModelMultipleChoiceField(
        queryset=District.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    schools = SchoolUrnsField(required=False, label="Schools")

    def __init__(self, *args: Any, viewer: Viewer, union: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = _area_places(viewer, union)
        self.fields["nation"].queryset = places["nations"]
        self.fields["regions"].queryset = places["regions"]
        self.fields["districts"].queryset = places["districts"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        field = {
            "nation": "nation",
            "region": "regions",
            "district": "districts",
            "schools": "schools",
        }.get(data.get("part") or "")
        if field and not data.get(field):
            self.add_error(field, "Choose at least one.")
        return data

    def places(self) -> dict[str, Any]:
        part = self.cleaned_data["part"]
        if part == "nation":
            return {"nation": self.cleaned_data["nation"]}
        field = {"region": "regions", "district": "districts", "schools": "schools"}[part]
        return {field: list(self.cleaned_data[field])}


class MoveForm(PartForm):
    new_date = PlausibleDateField(label="Move to", what="the new date")
    notice_given_on = notice_given_on_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        new, notice = data.get("new_date"), data.get("notice_given_on")
        if new and notice and notice >= new:
            self.add_error("notice_given_on", "Notice must be given before the new date.")
        return data


class RallyForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=[("rally", "Rally"), ("march", "March")])
    starts_at = forms.TimeField(widget=TIME, label="Time")
    meeting_point = forms.CharField(max_length=200)
    route = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    speakers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False)
    district = forms.ModelChoiceField(queryset=District.objects.none(), required=False)

    def __init__(self, *args: Any, viewer: Viewer, union: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = _area_places(viewer, union)
        self.fields["region"].queryset = places["regions"]
        self.fields["district"].queryset = places["districts"]
        self.fields["region"].help_text = "Leave region and district empty for a national event."
