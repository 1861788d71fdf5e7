"""The audit log in the admin (read-only), and the mixin every admin page that shows people's
emails or phones uses to record that view."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from kernel.audit import contact_details_viewed
from kernel.models import AuditEntry


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
