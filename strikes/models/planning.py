"""Rule sets, disputes, ballots, strike days, the schools each day calls out, and rallies."""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from schools.models import School


class StaffGroup(models.TextChoices):
    TEACHER = "teacher", "Teachers"
    LEADER = "leader", "Heads and leaders"
    SUPPORT = "support", "Support staff"


# Who employs a school's staff: the law's kinds of employer.
EmployerKind = School.EmployerKind


# A dispute covers these employers unless it says otherwise: the state-funded schools.
DEFAULT_EMPLOYER_KINDS = [
    EmployerKind.LOCAL_AUTHORITY.value,
    EmployerKind.GOVERNING_BODY.value,
    EmployerKind.ACADEMY_TRUST.value,
]


def default_employer_kinds() -> list[str]:
    return list(DEFAULT_EMPLOYER_KINDS)


class Nations(models.TextChoices):
    """Nation codes as schools.Nation.code holds them; a rule set with none applies to all."""

    ALL = "", "Every nation"
    ENGLAND = "E", "England"
    WALES = "W", "Wales"


class ChoiceListField(models.JSONField):
    """A list of values from fixed choices, stored as JSON, edited as checkboxes (not JSON)."""

    def __init__(self, *args, item_choices=None, **kwargs):  # type: ignore[no-untyped-def]
        self.item_choices = list(item_choices or [])
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        # Choices are code, not schema: keep them out of migrations.
        path = "django.db.models.JSONField"
        return name, path, args, kwargs

    def formfield(self, **kwargs):  # type: ignore[no-untyped-def]
        from django import forms

        return forms.TypedMultipleChoiceField(
            choices=self.item_choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=kwargs.get("label") or self.verbose_name.capitalize(),
            help_text=self.help_text,
        )

    def validate(self, value, model_instance):  # type: ignore[no-untyped-def]
        super().validate(value, model_instance)
        from django.core.exceptions import ValidationError

        allowed = {c[0] for c in self.item_choices}
        if not isinstance(value, list) or any(v not in allowed for v in value):
            raise ValidationError("Choose from the list.")


class RuleSet(models.Model):
    """The law on ballots, mandates, notice and picketing, in force from a date.

    Rows, not constants: when the law changes, a new row is added and nothing else.
    """

    name = models.CharField(max_length=150, unique=True)
    effective_from = models.DateField(
        help_text="The first day this row decides (see docs/law.md for which date of a ballot, "
        "notice or strike day is compared with it)."
    )
    nation = models.CharField(
        max_length=1,
        choices=Nations.choices,
        blank=True,
        default="",
        help_text="Only for schools in this nation; empty for every nation.",
    )
    employer_kinds = ChoiceListField(
        item_choices=EmployerKind.choices,
        blank=True,
        help_text="Only for schools with these employers; none ticked for every employer.",
    )
    as_at = models.DateField(help_text="The date this guidance was last checked.")
    source = models.TextField(help_text="The Acts and regulations this row summarises.")
    turnout_threshold_pct = models.DecimalField(max_digits=5, decimal_places=2)
    important_service_support_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Share of the electorate voting yes, for important public services; empty "
        "when there is no such rule.",
    )
    important_service_staff_groups = ChoiceListField(
        item_choices=StaffGroup.choices,
        blank=True,
        help_text="Staff who normally work in important public services (in education: teachers "
        "and head teachers). The yes-of-electorate test applies when most of the electorate are "
        "in these groups.",
    )
    important_service_employer_kinds = ChoiceListField(
        item_choices=EmployerKind.choices,
        blank=True,
        help_text="Employers whose schools provide the important public service (education of "
        "those under 17).",
    )
    mandate_months = models.PositiveSmallIntegerField()
    mandate_months_with_agreement = models.PositiveSmallIntegerField()
    notice_days = models.PositiveSmallIntegerField()
    picket_supervisor_required = models.BooleanField()

    class Meta:
        ordering = ["effective_from", "nation"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from", "nation"], name="ruleset_one_per_date_and_nation"
            ),
            models.CheckConstraint(
                condition=Q(turnout_threshold_pct__gte=0, turnout_threshold_pct__lte=100),
                name="ruleset_turnout_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(mandate_months_with_agreement__gte=F("mandate_months")),
                name="ruleset_agreement_extends_mandate",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, *, nation: str | None, employer_kind: str | None) -> bool:
        """Does this row cover a school in ``nation`` (a code) with this kind of employer?

        ``None`` means "not known": only rows for every nation (or every employer) match it."""
        if self.nation and self.nation != nation:
            return False
        kinds = self.employer_kinds or []
        return not kinds or employer_kind in kinds

    @classmethod
    def pick(
        cls,
        rows: list[RuleSet],
        day: date,
        *,
        nation: str | None = None,
        employer_kind: str | None = None,
    ) -> RuleSet:
        """The row in force on ``day`` for this nation and employer: the latest that applies.

        A later row for everyone supersedes an earlier row for one nation (so the 2026 regime
        replaces the 2017 Welsh one); on the same date, the narrower row wins."""
        found = [
            r
            for r in rows
            if r.effective_from <= day and r.applies_to(nation=nation, employer_kind=employer_kind)
        ]
        if not found:
            raise cls.DoesNotExist(f"No rule set is in force on {day.day} {day:%B %Y}.")
        return max(found, key=lambda r: (r.effective_from, bool(r.nation), bool(r.employer_kinds)))

    @classmethod
    def in_force_on(
        cls, day: date, *, nation: str | None = None, employer_kind: str | None = None
    ) -> RuleSet:
        return cls.pick(list(cls.objects.all()), day, nation=nation, employer_kind=employer_kind)


