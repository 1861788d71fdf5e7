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


@transaction.atomic
def user_preferences_update(
    *, user: Any, preferred_channel: str, non_essential_opt_out: bool, acting_user: Any
) -> User:
    """How the person hears from us: by email or text message, and whether they get the
    non-essential messages (reminders, nudges, broadcasts, announcements, staffing digests).
    Sign-up confirmations and changes to their own shifts always go."""
    from kernel.errors import DomainError

    if preferred_channel not in User.Channel.values:
        raise DomainError("Choose email or text message.", code="channel")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if preferred_channel == User.Channel.SMS and not locked.phone:
        raise DomainError(
            "We have no mobile number for you, so we can only email you. Ask your rep to add "
            "your number, then choose text messages.",
            code="no_phone",
        )
    locked.preferred_channel = preferred_channel
    locked.reminders_opt_out = bool(non_essential_opt_out)
    locked.save(update_fields=["preferred_channel", "reminders_opt_out"])
    audit_log(
        actor=acting_user,
        action="user.preferences_update",
        obj=locked,
        channel=preferred_channel,
        non_essential_opt_out=locked.reminders_opt_out,
    )
    return locked
