"""Public-face writes: publishing a dispute's or a strike day's page, messages of support and
their moderation, and the retention of senders' contacts.

Who may publish: an officer of the union whose area covers every school the page would show
(every school the day calls out; for a dispute, every school any of its days calls out).
Who may moderate: for a message to a school, its rep or an officer over it (``RUN_LINE``:
the rep or the district officer); for a message to the whole dispute, an officer of the union.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from members.permissions import OFFICER_KINDS, Action, viewer_for
from schools.models import School
from strikes.models import CalledOutSchool, Dispute, PublicPage, StrikeDay, SupportMessage
from strikes.models.public import ABOUT_MAX, MESSAGE_MAX
from strikes.selectors.public import PUBLIC_VERSION_KEY

# A message longer than this is held back with a flag for the moderator (all wait anyway).
LONG_MESSAGE = 600
LINK_RE = re.compile(
    r"(https?://|www\.|\b[\w-]+\.(com|org|net|uk|co|io|ly|info|biz|me|app|xyz|ru|cn)\b)",
    re.IGNORECASE,
)


# --- Publishing ------------------------------------------------------------------------------


def _public_pages_changed() -> None:
    """Every cached public page is out of date: move the version on (strikes.selectors.public.
    public_cache_key), now and again once the change commits, so that a page rendered from the
    old rows in between is not kept either."""

    def bump() -> None:
        try:
            cache.incr(PUBLIC_VERSION_KEY)
        except ValueError:  # no version yet (or the cache was emptied): start one
            cache.add(PUBLIC_VERSION_KEY, 1, None)

    bump()
    transaction.on_commit(bump)


def _require_cover(acting_user: Any, union_id: int, schools: Any) -> None:
    """Refuse unless the acting officer's area covers every school in ``schools``."""
    viewer = viewer_for(acting_user)
    if not viewer.roles_in(union_id, OFFICER_KINDS):
        raise NotAllowed("Only the union's officers publish public pages.", code="not_officer")
    area = viewer.area_q(Action.PLAN, union=union_id)
    # An empty filter is the whole union (a national organiser): it covers everything.
    if area and schools.exclude(area).exists():
        raise NotAllowed(
            "This page covers schools outside your area: ask an officer who covers all of them "
            "(a regional officer or a national organiser) to publish it.",
            code="outside_area",
        )