class PlaceKind(models.TextChoices):
    NATIONAL = "national", "National"
    NATION = "nation", "Nation"
    REGION = "region", "Regions"
    DISTRICT = "district", "Districts"
    TRUST = "trust", "Academy trust"
    EMPLOYER = "employer", "Local authority as employer"
    SCHOOLS = "schools", "Chosen schools"


class Dispute(models.Model):
    """A trade dispute: its union, its place and the employers whose schools it covers.

    A strike day never calls out a school outside the dispute's place or employer kinds."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    union = models.ForeignKey("members.Union", on_delete=models.PROTECT, related_name="disputes")
    title = models.CharField(max_length=200)
    place_kind = models.CharField(
        "place", max_length=10, choices=PlaceKind.choices, default=PlaceKind.NATIONAL
    )
    nations = models.ManyToManyField("schools.Nation", blank=True, related_name="disputes")
    regions = models.ManyToManyField("schools.Region", blank=True, related_name="+")
    districts = models.ManyToManyField(
        "schools.District",
        blank=True,
        related_name="+",
        help_text="For a district dispute, or the local authorities as employers.",
    )
    trusts = models.ManyToManyField("schools.AcademyTrust", blank=True, related_name="+")
    schools = models.ManyToManyField("schools.School", blank=True, related_name="+")
    employer_kinds = ChoiceListField(
        item_choices=EmployerKind.choices,
        default=default_employer_kinds,
        help_text="Which employers' schools the dispute covers.",
    )
    staff_groups = ChoiceListField(
        item_choices=StaffGroup.choices,
        blank=True,
        help_text="The staff the dispute is about; each ballot says whom it asked.",
    )
    scope_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="dispute_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="dispute_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Ballot(models.Model):
    class Kind(models.TextChoices):
        INDICATIVE = "indicative", "Indicative (online)"
        POSTAL = "postal", "Statutory postal"
        ELECTRONIC = "electronic", "Statutory e-ballot"

    class Aggregation(models.TextChoices):
        AGGREGATED = "aggregated", "Aggregated"
        PER_UNIT = "per_unit", "Per unit (school or employer)"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="ballots")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.POSTAL)
    aggregation = models.CharField(
        max_length=12, choices=Aggregation.choices, default=Aggregation.AGGREGATED
    )
    # The constituency: who was asked. No nations: every nation of the dispute's place.
    nations = models.ManyToManyField("schools.Nation", blank=True, related_name="+")
    staff_groups = ChoiceListField(item_choices=StaffGroup.choices)
    opens_on = models.DateField()
    closes_on = models.DateField()
    electorate = models.PositiveIntegerField(default=0)
    # The electorate by staff group, when known (all zero: not given).
    electorate_teacher = models.PositiveIntegerField("teachers entitled to vote", default=0)
    electorate_leader = models.PositiveIntegerField("leaders entitled to vote", default=0)
    electorate_support = models.PositiveIntegerField("support staff entitled to vote", default=0)
    votes_cast = models.PositiveIntegerField(default=0)
    votes_yes = models.PositiveIntegerField(default=0)
    votes_no = models.PositiveIntegerField(default=0)
    employer_agreed_extension = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closes_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="ballot_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(votes_cast__lte=F("electorate")), name="ballot_votes_within_electorate"
            ),
            models.CheckConstraint(
                condition=Q(votes_yes__lte=F("votes_cast") - F("votes_no")),
                name="ballot_yes_and_no_within_votes_cast",
            ),
            models.CheckConstraint(
                condition=Q(electorate_teacher=0, electorate_leader=0, electorate_support=0)
                | Q(
                    electorate=F("electorate_teacher")
                    + F("electorate_leader")
                    + F("electorate_support")
                ),
                name="ballot_electorate_by_group_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ballot, {self.dispute}"

    @property
    def electorate_by_group(self) -> dict[str, int]:
        """The electorate per staff group; empty when the breakdown was not given."""
        split = {
            StaffGroup.TEACHER.value: self.electorate_teacher,
            StaffGroup.LEADER.value: self.electorate_leader,
            StaffGroup.SUPPORT.value: self.electorate_support,
        }
        return {g: n for g, n in split.items() if n} if any(split.values()) else {}

    @property
    def staff_groups_text(self) -> str:
        return staff_groups_text(self.staff_groups)


class BallotUnit(models.Model):
    """One unit's result in a per-unit ballot: a school or an employer (trust or district)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="units")
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    trust = models.ForeignKey(
        "schools.AcademyTrust", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    electorate = models.PositiveIntegerField()
    votes_cast = models.PositiveIntegerField()
    votes_yes = models.PositiveIntegerField()
    votes_no = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(school__isnull=False, trust__isnull=True, district__isnull=True)
                    | Q(school__isnull=True, trust__isnull=False, district__isnull=True)
                    | Q(school__isnull=True, trust__isnull=True, district__isnull=False)
                ),
                name="ballot_unit_is_one_place",
            ),
            models.CheckConstraint(
                condition=Q(votes_cast__lte=F("electorate")),
                name="ballot_unit_votes_within_electorate",
            ),
            models.CheckConstraint(
                condition=Q(votes_yes__lte=F("votes_cast") - F("votes_no")),
                name="ballot_unit_yes_and_no_within_votes_cast",
            ),
            models.UniqueConstraint(
                fields=["ballot", "school"],
                condition=Q(school__isnull=False),
                name="ballot_unit_school_once",
            ),
            models.UniqueConstraint(
                fields=["ballot", "trust"],
                condition=Q(trust__isnull=False),
                name="ballot_unit_trust_once",
            ),
            models.UniqueConstraint(
                fields=["ballot", "district"],
                condition=Q(district__isnull=False),
                name="ballot_unit_district_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school or self.trust or self.district} in {self.ballot}"


def staff_groups_text(groups: list[str] | tuple[str, ...]) -> str:
    """'teachers and leaders', 'support staff' (in StaffGroup order, lower case)."""
    short = {"teacher": "teachers", "leader": "leaders", "support": "support staff"}
    names = [short[value] for value in StaffGroup.values if value in groups]
    if not names:
        return "no staff group"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class StrikeDay(models.Model):
    class ScopeKind(models.TextChoices):
        NATIONAL = "national", "National"
        NATION = "nation", "Nation"
        REGION = "region", "Regions"
        DISTRICT = "district", "Districts"
        TRUST = "trust", "Academy trust"
        SCHOOLS = "schools", "Chosen schools"

    class Status(models.TextChoices):
        ANNOUNCED = "announced", "Announced"
        CANCELLED = "cancelled", "Cancelled"

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="strike_days")
    date = models.DateField(db_index=True)
    starts_at = models.TimeField(default=time(7, 30))
    ends_at = models.TimeField(default=time(16, 0))
    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    nations = models.ManyToManyField("schools.Nation", blank=True, related_name="+")
    regions = models.ManyToManyField("schools.Region", blank=True, related_name="+")
    districts = models.ManyToManyField("schools.District", blank=True, related_name="+")
    trusts = models.ManyToManyField("schools.AcademyTrust", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    moved_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="moved_to"
    )
    title = models.CharField(max_length=200, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The day the employers were (or will be) given notice of this day: it decides how much
    # notice the law asks for (docs/law.md). Days announced before it was recorded have the
    # day they were announced (a data migration filled it in).
    notice_given_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the employers were (or will be) given notice of this strike day.",
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="strike_day_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(notice_given_on__isnull=True) | Q(notice_given_on__lt=F("date")),
                name="strike_day_notice_before_day",
                violation_error_message="Notice must be given before the strike day.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Strike day {self.date:%a %d %b %Y}"

    @property
    def is_past(self) -> bool:
        return self.date < timezone.localdate()

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def notice_on(self) -> date:
        """The day notice was given: as recorded, else the day the day was announced."""
        return self.notice_given_on or timezone.localdate(self.created_at)


class CalledOutSchool(models.Model):
    """A school called out on a strike day: the materialised scope, with the school's state.

    `district` and `region` are copied from the school so dashboards filter without joins;
    like the picket line's copies they carry no foreign-key constraint in the database (see
    ``PicketLine``). The day and the school are indexed by the unique (strike_day, school) and
    the (school, strike_day) index, not on their own.
    """

    class SchoolStatus(models.TextChoices):
        OPEN = "open", "Open"
        RESTRICTED = "restricted", "Open with restricted attendance"
        CLOSED = "closed", "Closed"
        UNKNOWN = "unknown", "Unknown"

    strike_day = models.ForeignKey(
        StrikeDay, on_delete=models.CASCADE, related_name="schools", db_index=False
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # The staff groups called out here: those holding a valid mandate at this school that day.
    staff_groups = ChoiceListField(item_choices=StaffGroup.choices)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The latest reported state, updated in the report's own transaction.
    status = models.CharField(
        max_length=10, choices=SchoolStatus.choices, default=SchoolStatus.UNKNOWN
    )
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "school"], name="school_called_out_once_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["strike_day", "region", "district"]),
            models.Index(fields=["school", "strike_day"]),
        ]

    def __str__(self) -> str:
        return f"School {self.school_id} on strike day {self.strike_day_id}"

    @property
    def staff_groups_text(self) -> str:
        return staff_groups_text(self.staff_groups)


