"""Action: rule sets, disputes, ballots, strike days, picket lines, shifts, signups, reports,
host links, rallies and the notification outbox."""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)


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


class PicketLine(models.Model):
    """A strike day at one entrance. School, district and region are copied for fast reads."""

    strike_day = models.ForeignKey(StrikeDay, on_delete=models.CASCADE, related_name="picket_lines")
    entrance = models.ForeignKey(
        "schools.Entrance", on_delete=models.CASCADE, related_name="picket_lines"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    supervisor_name = models.CharField(max_length=150, blank=True)
    public_token = models.CharField(max_length=64, unique=True, default=new_token)
    # Counters kept by the services in the same transaction as the change they count.
    pickets_signed_up = models.PositiveIntegerField(default=0)
    supporters_signed_up = models.PositiveIntegerField(default=0)
    latest_report = models.ForeignKey(
        "PicketReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Copied from the latest report (pickets out now) and the first one (reported by 09:00?), so
    # the dashboard reads one table and never searches the reports.
    latest_pickets = models.PositiveIntegerField(default=0)
    latest_supporters = models.PositiveIntegerField(default=0)
    first_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "entrance"], name="one_picket_line_per_entrance_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["strike_day", "region", "district"]),
            models.Index(fields=["strike_day", "school"]),
        ]

    def __str__(self) -> str:
        return f"{self.entrance} on {self.strike_day.date:%d %b}"


class Shift(models.Model):
    picket_line = models.ForeignKey(PicketLine, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=6)
    minimum_wanted = models.PositiveSmallIntegerField(default=2)
    # Pickets holding a place (registered, confirmed, arrived): kept by the signup services.
    booked = models.PositiveSmallIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_has_a_place"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="shift_never_overbooked"
            ),
        ]
        indexes = [
            # The dashboard's "below the minimum wanted" reads only the few shifts that are short.
            models.Index(
                fields=["picket_line"],
                condition=Q(cancelled_at__isnull=True, booked__lt=F("minimum_wanted")),
                name="shift_below_minimum",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{local:%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"

    @property
    def is_full(self) -> bool:
        return self.booked >= self.capacity

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)


class Signup(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "Signed up"
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"
        ARRIVED = "arrived", "Arrived"
        NO_SHOW = "no_show", "Did not come"
        COMPLETED = "completed", "Completed"

    HOLDS_PLACE = (Status.REGISTERED, Status.CONFIRMED, Status.ARRIVED, Status.COMPLETED)

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signups",
    )
    supporter = models.ForeignKey(
        "members.Supporter",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signups",
    )
    walk_up_name = models.CharField(max_length=100, blank=True)
    is_supporter = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    arrived_at = models.DateTimeField(null=True, blank=True)
    nonce = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        user__isnull=False,
                        supporter__isnull=True,
                        walk_up_name="",
                        is_supporter=False,
                    )
                    | Q(
                        user__isnull=True,
                        supporter__isnull=False,
                        walk_up_name="",
                        is_supporter=True,
                    )
                    | (Q(user__isnull=True, supporter__isnull=True) & ~Q(walk_up_name=""))
                ),
                name="signup_is_one_kind_of_person",
            ),
            models.UniqueConstraint(
                fields=["shift", "user"],
                condition=Q(user__isnull=False),
                name="one_signup_per_shift",
            ),
            models.UniqueConstraint(
                fields=["shift", "supporter"],
                condition=Q(supporter__isnull=False),
                name="one_supporter_signup_per_shift",
            ),
            models.UniqueConstraint(
                fields=["shift", "nonce"],
                condition=~Q(nonce=""),
                name="signup_nonce_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["shift", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Signup {self.pk} ({self.status})"

    @property
    def holds_place(self) -> bool:
        return self.status in self.HOLDS_PLACE and not self.is_supporter


class PicketReport(models.Model):
    """A rep's timestamped report from a line. Counts only: people crossing are never named."""

    picket_line = models.ForeignKey(PicketLine, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(default=timezone.now, db_index=True)
    school_status = models.CharField(
        max_length=10,
        choices=CalledOutSchool.SchoolStatus.choices,
        default=CalledOutSchool.SchoolStatus.UNKNOWN,
    )
    pickets = models.PositiveSmallIntegerField(default=0)
    supporters = models.PositiveSmallIntegerField(default=0)
    members_working = models.PositiveSmallIntegerField(default=0)
    non_balloted_refusing = models.PositiveSmallIntegerField(default=0)
    agency_staff = models.PositiveSmallIntegerField(default=0)
    police_present = models.BooleanField(default=False)
    media_present = models.BooleanField(default=False)
    incident_at = models.TimeField(null=True, blank=True)
    incident = models.TextField(blank=True)
    escalate = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    nonce = models.CharField(max_length=64)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["picket_line", "nonce"], name="report_nonce_once_per_line"
            ),
            models.CheckConstraint(
                condition=Q(escalate=False) | ~Q(incident=""),
                name="report_escalation_needs_incident",
            ),
        ]
        indexes = [
            models.Index(fields=["picket_line", "-reported_at"]),
            models.Index(
                fields=["reported_at"], condition=Q(escalate=True), name="report_escalated"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} from line {self.picket_line_id}"


class ReportBucket(models.Model):
    """Reports and pickets reported in one district in 15 minutes of a strike day.

    Kept by the report service in the report's own transaction, so the dashboard's chart sums a
    few hundred of these rows instead of bucketing every report of the morning.
    """

    MINUTES = 15

    strike_day = models.ForeignKey(StrikeDay, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    reports = models.PositiveIntegerField(default=0)
    pickets = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "district", "starts_at"], name="one_bucket_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} at {self.starts_at:%H:%M}: {self.reports} reports"


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


class Notification(models.Model):
    """The outbox: one row per message, so nothing goes twice and nothing due is lost."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Sign-up confirmation"
        EVENING_BEFORE = "evening_before", "Evening-before check"
        REMINDER = "reminder", "Reminder before the shift"
        CHANGE = "change", "Change notice"
        WAITLIST_PROMOTED = "promoted", "Moved off the waitlist"
        NUDGE = "nudge", "Nudge from a rep"
        STAFFING_DIGEST = "digest", "Staffing digest"
        ESCALATION = "escalation", "Escalated incident"
        BROADCAST = "broadcast", "Broadcast"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    supporter = models.ForeignKey(
        "members.Supporter",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # What the message is about, by id; the text is rendered when it is sent.
    signup = models.ForeignKey(
        Signup, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    strike_day = models.ForeignKey(
        StrikeDay, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    due_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, supporter__isnull=True)
                | Q(user__isnull=True, supporter__isnull=False),
                name="notification_has_one_recipient",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["due", "sending"]),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"
