"""Picket lines at entrances, their shifts and the sign-ups to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from strikes.models.base import new_token


class PicketLine(models.Model):
    """A strike day at one entrance. School, district and region are copied for fast reads.

    The copies carry no foreign-key constraint in the database (``db_constraint=False``): they
    are written only from the entrance's school in the same statement, whose own keys are
    checked, and a national day's ~75,000 checks of them at commit were a third of announcing
    it (bench/README.md, "Announcing a national day"). Django still cascades and protects.
    """

    # Indexed by the unique (strike_day, entrance) and the composite indexes below.
    strike_day = models.ForeignKey(
        "strikes.StrikeDay", on_delete=models.CASCADE, related_name="picket_lines", db_index=False
    )
    entrance = models.ForeignKey(
        "schools.Entrance", on_delete=models.CASCADE, related_name="picket_lines"
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # Read by day first: indexed by the composite indexes below, not on their own.
    district = models.ForeignKey(
        "schools.District",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Empty on a new line, so indexed only where set (see Meta): a national day's 25,000 new
    # lines add nothing to these two indexes.
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    supervisor_name = models.CharField(max_length=150, blank=True)
    # Unique by a constraint rather than ``unique=True``, which on PostgreSQL adds a second
    # index for ``LIKE`` that nothing uses.
    public_token = models.CharField(max_length=64, default=new_token)
    # Counters kept by the services in the same transaction as the change they count.
    pickets_signed_up = models.PositiveIntegerField(default=0)
    supporters_signed_up = models.PositiveIntegerField(default=0)
    latest_report = models.ForeignKey(
        "PicketReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
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
            models.UniqueConstraint(fields=["public_token"], name="picket_line_token_unique"),
        ]
        indexes = [
            models.Index(fields=["strike_day", "region", "district"]),
            models.Index(fields=["strike_day", "school"]),
            # The dashboard's "needs attention" lists read lines in this order (district,
            # school) and stop at the first fifty that match.
            models.Index(
                fields=["strike_day", "district", "school", "id"], name="line_attention_order"
            ),
            models.Index(
                fields=["organiser"],
                condition=Q(organiser__isnull=False),
                name="picket_line_organiser",
            ),
            models.Index(
                fields=["latest_report"],
                condition=Q(latest_report__isnull=False),
                name="picket_line_latest_report",
            ),
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
    # Added at the line by the rep: booked no place. Kept apart from the name, which erasure
    # and anonymisation also set on signups that did book one (see strikes/counters.py).
    is_walk_up = models.BooleanField(default=False, db_default=False)
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
