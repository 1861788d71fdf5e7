"""Places: nations, the union's regions, districts, trusts, schools, sites and entrances."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Nation(models.Model):
    code = models.CharField(max_length=1, unique=True, help_text="E for England, W for Wales.")
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A union region (the NEU's), which need not match a government region."""

    nation = models.ForeignKey(Nation, on_delete=models.PROTECT, related_name="regions")
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """The union's local body: usually one local authority, keyed on its DfE LA code."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")
    la_code = models.CharField("LA code", max_length=10, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AcademyTrust(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class EmployerKind(models.TextChoices):
        """Who employs the staff, in the law's terms (the first two are maintained schools)."""

        LOCAL_AUTHORITY = "local_authority", "Maintained: local authority"
        GOVERNING_BODY = "governing_body", "Maintained: governing body"
        ACADEMY_TRUST = "academy_trust", "Academy trust"
        INDEPENDENT = "independent", "Independent school"
        FURTHER_EDUCATION = "further_education", "Further education college"
        HIGHER_EDUCATION = "higher_education", "University (higher education)"
        OTHER = "other", "Other establishment"

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    trust = models.ForeignKey(
        AcademyTrust, on_delete=models.SET_NULL, null=True, blank=True, related_name="schools"
    )
    type_name = models.CharField("type", max_length=100, blank=True)
    type_group = models.CharField(max_length=100, blank=True)
    phase = models.CharField(max_length=50, blank=True)
    employer_kind = models.CharField(max_length=20, choices=EmployerKind.choices)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    pupils = models.PositiveIntegerField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="school_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="school_longitude_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"


class Site(models.Model):
    """A school's building or campus; most schools have one, the main site."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=100, default="Main site")
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="site_name_unique_per_school"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_main=True), name="one_main_site_per_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name}: {self.name}"


class Entrance(models.Model):
    """Where a picket line stands."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="entrances")
    name = models.CharField(max_length=100, default="Main entrance")
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="entrance_name_unique_per_site"),
            models.UniqueConstraint(
                fields=["site"], condition=Q(is_main=True), name="one_main_entrance_per_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.name}"
