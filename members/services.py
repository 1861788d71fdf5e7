"""Writes about people: each a keyword-only function in one transaction, with an audit entry."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from kernel.audit import audit_log
from members.models import User


@transaction.atomic
def user_calendar_token_reset(*, user: Any, acting_user: Any) -> User:
    """Give the person a new private calendar link; the old one stops working."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.calendar_token = secrets.token_urlsafe(24)
    locked.save(update_fields=["calendar_token"])
    audit_log(actor=acting_user, action="user.calendar_token_reset", obj=locked)
    return locked
