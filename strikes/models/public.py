"""The public face of a strike: published pages and messages of support.

Nothing here is personal except a support message's optional contact, which is never shown in
public and is cleared once the dispute is over (``support_messages_retention``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

ABOUT_MAX = 4000
MESSAGE_MAX = 1000


class PublicPage(models.Model):
    """An organiser's choice to publish a dispute's page or one strike day's page.

    Exactly one of ``dispute`` and ``strike_day`` is set. A page exists only once someone has
    published it; unpublishing keeps the row (and its words) with ``published_at`` cleared.
    """

    dispute = models.OneToOneField(
        "strikes.Dispute",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="public_page",
    )
    strike_day = models.OneToOneField(
        "strikes.StrikeDay",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="public_page",
    )
    about = models.TextField(
        max_length=ABOUT_MAX,
        blank=True,
        help_text="What the dispute is about, in the union's own words.",
    )
    show_counts = models.BooleanField(
        default=False, help_text="Show how many pickets have signed up at each line."
    )
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(dispute__isnull=False, strike_day__isnull=True)
                | Q(dispute__isnull=True, strike_day__isnull=False),
                name="public_page_is_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"Public page of {self.strike_day or self.dispute}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class SupportMessage(models.Model):
    """A message of support to a school's picket line or to a whole dispute.

    Every message waits for a moderator (the school's rep or a district officer; for a dispute,
    an officer of the union). Published means approved *and* the sender agreed to it being shown;
    an approved message without that consent is read out on the line but never put in public.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Held(models.TextChoices):
        NONE = "", "Nothing unusual"
        LINK = "link", "Contains a link"
        LONG = "long", "Very long"

    dispute = models.ForeignKey(
        "strikes.Dispute", on_delete=models.CASCADE, related_name="support_messages"
    )
    strike_day = models.ForeignKey(
        "strikes.StrikeDay",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="support_messages",
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Copied from the school so moderators' queues filter without joins.
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender = models.CharField("name or organisation", max_length=100)
    body = models.CharField("message", max_length=MESSAGE_MAX)
    contact = models.CharField(max_length=200, blank=True)
    consent_to_show = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    held = models.CharField(max_length=10, choices=Held.choices, default=Held.NONE, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=True, district__isnull=True, region__isnull=True)
                | Q(school__isnull=False, district__isnull=False, region__isnull=False),
                name="support_message_place_copied",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(moderated_at__isnull=True),
                name="support_message_pending_is_unmoderated",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "district"], name="support_queue"),
            models.Index(fields=["school", "strike_day", "status"], name="support_at_school"),
            models.Index(fields=["dispute", "status"], name="support_in_dispute"),
        ]

    def __str__(self) -> str:
        return f"Support message {self.pk} ({self.status})"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED and self.consent_to_show
