from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.contrib import admin
from django.db import transaction

from kernel.admin import ContactDetailsAuditMixin
from strikes import counters
from strikes.models import (
    Ballot,
    BallotUnit,
    CalledOutSchool,
    Dispute,
    DistrictFigures,
    Notification,
    PicketLine,
    PicketReport,
    PublicPage,
    Rally,
    ReportBucket,
    RuleSet,
    Shift,
    Signup,
    StrikeDay,
    StrikePolicy,
    SupportMessage,
)


class RecountAdmin(admin.ModelAdmin):
    """For rows the counters count (shifts, signups, reports): an edit or delete here sets the
    strike day's figures again from its rows, in the same transaction (strikes/counters.py).

    ``line_path`` names the way from the row to its picket line (``"shift.picket_line"``)."""

    line_path = "picket_line"

    def strike_day_id(self, obj: Any) -> int:
        return attrgetter(self.line_path)(obj).strike_day_id

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            counters.rebuild(strike_day_id=self.strike_day_id(obj))

    def delete_model(self, request: Any, obj: Any) -> None:
        with transaction.atomic():
            day_id = self.strike_day_id(obj)
            super().delete_model(request, obj)
            counters.rebuild(strike_day_id=day_id)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        with transaction.atomic():
            day_ids = {self.strike_day_id(obj) for obj in queryset}
            super().delete_queryset(request, queryset)
            for day_id in sorted(day_ids):
                counters.rebuild(strike_day_id=day_id)


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """A data officer records a change in the law here: a new row from its date, for a nation
    or kinds of employer if it is narrower, with its source and the date it was checked. Staff
    groups and employers are ticked from lists; docs/law.md says which date decides each rule."""

    list_display = [
        "name",
        "effective_from",
        "nation",
        "as_at",
        "turnout_threshold_pct",
        "important_service_support_pct",
        "mandate_months",
        "notice_days",
    ]
    fieldsets = [
        (None, {"fields": ["name", "effective_from", "nation", "employer_kinds"]}),
        ("Where it comes from", {"fields": ["source", "as_at"]}),
        (
            "Ballot thresholds (decided by the day the ballot opens)",
            {
                "fields": [
                    "turnout_threshold_pct",
                    "important_service_support_pct",
                    "important_service_staff_groups",
                    "important_service_employer_kinds",
                ]
            },
        ),
        (
            "Mandate, notice and picketing",
            {
                "fields": [
                    "mandate_months",
                    "mandate_months_with_agreement",
                    "notice_days",
                    "picket_supervisor_required",
                ]
            },
        ),
    ]


class BallotInline(admin.TabularInline):
    model = Ballot
    extra = 0
    fields = ["kind", "aggregation", "staff_groups", "opens_on", "closes_on", "electorate"]
    show_change_link = True


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "place_kind", "status", "opened_on"]
    list_filter = ["union", "status", "place_kind"]
    filter_horizontal = ["nations", "regions", "districts", "trusts"]
    raw_id_fields = ["schools"]
    inlines = [BallotInline]


class BallotUnitInline(admin.TabularInline):
    model = BallotUnit
    extra = 0
    raw_id_fields = ["school", "trust", "district"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["dispute", "kind", "aggregation", "opens_on", "closes_on"]
    inlines = [BallotUnitInline]


@admin.register(StrikeDay)
class StrikeDayAdmin(admin.ModelAdmin):
    list_display = ["date", "dispute", "scope_kind", "status"]
    list_filter = ["status", "scope_kind"]
    filter_horizontal = ["nations", "regions", "districts", "trusts"]


@admin.register(CalledOutSchool)
class CalledOutSchoolAdmin(admin.ModelAdmin):
    list_display = ["strike_day", "school", "status", "cancelled_at"]
    raw_id_fields = ["school", "district", "region"]
    readonly_fields = ["status", "reported_at"]  # kept from the reports by strikes/counters.py
    list_select_related = ["strike_day", "school"]


@admin.register(PicketLine)
class PicketLineAdmin(admin.ModelAdmin):
    list_display = ["entrance", "strike_day", "pickets_signed_up", "supporters_signed_up"]
    raw_id_fields = ["entrance", "school", "district", "region", "organiser"]
    list_select_related = ["strike_day", "entrance__site__school"]
    # Kept from the signups and reports by strikes/counters.py.
    readonly_fields = [
        "pickets_signed_up",
        "supporters_signed_up",
        "latest_report",
        "latest_pickets",
        "latest_supporters",
        "first_reported_at",
    ]


@admin.register(Shift)
class ShiftAdmin(RecountAdmin):
    list_display = ["picket_line", "starts_at", "ends_at", "capacity", "booked"]
    raw_id_fields = ["picket_line"]
    readonly_fields = ["booked"]  # kept from the signups by strikes/counters.py


@admin.register(Signup)
class SignupAdmin(RecountAdmin):
    list_display = ["shift", "status", "is_supporter", "is_walk_up", "created_at"]
    list_filter = ["status", "is_supporter", "is_walk_up"]
    raw_id_fields = ["shift", "user", "supporter"]
    line_path = "shift.picket_line"


@admin.register(PicketReport)
class PicketReportAdmin(RecountAdmin):
    list_display = ["picket_line", "reported_at", "school_status", "pickets", "escalate"]
    list_filter = ["school_status", "escalate"]
    raw_id_fields = ["picket_line", "reported_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Counters shown, never edited here: strikes/counters.py keeps them."""

    list_select_related = ["strike_day", "district"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReportBucket)
class ReportBucketAdmin(ReadOnlyAdmin):
    list_display = ["strike_day", "district", "starts_at", "reports", "pickets", "first_reports"]


@admin.register(DistrictFigures)
class DistrictFiguresAdmin(ReadOnlyAdmin):
    list_display = [
        "strike_day",
        "district",
        "called_out",
        "closed",
        "restricted",
        "open",
        "lines",
        "staffed",
        "below_minimum",
        "reported",
        "pickets",
    ]
    list_filter = ["strike_day"]


@admin.register(Rally)
class RallyAdmin(admin.ModelAdmin):
    list_display = ["title", "strike_day", "starts_at", "meeting_point"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "status", "due_at", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    raw_id_fields = ["user", "supporter", "signup", "strike_day", "school", "district"]


@admin.register(PublicPage)
class PublicPageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "published_at", "show_counts", "updated_at"]
    list_filter = ["show_counts"]
    raw_id_fields = ["dispute", "strike_day"]


@admin.register(SupportMessage)
class SupportMessageAdmin(ContactDetailsAuditMixin, admin.ModelAdmin):
    """For the data officer (erasure requests); reps and officers moderate from the queue."""

    contacts_on_changelist = False
    list_display = ["sender", "status", "held", "consent_to_show", "school", "created_at"]
    list_filter = ["status", "held", "consent_to_show"]
    search_fields = ["sender", "contact"]
    raw_id_fields = ["dispute", "strike_day", "school", "district", "region", "moderated_by"]


@admin.register(StrikePolicy)
class StrikePolicyAdmin(admin.ModelAdmin):
    list_display = ["union", "max_days_per_school", "period_days"]