class Rally(models.Model):
    strike_day = models.ForeignKey(StrikeDay, on_delete=models.CASCADE, related_name="rallies")
    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, choices=[("rally", "Rally"), ("march", "March")], default="rally"
    )
    starts_at = models.DateTimeField()
    meeting_point = models.CharField(max_length=200)
    route = models.TextField(blank=True)
    speakers = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "rallies"

    def __str__(self) -> str:
        return self.title


class StrikePolicy(models.Model):
    """A union's own policy on strike days (a union setting, edited in the admin): e.g. the
    NEU's "no more than four days in any one school" in 2023. Announcing more warns; it never
    blocks."""

    union = models.OneToOneField(
        "members.Union", on_delete=models.CASCADE, related_name="strike_policy"
    )
    max_days_per_school = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Warn when a school would be called out on more days than this in the period.",
    )
    period_days = models.PositiveSmallIntegerField(
        default=92,
        help_text="The period the limit counts over, in days (92: about a school term).",
    )

    class Meta:
        verbose_name_plural = "strike policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gte=1, period_days__lte=3660),
                name="strike_policy_period_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_days_per_school__isnull=True)
                | Q(max_days_per_school__gte=1, max_days_per_school__lte=366),
                name="strike_policy_limit_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Strike policy of {self.union}"
