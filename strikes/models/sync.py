"""What became of each change a rep made offline and sent later (``strikes.services.sync``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SyncedAction(models.Model):
    """One queued change, by its nonce: a replay finds the row and changes nothing.

    Check-in and undo carry no nonce of their own in the data (tapping twice is harmless
    online), but a replayed queue of "check in, undo" must not check the person in again:
    this row is what makes each queued change apply exactly once. Ids and outcome only.
    """

    class Kind(models.TextChoices):
        CHECK_IN = "checkin", "Check in"
        UNDO = "undo", "Undo a check-in"
        WALK_UP = "walkup", "Walk-up"
        NO_SHOW = "noshow", "Mark no-shows"
        REPORT = "report", "Report"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    picket_line = models.ForeignKey(
        "strikes.PicketLine", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=300, blank=True)
    acted_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "nonce"], name="synced_action_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.nonce[:8]} ({self.outcome})"
