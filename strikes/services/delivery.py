"""Sending what the outbox holds: claim a row with a lease, send it, record the result."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from strikes.models import Notification

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def notification_claim(*, notification_id: int) -> Notification | None:
    """Take the row for sending, or None if it is sent, failed or held by a live lease."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, due_at__lte=now)
            .filter(
                Q(status=Notification.Status.DUE)
                | Q(status=Notification.Status.SENDING, lease_until__lt=now)
            )
            .first()
        )
        if row is None:
            return None
        row.status = Notification.Status.SENDING
        row.lease_until = now + LEASE
        row.attempts += 1
        row.save(update_fields=["status", "lease_until", "attempts"])
    return row


def notification_deliver(*, notification_id: int) -> str:
    row = notification_claim(notification_id=notification_id)
    if row is None:
        return "skipped"
    try:
        _send(row)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.status = (
            Notification.Status.FAILED if row.attempts >= MAX_ATTEMPTS else Notification.Status.DUE
        )
        row.due_at = timezone.now() + timedelta(minutes=2**row.attempts)
        row.lease_until = None
        row.save(update_fields=["last_error", "status", "due_at", "lease_until"])
        return "failed"
    row.status = Notification.Status.SENT
    row.sent_at = timezone.now()
    row.lease_until = None
    row.save(update_fields=["status", "sent_at", "lease_until"])
    return "sent"


def _send(row: Notification) -> None:
    recipient = row.user or row.supporter
    address = getattr(recipient, "email", "")
    context = {"notification": row, "recipient": recipient, "site_url": settings.SITE_URL}
    subject = render_to_string("strikes/email/subject.txt", context).strip()
    body = render_to_string("strikes/email/body.txt", context)
    message = EmailMultiAlternatives(subject, body, to=[address])
    message.send()


def notifications_queue_due(*, limit: int = 5000) -> int:
    """The beat sweep: hand every due message (and every expired lease) to a worker."""
    from strikes.tasks import notification_send

    now = timezone.now()
    ids = list(
        Notification.objects.filter(due_at__lte=now)
        .filter(
            Q(status=Notification.Status.DUE)
            | Q(status=Notification.Status.SENDING, lease_until__lt=now)
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        notification_send.delay(pk)
    return len(ids)
