"""Places: nations, the union's regions, districts, trusts, schools, sites and entrances."""

from __future__ import annotations

from datetime import date

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


class SchoolFormerName(models.Model):
    """A name the school was known by before: most often its name before it became an academy
    (a new URN), from GIAS's links file (its predecessors) or a union's own list. The school
    search finds schools by these too, and says "formerly ..."."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(max_length=200)
    former_urn = models.PositiveIntegerField(
        "former URN", null=True, blank=True, help_text="The URN it had under that name, if known."
    )
    changed_on = models.DateField(
        null=True, blank=True, help_text="When it stopped using the name, if known."
    )

    class Meta:
        ordering = ["-changed_on", "name"]
        verbose_name = "former name"
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="former_name_once_per_school"),
        ]

    def __str__(self) -> str:
        return self.name


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


# The plausible range of term dates: a holiday outside it is a typo (9999 for 2027).
EARLIEST_TERM_DATE = date(2000, 1, 1)
LATEST_TERM_DATE = date(2100, 12, 31)
#: The longest holiday a school has (the summer holiday is about six and a half weeks).
MAX_HOLIDAY_DAYS = 70


class SchoolHoliday(models.Model):
    """A school holiday (or any run of days the schools are closed to pupils, such as an INSET
    day) for the schools of one local authority, or of a whole nation: term dates, as data.

    A local authority's maintained schools keep its term dates; academies and voluntary-aided
    schools may set their own, so a warning from these rows is about the authority's calendar.
    An area counts as having term dates for a school year (1 September to 31 August) when any
    row for it, or for its nation, falls in that year (``schools.holidays``)."""

    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holidays",
        help_text="The local authority whose term dates these are; or leave empty and choose a "
        "nation.",
    )
    nation = models.ForeignKey(
        Nation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holidays",
        help_text="For a holiday every school in the nation shares; leave empty for one local "
        "authority's.",
    )
    name = models.CharField(
        max_length=100, help_text="As people say it: 'Easter holiday', 'October half-term'."
    )
    first_day = models.DateField()
    last_day = models.DateField(help_text="The last weekday of the holiday, inclusive.")

    class Meta:
        ordering = ["first_day", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(district__isnull=False) & Q(nation__isnull=True))
                | (Q(district__isnull=True) & Q(nation__isnull=False)),
                name="school_holiday_one_area",
                violation_error_message="Choose either a local authority or a nation.",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="school_holiday_ends_after_start",
                violation_error_message="The last day must be on or after the first day.",
            ),
            models.CheckConstraint(
                condition=Q(first_day__gte=EARLIEST_TERM_DATE, last_day__lte=LATEST_TERM_DATE),
                name="school_holiday_plausible_dates",
                violation_error_message="Give dates between 2000 and 2100.",
            ),
            models.UniqueConstraint(
                fields=["district", "name", "first_day"],
                condition=Q(district__isnull=False),
                name="school_holiday_once_per_district",
                violation_error_message="This holiday is already recorded for the area.",
            ),
            models.UniqueConstraint(
                fields=["nation", "name", "first_day"],
                condition=Q(nation__isnull=False),
                name="school_holiday_once_per_nation",
                violation_error_message="This holiday is already recorded for the area.",
            ),
        ]
        indexes = [models.Index(fields=["first_day", "last_day"], name="school_holiday_dates")]

    def __str__(self) -> str:
        return (
            f"{self.name} ({self.area_name}), {self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}"
        )

    @property
    def area_name(self) -> str:
        area = self.district or self.nation
        return str(area) if area else "no area"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = holiday_problems(
            first_day=self.first_day,
            last_day=self.last_day,
            has_district=self.district_id is not None,
            has_nation=self.nation_id is not None,
        )
        if errors:
            raise ValidationError(errors)


def holiday_problems(
    *, first_day: date | None, last_day: date | None, has_district: bool, has_nation: bool
) -> list[str]:
    """What is wrong with a holiday's dates and area, in plain words (empty when nothing)."""
    problems: list[str] = []
    if has_district == has_nation:
        problems.append("Choose either a local authority or a nation, not both or neither.")
    if first_day is None or last_day is None:
        problems.append("Give the first and the last day.")
        return problems
    for day in (first_day, last_day):
        if not EARLIEST_TERM_DATE <= day <= LATEST_TERM_DATE:
            problems.append(
                f"{day.isoformat()} is not a plausible term date: give a date between "
                f"{EARLIEST_TERM_DATE.year} and {LATEST_TERM_DATE.year}."
            )
            return problems
    if last_day < first_day:
        problems.append("The last day must be on or after the first day.")
    elif (last_day - first_day).days + 1 > MAX_HOLIDAY_DAYS:
        problems.append(
            f"{(last_day - first_day).days + 1} days is longer than any school holiday "
            f"({MAX_HOLIDAY_DAYS} at most): check the dates."
        )
    return problems
