from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from kernel.admin import ContactDetailsAuditMixin
from members.models import Membership, Role, Supporter, Union, User
from members.phones import PhoneField


class PhoneAdminMixin:
    """The phone field in the admin parses like every other: E.164 in, a clear error for junk."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "phone":
            return PhoneField(required=False, label="Phone", help_text="Stored as +447700900123.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["workplace"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["school", "district", "region"]


@admin.register(User)
class UserAdmin(PhoneAdminMixin, ContactDetailsAuditMixin, BaseUserAdmin):
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
class SupporterAdmin(PhoneAdminMixin, ContactDetailsAuditMixin, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    contacts_on_changelist = False
