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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strike_day", "district", "starts_at"], name="one_bucket_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} at {self.starts_at:%H:%M}: {self.reports} reports"
