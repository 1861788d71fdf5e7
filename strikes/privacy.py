"""What strikes holds about people (sign-ups, check-ins, reports filed, messages), registered with
the kernel's personal-data registry from ``StrikesConfig.ready()``: how to export it, erase it,
and anonymise the rosters of disputes closed longer ago than the retention period.

Erasure and retention detach people from rows rather than deleting the rows, so every aggregate
the dashboards show (``Shift.booked``, the line counters, reports) stays right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from kernel.privacy import PersonalData, exported
from members.models import Supporter, User
from members.privacy import ERASED_NAME
from strikes.models import Dispute, Notification, PicketLine, PicketReport, Signup

ANONYMISED_NAME = "(anonymised)"


# --- Subject access ---------------------------------------------------------------------------


def _signup_rows(signups: Any) -> list[dict[str, Any]]:
    rows = []
    for s in signups.select_related(
        "shift__picket_line__strike_day",
        "shift__picket_line__school",
        "shift__picket_line__entrance",
    ).order_by("shift__starts_at", "id"):
        shift = s.shift
        line = shift.picket_line
        rows.append(
            {
                "id": s.pk,
                "status": s.get_status_display(),
                "strike_day": exported(line.strike_day.date),
                "school": line.school.name,
                "entrance": str(line.entrance.name),
                "shift_starts_at": exported(shift.starts_at),
                "shift_ends_at": exported(shift.ends_at),
                "signed_up_at": exported(s.created_at),
                "arrived_at": exported(s.arrived_at),
            }
        )
    return rows


def _notification_rows(notifications: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.get_kind_display(),
            "channel": n.get_channel_display(),
            "status": n.get_status_display(),
            "created_at": exported(n.created_at),
            "sent_at": exported(n.sent_at),
        }
        for n in notifications.order_by("created_at", "id")
    ]


def user_strike_data_collect(*, user: User) -> dict[str, Any]:
    """A person's sign-ups, how many reports they filed, and the messages to them."""
    return {
        "signups": _signup_rows(Signup.objects.filter(user=user)),
        "reports_filed": PicketReport.objects.filter(reported_by=user).count(),
        "notifications": _notification_rows(Notification.objects.filter(user=user)),
    }


def supporter_strike_data_collect(*, supporter: Supporter) -> dict[str, Any]:
    """A supporter's rota places and the messages to them."""
    return {
        "signups": _signup_rows(Signup.objects.filter(supporter=supporter)),
        "notifications": _notification_rows(Notification.objects.filter(supporter=supporter)),
    }


# --- Erasure (inside the caller's transaction) ------------------------------------------------


def _notifications_quiet(**recipient: Any) -> None:
    """Stop messages still due and drop the words they would have carried."""
    Notification.objects.filter(
        status__in=[Notification.Status.DUE, Notification.Status.SENDING], **recipient
    ).update(status=Notification.Status.CANCELLED, lease_until=None)
    Notification.objects.filter(**recipient).exclude(context={}).update(context={})


def user_strike_data_erase(*, user: User) -> dict[str, int]:
    """Sign-ups stay, unnamed, so every count stays right; reports and lines lose the person."""
    signup_count = Signup.objects.filter(user=user).update(
        user=None, walk_up_name=ERASED_NAME, nonce=""
    )
    PicketReport.objects.filter(reported_by=user).update(reported_by=None)
    PicketLine.objects.filter(organiser=user).update(organiser=None)
    _notifications_quiet(user=user)
    return {"signups": signup_count}


def supporter_strike_data_erase(*, supporter: Supporter) -> dict[str, int]:
    """Rota places stay (the supporter row is anonymised, not deleted); nonces and due
    messages go."""
    Signup.objects.filter(supporter=supporter).exclude(nonce="").update(nonce="")
    _notifications_quiet(supporter=supporter)
    return {}


# --- Retention --------------------------------------------------------------------------------


