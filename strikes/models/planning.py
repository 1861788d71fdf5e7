"""Rule sets, disputes, ballots, strike days, the schools each day calls out, and rallies."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class StaffGroup(models.TextChoices):
    TEACHER = "teacher", "Teachers"
    LEADER = "leader", "Heads and leaders"
    SUPPORT = "support", "Support staff"


class RuleSet(models.Model):
    """The law on ballots, mandates, notice and picketing, in force from a date.

    Rows, not constants: when the law changes, a new row is added and nothing else.
    """

    name = models.CharField(max_length=150, unique=True)
    effective_from = models.DateField(unique=True)
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
    important_service_staff_groups = models.JSONField(default=list, blank=True)
    mandate_months = models.PositiveSmallIntegerField()
    mandate_months_with_agreement = models.PositiveSmallIntegerField()
    notice_days = models.PositiveSmallIntegerField()
    picket_supervisor_required = models.BooleanField()

    class Meta:
        ordering = ["effective_from"]
        constraints = [
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

    @classmethod
    def in_force_on(cls, day: date) -> RuleSet:
        found = cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
        if found is None:
            raise cls.DoesNotExist(f"No rule set is in force on {day:%d %B %Y}.")
        return found


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    union = models.ForeignKey("members.Union", on_delete=models.PROTECT, related_name="disputes")
    title = models.CharField(max_length=200)
    nations = models.ManyToManyField("schools.Nation", related_name="disputes")
    staff_groups = models.JSONField(default=list)
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
    opens_on = models.DateField()
    closes_on = models.DateField()
    electorate = models.PositiveIntegerField(default=0)
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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ballot, {self.dispute}"


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
    starts_at = models.TimeField(default="07:30")
    ends_at = models.TimeField(default="16:00")
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

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="strike_day_ends_after_start"
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


class CalledOutSchool(models.Model):
    """A school called out on a strike day: the materialised scope, with the school's state.

    `district` and `region` are copied from the school so dashboards filter without joins.
    """

    class SchoolStatus(models.TextChoices):
        OPEN = "open", "Open"
        RESTRICTED = "restricted", "Open with restricted attendance"
        CLOSED = "closed", "Closed"
        UNKNOWN = "unknown", "Unknown"

    strike_day = models.ForeignKey(StrikeDay, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
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
