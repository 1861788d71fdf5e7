"""The notification outbox: one row per message, so nothing goes twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
        TURNOUT = "turnout", "Ballot reminder"
        ANNOUNCED = "announced", "Strike day announced"

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
        "strikes.Signup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    strike_day = models.ForeignKey(
        "strikes.StrikeDay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