@dataclass
class RetentionResult:
    older_than_days: int
    dry_run: bool
    disputes: list[int] = field(default_factory=list)
    signups: int = 0
    supporters_deleted: int = 0
    reports_cleared: int = 0

    def summary(self) -> str:
        verb = "Would anonymise" if self.dry_run else "Anonymised"
        return (
            f"{verb} {self.signups} signup(s) and check-in(s) and "
            f"{'would delete' if self.dry_run else 'deleted'} {self.supporters_deleted} "
            f"supporter(s) in {len(self.disputes)} dispute(s) closed more than "
            f"{self.older_than_days} day(s) ago; free text cleared from "
            f"{self.reports_cleared} report(s)."
        )

    def figures(self) -> dict[str, int]:
        return {
            "disputes": len(self.disputes),
            "signups": self.signups,
            "supporters_deleted": self.supporters_deleted,
        }


def _not_yet_anonymised() -> Q:
    return (
        Q(user__isnull=False)
        | Q(supporter__isnull=False)
        | ~Q(walk_up_name__in=[ANONYMISED_NAME, ERASED_NAME])
        | ~Q(nonce="")
    )


@transaction.atomic
def disputes_anonymise_closed(*, older_than_days: int, dry_run: bool = False) -> RetentionResult:
    """Anonymise rosters of disputes closed more than ``older_than_days`` ago. Idempotent.

    Signups and check-ins lose their person (user, supporter, walk-up name, nonce); supporters
    left with no signups are deleted; reports keep their counts but lose free text. Statuses are
    untouched, so ``Shift.booked``, the line counters and report figures do not change.
    """
    if older_than_days < 0:
        raise DomainError("The number of days cannot be negative.", code="bad_days")
    cutoff = timezone.localdate() - dt.timedelta(days=older_than_days)
    result = RetentionResult(older_than_days=older_than_days, dry_run=dry_run)
    disputes = list(
        Dispute.objects.filter(status=Dispute.Status.CLOSED, closed_on__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result.disputes = disputes
    if not disputes:
        return result
    in_disputes = Q(shift__picket_line__strike_day__dispute__in=disputes)
    signups = Signup.objects.filter(in_disputes).filter(_not_yet_anonymised())
    # Supporters whose every signup is in these disputes are left with none: they go.
    supporters = Supporter.objects.filter(
        pk__in=signups.filter(supporter__isnull=False).values("supporter_id")
    ).annotate(
        elsewhere=Count(
            "signups", filter=~Q(signups__shift__picket_line__strike_day__dispute__in=disputes)
        )
    )
    leaving = [pk for pk, n in supporters.values_list("pk", "elsewhere") if n == 0]
    lines = PicketLine.objects.filter(strike_day__dispute__in=disputes)
    reports = PicketReport.objects.filter(picket_line__in=lines).filter(
        ~Q(notes="") | (~Q(incident="") & ~Q(incident=ANONYMISED_NAME))
    )
    result.reports_cleared = reports.count()
    result.supporters_deleted = len(leaving)
    if dry_run:
        result.signups = signups.count()
        return result
    Notification.objects.filter(signup__in=signups).exclude(context={}).update(context={})
    result.signups = signups.update(
        user=None, supporter=None, walk_up_name=ANONYMISED_NAME, nonce=""
    )
    for start in range(0, len(leaving), 500):
        Supporter.objects.filter(pk__in=leaving[start : start + 500]).delete()
    reports.filter(~Q(incident="")).update(incident=ANONYMISED_NAME, notes="")
    reports.update(notes="")
    lines.exclude(supervisor_name="", organiser__isnull=True).update(
        supervisor_name="", organiser=None
    )
    for dispute_id in disputes:
        audit_log(
            actor=None,
            action="retention.anonymise",
            dispute_id=dispute_id,
            older_than_days=older_than_days,
        )
    audit_log(
        actor=None,
        action="retention.sweep",
        disputes=len(disputes),
        signups=result.signups,
        supporters_deleted=result.supporters_deleted,
    )
    return result


personal_data = PersonalData(
    app="strikes",
    export_user=user_strike_data_collect,
    export_supporter=supporter_strike_data_collect,
    erase_user=user_strike_data_erase,
    erase_supporter=supporter_strike_data_erase,
    sweep=disputes_anonymise_closed,
    page_template="strikes/privacy/my_data.html",
)
