"""People: users (email login), unions, memberships, roles scoped to a place, supporters."""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Members sign in by emailed code and need no password."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    reminders_opt_out = models.BooleanField(
        default=False, help_text="No reminders or nudges; only what the person asked for."
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Moves whenever one of the person's memberships or roles is written, so a copy of them
    # kept in their session is known to be stale (members.permissions, "snapshot").
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="user_email_unique_case_insensitive"
            ),
            models.CheckConstraint(
                condition=~Q(preferred_channel="sms") | ~Q(phone=""),
                name="user_sms_needs_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@", 1)[0]


class Union(models.Model):
    name = models.CharField(max_length=150, unique=True)
    short_name = models.CharField(max_length=20, unique=True)
    hardship_fund_url = models.URLField(
        blank=True,
        help_text="The union's strike hardship fund, linked from its public pages (optional).",
    )

    class Meta:
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class Membership(models.Model):
    """A person's membership of one union, at a workplace (their own school)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="memberships")
    workplace = models.ForeignKey(
        "schools.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    member_number = models.CharField(max_length=40, blank=True)
    staff_group = models.CharField(
        max_length=20,
        choices=[
            ("teacher", "Teacher"),
            ("leader", "Head or leader"),
            ("support", "Support staff"),
        ],
        default="teacher",
    )
    is_active = models.BooleanField(default=True)
    joined_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "union"], name="one_membership_per_union"),
            models.UniqueConstraint(
                fields=["union", "member_number"],
                condition=~Q(member_number=""),
                name="member_number_unique_per_union",
            ),
        ]
        indexes = [models.Index(fields=["workplace", "union"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.union}"


class Role(models.Model):
    """A role held in a union, scoped to one place. A member's own role is implied by Membership."""

    class Kind(models.TextChoices):
        REP = "rep", "Workplace rep"
        DISTRICT_OFFICER = "district_officer", "District officer"
        REGIONAL_OFFICER = "regional_officer", "Regional officer"
        NATIONAL_ORGANISER = "national_organiser", "National organiser"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="roles")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="rep", school__isnull=False, district__isnull=True, region__isnull=True)
                    | Q(
                        kind="district_officer",
                        school__isnull=True,
                        district__isnull=False,
                        region__isnull=True,
                    )
                    | Q(
                        kind="regional_officer",
                        school__isnull=True,
                        district__isnull=True,
                        region__isnull=False,
                    )
                    | Q(
                        kind="national_organiser",
                        school__isnull=True,
                        district__isnull=True,
                        region__isnull=True,
                    )
                ),
                name="role_place_matches_kind",
            ),
            # One constraint per kind: NULL places never compare equal in SQL.
            models.UniqueConstraint(
                fields=["user", "union", "school"],
                condition=Q(kind="rep"),
                name="rep_role_once_per_school",
            ),
            models.UniqueConstraint(
                fields=["user", "union", "district"],
                condition=Q(kind="district_officer"),
                name="district_role_once_per_district",
            ),
            models.UniqueConstraint(
                fields=["user", "union", "region"],
                condition=Q(kind="regional_officer"),
                name="regional_role_once_per_region",
            ),
            models.UniqueConstraint(
                fields=["user", "union"],
                condition=Q(kind="national_organiser"),
                name="national_role_once_per_union",
            ),
        ]

    def __str__(self) -> str:
        place = self.school or self.district or self.region or "national"
        return f"{self.get_kind_display()} ({self.union}, {place})"


class Supporter(models.Model):
    """A parent or community supporter on one line's rota. Never a User; never merged."""

    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField()
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | Q(erased_at__isnull=False),
                name="supporter_has_one_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.name