def _clean_text(text: str, *, limit: int, what: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    # Keep line breaks and tabs; drop every other control character.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if len(text) > limit:
        raise DomainError(
            f"The {what} is {len(text)} characters; the most is {limit}. Shorten it and send "
            "it again.",
            code="too_long",
        )
    return text


@transaction.atomic
def public_page_publish(
    *,
    acting_user: Any,
    strike_day: StrikeDay | None = None,
    dispute: Dispute | None = None,
    about: str = "",
    show_counts: bool = False,
) -> PublicPage:
    """Publish (or re-publish with new words) the page of a strike day or a dispute."""
    if (strike_day is None) == (dispute is None):
        raise DomainError("Publish a strike day or a dispute, one at a time.", code="bad_target")
    about = _clean_text(about, limit=ABOUT_MAX, what="text about the dispute")
    if strike_day is not None:
        union_id = strike_day.dispute.union_id
        schools = CalledOutSchool.objects.filter(strike_day=strike_day)
        lookup: dict[str, Any] = {"strike_day": strike_day}
    else:
        assert dispute is not None
        union_id = dispute.union_id
        schools = CalledOutSchool.objects.filter(strike_day__dispute=dispute)
        lookup = {"dispute": dispute}
    _require_cover(acting_user, union_id, schools)
    now = timezone.now()
    page = PublicPage.objects.select_for_update().filter(**lookup).first()
    if page is None:
        page = PublicPage(**lookup)
    was_published = page.is_published
    page.about = about
    page.show_counts = bool(show_counts)
    page.published_at = page.published_at or now
    page.updated_at = now
    page.save()
    _public_pages_changed()
    audit_log(
        actor=acting_user,
        action="public_page.update" if was_published else "public_page.publish",
        obj=page,
        strike_day_id=getattr(strike_day, "pk", None),
        dispute_id=getattr(dispute, "pk", None),
        show_counts=page.show_counts,
    )
    return page


@transaction.atomic
def public_page_unpublish(
    *, acting_user: Any, strike_day: StrikeDay | None = None, dispute: Dispute | None = None
) -> PublicPage | None:
    """Take a page down at once; its words are kept for next time. ``None``: never published."""
    if (strike_day is None) == (dispute is None):
        raise DomainError("Unpublish a strike day or a dispute, one at a time.", code="bad_target")
    if strike_day is not None:
        union_id = strike_day.dispute.union_id
        schools = CalledOutSchool.objects.filter(strike_day=strike_day)
        page = PublicPage.objects.select_for_update().filter(strike_day=strike_day).first()
    else:
        assert dispute is not None
        union_id = dispute.union_id
        schools = CalledOutSchool.objects.filter(strike_day__dispute=dispute)
        page = PublicPage.objects.select_for_update().filter(dispute=dispute).first()
    _require_cover(acting_user, union_id, schools)
    if page is None or not page.is_published:
        return page
    page.published_at = None
    page.updated_at = timezone.now()
    page.save(update_fields=["published_at", "updated_at"])
    _public_pages_changed()
    audit_log(actor=acting_user, action="public_page.unpublish", obj=page)
    return page


# --- Messages of support ---------------------------------------------------------------------


def _published(**lookup: Any) -> bool:
    return PublicPage.objects.filter(published_at__isnull=False, **lookup).exists()


@transaction.atomic
def support_message_send(
    *,
    dispute: Dispute,
    sender: str,
    body: str,
    strike_day: StrikeDay | None = None,
    school: School | None = None,
    contact: str = "",
    consent_to_show: bool = False,
) -> SupportMessage:
    """Anyone sends a message of support to a school's line (on a strike day) or to a dispute.

    Only through a published page: the day's page for a school, the day's or the dispute's page
    for the dispute. Every message waits for a moderator; links and very long messages are
    flagged so the moderator reads them with care.
    """
    sender = _clean_text(sender, limit=100, what="name")
    body = _clean_text(body, limit=MESSAGE_MAX, what="message")
    contact = _clean_text(contact, limit=200, what="contact")
    if not sender:
        raise DomainError("Give your name or your organisation's name.", code="no_name")
    if not body:
        raise DomainError("Write a message of support.", code="no_message")
    if strike_day is not None and strike_day.dispute_id != dispute.pk:
        raise DomainError("That strike day is not part of this dispute.", code="wrong_day")
    if school is not None:
        if strike_day is None:
            raise DomainError("Choose the strike day for that school.", code="no_day")
        called = CalledOutSchool.objects.filter(
            strike_day=strike_day, school=school, cancelled_at__isnull=True
        ).exists()
        if not called:
            raise DomainError(
                "That school is not on strike that day: send your message to the whole dispute "
                "instead.",
                code="not_called_out",
            )
    if strike_day is not None:
        if strike_day.is_cancelled or not _published(strike_day=strike_day):
            raise DomainError(
                "This strike day's page is not public any more, so it takes no messages.",
                code="not_published",
            )
    elif not _published(dispute=dispute) and not _published(strike_day__dispute=dispute):
        raise DomainError(
            "This dispute has no public page, so it takes no messages.", code="not_published"
        )
    held = SupportMessage.Held.NONE
    if LINK_RE.search(body) or LINK_RE.search(sender):
        held = SupportMessage.Held.LINK
    elif len(body) > LONG_MESSAGE:
        held = SupportMessage.Held.LONG
    message = SupportMessage.objects.create(
        dispute=dispute,
        strike_day=strike_day,
        school=school,
        district_id=school.district_id if school else None,
        region_id=school.district.region_id if school else None,
        sender=sender,
        body=body,
        contact=contact,
        consent_to_show=bool(consent_to_show),
        held=held,
    )
    audit_log(
        actor=None,
        action="support_message.send",
        obj=message,
        dispute_id=dispute.pk,
        strike_day_id=getattr(strike_day, "pk", None),
        school_id=getattr(school, "pk", None),
        held=held,
    )
    return message


def may_moderate(user: Any, message: SupportMessage) -> bool:
    viewer = viewer_for(user)
    union_id = message.dispute.union_id
    if message.school_id is not None:
        return viewer.may(Action.RUN_LINE, message.school, union=union_id)
    return bool(viewer.roles_in(union_id, OFFICER_KINDS))


@transaction.atomic
def support_message_moderate(
    *, message: SupportMessage, approve: bool, acting_user: Any
) -> SupportMessage:
    """Approve or reject a message (a decision can be changed: a mistaken approval is undone by
    rejecting it, which takes it off every page at once)."""
    message = (
        SupportMessage.objects.select_for_update(of=("self",))
        .select_related("dispute", "school__district__region")
        .get(pk=message.pk)
    )
    if not may_moderate(acting_user, message):
        raise NotAllowed(
            "Only the school's rep or an officer over it may approve its messages.",
            code="not_moderator",
        )
    status = SupportMessage.Status.APPROVED if approve else SupportMessage.Status.REJECTED
    message.status = status
    message.moderated_at = timezone.now()
    message.moderated_by = acting_user
    message.save(update_fields=["status", "moderated_at", "moderated_by"])
    _public_pages_changed()
    audit_log(
        actor=acting_user,
        action=f"support_message.{'approve' if approve else 'reject'}",
        obj=message,
    )
    return message


@transaction.atomic
def support_messages_retention(*, older_than_days: int = 0, today: dt.date | None = None) -> int:
    """After a dispute closes: clear every sender's contact, and delete the messages that were
    never published (pending, rejected, or approved without consent to show them). Published
    messages stay, without their contact. Returns how many messages changed. Idempotent."""
    if older_than_days < 0:
        raise DomainError("The number of days cannot be negative.", code="bad_days")
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=older_than_days)
    over = Q(dispute__status=Dispute.Status.CLOSED, dispute__closed_on__lte=cutoff)
    published = Q(status=SupportMessage.Status.APPROVED, consent_to_show=True)
    deleted, _ = SupportMessage.objects.filter(over).exclude(published).delete()
    cleared = (
        SupportMessage.objects.filter(over, published)
        .filter(contact_cleared_at__isnull=True)
        .update(contact="", contact_cleared_at=timezone.now())
    )
    if deleted or cleared:
        _public_pages_changed()
        audit_log(actor=None, action="support_message.retention", deleted=deleted, cleared=cleared)
    return deleted + cleared
