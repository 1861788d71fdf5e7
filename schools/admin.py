from __future__ import annotations

from django.contrib import admin

from schools.models import (
    AcademyTrust,
    District,
    Entrance,
    Nation,
    Region,
    School,
    SchoolFormerName,
    SchoolHoliday,
    Site,
)


@admin.register(Nation)
class NationAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "nation"]
    list_filter = ["nation"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "la_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "la_code"]


@admin.register(AcademyTrust)
class AcademyTrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class SchoolFormerNameInline(admin.TabularInline):
    model = SchoolFormerName
    extra = 0


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "district", "phase", "employer_kind"]
    list_filter = ["employer_kind", "phase", "district__region"]
    search_fields = ["name", "=urn", "postcode"]
    autocomplete_fields = ["district", "trust"]
    inlines = [SiteInline, SchoolFormerNameInline]


class EntranceInline(admin.TabularInline):
    model = Entrance
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["school", "name", "is_main"]
    search_fields = ["school__name", "=school__urn"]
    autocomplete_fields = ["school"]
    inlines = [EntranceInline]


@admin.register(Entrance)
class EntranceAdmin(admin.ModelAdmin):
    list_display = ["site", "name", "is_main"]
    search_fields = ["site__school__name"]
    autocomplete_fields = ["site"]


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    """Term dates, as data: warnings about strike days in a holiday come from these rows. Import
    many at once with ``manage.py import_school_holidays`` (docs/law.md)."""

    list_display = ["name", "first_day", "last_day", "district", "nation"]
    list_filter = ["nation", "district__region"]
    search_fields = ["name", "district__name", "district__la_code"]
    autocomplete_fields = ["district"]
    date_hierarchy = "first_day"
