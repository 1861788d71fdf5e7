from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse

from members.audit import contact_details_viewed
from members.models import AuditEntry, Membership, Role, Supporter, Union, User


class ContactDetailsAuditMixin:
    """Admin pages that show people's emails or phones record each view in the audit log
    (the page and how many people were shown, never the details)."""

    # False where the list shows names only and contacts appear on the change page alone.
    contacts_on_changelist = True

    def _audit_page(self, request: HttpRequest, view: str) -> str:
        meta = self.model._meta  # type: ignore[attr-defined]
        return f"admin:{meta.app_label}_{meta.model_name}_{view}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = getattr(response, "context_data", {}).get("cl")
        if self.contacts_on_changelist and response.status_code == 200 and changelist is not None:
            contact_details_viewed(
                actor=request.user,
                page=self._audit_page(request, "changelist"),
                count=len(changelist.result_list),
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        if request.method == "GET" and response.status_code == 200:
            contact_details_viewed(
                actor=request.user, page=self._audit_page(request, "change"), count=1
            )
        return response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["workplace"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["school", "district", "region"]


@admin.register(User)
class UserAdmin(ContactDetailsAuditMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "phone", "preferred_channel", "reminders_opt_out"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    inlines = [MembershipInline, RoleInline]


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name"]


@admin.register(Membership)
class MembershipAdmin(ContactDetailsAuditMixin, admin.ModelAdmin):
    list_display = ["user", "union", "workplace", "is_active"]
    list_filter = ["union", "is_active"]
    search_fields = ["user__email", "member_number"]
    autocomplete_fields = ["user", "workplace"]


@admin.register(Role)
class RoleAdmin(ContactDetailsAuditMixin, admin.ModelAdmin):
    list_display = ["user", "kind", "union", "school", "district", "region"]
    list_filter = ["kind", "union"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user", "school", "district", "region"]


@admin.register(Supporter)
class SupporterAdmin(ContactDetailsAuditMixin, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    contacts_on_changelist = False


@admin.register(AuditEntry)
class AuditEntryAdmin(ContactDetailsAuditMixin, admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_id", "actor__email"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
