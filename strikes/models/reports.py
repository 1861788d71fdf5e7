"""What reps report from a line on the day, and the dashboard's time buckets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from strikes.models.planning import CalledOutSchool


class PicketReport(models.Model):
    """A rep's timestamped report from a line. Counts only: people crossing are never named."""

    picket_line = models.ForeignKey(
        "strikes.PicketLine", on_delete=models.CASCADE, related_name="reports"
    )
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

    strike_day = models.ForeignKey("strikes.StrikeDay", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    reports = models.PositiveIntegerField(default=0)
    pickets = models.PositiveIntegerField(default=0)
    # Lines whose first report came in this bucket: "reported by 09:00" sums the buckets before.
    first_reports = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "district", "starts_at"], name="one_bucket_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} at {self.starts_at:%H:%M}: {self.reports} reports"


class DistrictFigures(models.Model):
    """One district's figures on one strike day: what the dashboard shows for it, kept by
    ``strikes/counters.py`` in the same transaction as the sign-up, report or change that moves
    them, so a national dashboard sums ~150 rows instead of counting 25,000 lines.

    Schools count while called out (not cancelled); lines all the day's lines in the district.
    """

    strike_day = models.ForeignKey("strikes.StrikeDay", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    called_out = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    restricted = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    staffed = models.PositiveIntegerField(default=0)  # lines with a picket or supporter signed up
    below_minimum = models.PositiveIntegerField(default=0)  # lines with a shift short of people
    reported = models.PositiveIntegerField(default=0)  # lines with a report
    pickets = models.PositiveIntegerField(default=0)  # in each line's latest report
    supporters = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "district figures"
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "district"], name="one_figures_row_per_district"
            ),
        ]
        indexes = [models.Index(fields=["strike_day", "region"])]

    def __str__(self) -> str:
        return f"District {self.district_id} on strike day {self.strike_day_id}"
