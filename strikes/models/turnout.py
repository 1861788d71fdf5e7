"""Ballot turnout tracking: who is entitled to vote, who says they have, and the counts by place.

A ``TrackedBallot`` is its own row (an industrial-action ballot, tied to a ``Ballot`` by a
foreign key, or an election such as a general secretary's that has none). Its electorate is one
``Elector`` row per membership entitled to vote, with a mark: not yet, voted, or excluded with a
reason. Never how anyone voted.

``TurnoutCount`` holds the counts per place (union, nation, region, district, school) and
``TurnoutDay`` the votes marked per place and day; both change only through
``strikes.turnout_counters`` in the mark's own transaction, so a board reads tens of rows.
The marks are deleted a set time after the close (``TURNOUT_MARKS_RETENTION_DAYS``); the counts
stay.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class TrackedBallot(models.Model):
    class Kind(models.TextChoices):
        INDUSTRIAL_ACTION = "industrial_action", "Industrial action ballot"
        ELECTION = "election", "Election"
        OTHER = "other", "Other ballot"

    union = models.ForeignKey("members.Union", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDUSTRIAL_ACTION)
    title = models.CharField(max_length=200)
    ballot = models.ForeignKey(
        "strikes.Ballot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trackings",
        help_text="The industrial-action ballot this tracks, if it is one.",
    )
    opens_on = models.DateField()
    closes_on = models.DateField(help_text="Voting closes at the end of this day (London).")
    # The electorate: active members of the union, narrowed by these (empty = no narrowing).
    nations = models.ManyToManyField("schools.Nation", blank=True, related_name="+")
    staff_groups = models.JSONField(default=list, blank=True)
    schools = models.ManyToManyField("schools.School", blank=True, related_name="+")
    per_unit = models.BooleanField(
        default=False, help_text="Each workplace is its own unit (official results per school)."
    )
    target_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="The union's own turnout target, beside the legal 50%.",
    )
    threshold_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Official figures for the whole ballot, from the scrutineer (per unit: TurnoutOfficial).
    official_electorate = models.PositiveIntegerField(null=True, blank=True)
    official_votes_cast = models.PositiveIntegerField(null=True, blank=True)
    official_entered_at = models.DateTimeField(null=True, blank=True)
    reminder_stages_done = models.JSONField(default=list, blank=True)
    marks_deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closes_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="tracked_ballot_closes_after_open"
            ),
            models.CheckConstraint(
                condition=Q(target_pct__gte=1, target_pct__lte=100),
                name="tracked_ballot_target_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(official_votes_cast__isnull=True)
                | Q(official_votes_cast__lte=F("official_electorate")),
                name="tracked_ballot_official_votes_within_electorate",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closes_at(self) -> dt.datetime:
        """The end of the closing day, London time."""
        london = ZoneInfo(settings.TIME_ZONE)
        return dt.datetime.combine(
            self.closes_on + dt.timedelta(days=1), dt.time(0, 0), tzinfo=london
        )

    @property
    def is_open(self) -> bool:
        today = timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Elector(models.Model):
    """One member entitled to vote in a tracked ballot, with their mark. Never how they voted.

    The place ids are copied from the workplace when the electorate is built, so counts and
    boards need no joins. ``membership`` is cleared on erasure (the mark stays, unnamed, so
    the counts stay right); every row goes at retention.
    """

    class Status(models.TextChoices):
        NOT_YET = "not_yet", "Not yet voted"
        VOTED = "voted", "Voted"
        EXCLUDED = "excluded", "Excluded"

    class Reason(models.TextChoices):
        NONE = "", "—"
        LEFT = "left", "Left the union or the job"
        ABSENT = "absent", "Long-term absence"
        MOVED = "moved", "Not at this workplace"

    class Source(models.TextChoices):
        NONE = "", "—"
        SELF = "self", "Said by the member"
        REP = "rep", "Marked by a rep or officer"

    tracked_ballot = models.ForeignKey(
        TrackedBallot, on_delete=models.CASCADE, related_name="electors"
    )
    membership = models.ForeignKey(
        "members.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    district_id = models.IntegerField()
    region_id = models.IntegerField()
    nation_id = models.IntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOT_YET)
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True, default="")
    source = models.CharField(max_length=5, choices=Source.choices, blank=True, default="")
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tracked_ballot", "membership"], name="elector_once_per_ballot"
            ),
            models.CheckConstraint(
                condition=Q(status="excluded", reason__in=["left", "absent", "moved"])
                | (~Q(status="excluded") & Q(reason="")),
                name="elector_excluded_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["tracked_ballot", "school", "status"]),
        ]

    def __str__(self) -> str:
        return f"Elector {self.pk} in {self.tracked_ballot_id}"


class TurnoutCount(models.Model):
    """Counts for one place of one tracked ballot. Changed only by ``strikes.turnout_counters``.

    ``place_id`` is the place's own id (0 for the whole union); the parent ids are copied so a
    board filters children by their parent and the viewer's area without joins.
    """

    class Level(models.TextChoices):
        UNION = "union", "Union"
        NATION = "nation", "Nation"
        REGION = "region", "Region"
        DISTRICT = "district", "District"
        SCHOOL = "school", "School"

    tracked_ballot = models.ForeignKey(
        TrackedBallot, on_delete=models.CASCADE, related_name="counts"
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    place_id = models.IntegerField()
    nation_id = models.IntegerField(null=True, blank=True)
    region_id = models.IntegerField(null=True, blank=True)
    district_id = models.IntegerField(null=True, blank=True)
    school_id = models.IntegerField(null=True, blank=True)
    entitled = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    voted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tracked_ballot", "level", "place_id"], name="turnout_count_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.place_id}: {self.voted}/{self.entitled}"


class TurnoutDay(models.Model):
    """Votes marked (net: an undo counts -1) at one place on one London day."""

    tracked_ballot = models.ForeignKey(TrackedBallot, on_delete=models.CASCADE, related_name="days")
    level = models.CharField(max_length=10, choices=TurnoutCount.Level.choices)
    place_id = models.IntegerField()
    day = models.DateField()
    voted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tracked_ballot", "level", "place_id", "day"], name="turnout_day_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.place_id} on {self.day}: {self.voted}"


class TurnoutOfficial(models.Model):
    """The scrutineer's figures for one unit (a school) of a per-unit ballot."""

    tracked_ballot = models.ForeignKey(
        TrackedBallot, on_delete=models.CASCADE, related_name="officials"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    electorate = models.PositiveIntegerField()
    votes_cast = models.PositiveIntegerField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tracked_ballot", "school"], name="turnout_official_once_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(votes_cast__lte=F("electorate")),
                name="turnout_official_votes_within_electorate",
            ),
        ]

    def __str__(self) -> str:
        return f"Official result for school {self.school_id}"
