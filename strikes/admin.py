from __future__ import annotations

from django.contrib import admin

from kernel.admin import ContactDetailsAuditMixin
from strikes.models import (
    Ballot,
    BallotUnit,
    CalledOutSchool,
    Dispute,
    Notification,
    PicketLine,
    PicketReport,
    PublicPage,
    Rally,
    RuleSet,
    Shift,
    Signup,
    StrikeDay,
    SupportMessage,
)


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["name", "effective_from", "as_at", "turnout_threshold_pct", "notice_days"]


class BallotInline(admin.TabularInline):
    model = Ballot
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["title", "union", "status", "opened_on"]
    list_filter = ["union", "status"]
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
    list_select_related = ["strike_day", "school"]


@admin.register(PicketLine)
class PicketLineAdmin(admin.ModelAdmin):
    list_display = ["entrance", "strike_day", "pickets_signed_up", "supporters_signed_up"]
    raw_id_fields = ["entrance", "school", "district", "region", "organiser", "latest_report"]
    list_select_related = ["strike_day", "entrance__site__school"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["picket_line", "starts_at", "ends_at", "capacity", "booked"]
    raw_id_fields = ["picket_line"]


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["shift", "status", "is_supporter", "created_at"]
    list_filter = ["status", "is_supporter"]
    raw_id_fields = ["shift", "user", "supporter"]


@admin.register(PicketReport)
class PicketReportAdmin(admin.ModelAdmin):
    list_display = ["picket_line", "reported_at", "school_status", "pickets", "escalate"]
    list_filter = ["school_status", "escalate"]
    raw_id_fields = ["picket_line", "reported_by"]


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
