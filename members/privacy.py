"""Data protection services: subject-access exports, erasure, and the retention sweep.

Union membership is special-category personal data (UK GDPR Art. 9). These services let a person
see everything held about them and have it erased, and anonymise rosters once a dispute has been
closed for a while. Erasure and retention detach people from rows rather than deleting the rows,
so every aggregate the dashboards show (``Shift.booked``, the line counters, reports) stays right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from members.models import Membership, Role, Supporter, User, new_token

ERASED_NAME = "(erased)"
ANONYMISED_NAME = "(anonymised)"


def _iso(value: Any) -> Any:
    """Datetimes in London time (the JSON encoder writes them as ISO 8601 with the offset)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value)
    return value


def _signup_rows(signups: Any) -> list[dict[str, Any]]:
    rows = []
    for s in signups:
        shift = s.shift
        line = shift.picket_line
        entrance = line.entrance
        rows.append(
            {
                "id": s.pk,
                "status": s.get_status_display(),
                "strike_day": _iso(line.strike_day.date),
                "school": line.school.name,
                "entrance": str(entrance.name),
                "shift_starts_at": _iso(shift.starts_at),
                "shift_ends_at": _iso(shift.ends_at),
                "signed_up_at": _iso(s.created_at),
                "arrived_at": _iso(s.arrived_at),
            }
        )
    return rows


def _notification_rows(notifications: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.get_kind_display(),
            "channel": n.get_channel_display(),
            "status": n.get_status_display(),
            "created_at": _iso(n.created_at),
            "sent_at": _iso(n.sent_at),
        }
        for n in notifications
    ]


def user_data_collect(*, user: User) -> dict[str, Any]:
    """Everything held about one signed-in person, in plain words (a read; no log)."""
    from strikes.models import Notification, PicketReport, Signup

    memberships = Membership.objects.filter(user=user).select_related("union", "workplace")
    roles = Role.objects.filter(user=user).select_related("union", "school", "district", "region")
    signups = (
        Signup.objects.filter(user=user)
        .select_related(
            "shift__picket_line__strike_day",
            "shift__picket_line__school",
            "shift__picket_line__entrance",
        )
        .order_by("shift__starts_at", "id")
    )
    notifications = Notification.objects.filter(user=user).order_by("created_at", "id")
    return {
        "generated_at": _iso(timezone.now()),
        "person": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "preferred_channel": user.get_preferred_channel_display(),
            "reminders_opt_out": user.reminders_opt_out,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "erased_at": _iso(user.erased_at),
        },
        "memberships": [
            {
                "union": m.union.name,
                "workplace": m.workplace.name if m.workplace else "",
                "member_number": m.member_number,
                "staff_group": m.get_staff_group_display(),
                "is_active": m.is_active,
                "joined_on": _iso(m.joined_on),
            }
            for m in memberships
        ],
        "roles": [
            {
                "role": r.get_kind_display(),
                "union": r.union.name,
                "place": str(r.school or r.district or r.region or "national"),
                "granted_at": _iso(r.granted_at),
            }
            for r in roles
        ],
        "signups": _signup_rows(signups),
        "reports_filed": PicketReport.objects.filter(reported_by=user).count(),
        "notifications": _notification_rows(notifications),
    }


def supporter_data_collect(*, supporter: Supporter) -> dict[str, Any]:
    """Everything held about one supporter."""
    from strikes.models import Notification, Signup

    signups = (
        Signup.objects.filter(supporter=supporter)
        .select_related(
            "shift__picket_line__strike_day",
            "shift__picket_line__school",
            "shift__picket_line__entrance",
        )
        .order_by("shift__starts_at", "id")
    )
    notifications = Notification.objects.filter(supporter=supporter).order_by("created_at", "id")
    return {
        "generated_at": _iso(timezone.now()),
        "person": {
            "name": supporter.name,
            "email": supporter.email,
            "phone": supporter.phone,
            "consent_at": _iso(supporter.consent_at),
            "created_at": _iso(supporter.created_at),
            "erased_at": _iso(supporter.erased_at),
        },
        "signups": _signup_rows(signups),
        "notifications": _notification_rows(notifications),
    }


def subject_access_export(*, user: User, acting_user: Any, fmt: str = "page") -> dict[str, Any]:
    """A person's own data, logged as an export (ids only in the log)."""
    data = user_data_collect(user=user)
    audit_log(actor=acting_user, action="subject_access.export", obj=user, format=fmt)
    return data


def supporter_access_export(*, supporter: Supporter, fmt: str = "page") -> dict[str, Any]:
    data = supporter_data_collect(supporter=supporter)
    audit_log(actor=None, action="subject_access.export", obj=supporter, format=fmt)
    return data


def _quiet_notifications(**recipient: Any) -> None:
    """Stop messages still due and drop the words they would have carried."""
    from strikes.models import Notification

    Notification.objects.filter(
        status__in=[Notification.Status.DUE, Notification.Status.SENDING], **recipient
    ).update(status=Notification.Status.CANCELLED, lease_until=None)
    Notification.objects.filter(**recipient).exclude(context={}).update(context={})


@transaction.atomic
def user_erase(*, user: User, acting_user: Any) -> User:
    """Anonymise a person. Their signups stay (unnamed) so every count stays right."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from strikes.models import PicketLine, PicketReport, Signup

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise DomainError("This account has already been erased.", code="already_erased")
    if acting_user is None or (acting_user.pk != user.pk and not acting_user.is_superuser):
        raise NotAllowed("Only the person themselves can ask for erasure here.")
    signups = Signup.objects.filter(user=user)
    signup_count = signups.update(user=None, walk_up_name=ERASED_NAME, nonce="")
    PicketReport.objects.filter(reported_by=user).update(reported_by=None)
    PicketLine.objects.filter(organiser=user).update(organiser=None)
    Membership.objects.filter(user=user).update(is_active=False, member_number="")
    roles_removed, _ = Role.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _quiet_notifications(user=user)
    user.email = f"erased-{user.pk}@invalid"
    user.full_name = ""
    user.phone = ""
    user.preferred_channel = User.Channel.EMAIL
    user.reminders_opt_out = True
    user.calendar_token = new_token()
    user.is_active = False
    user.is_staff = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    audit_log(
        actor=acting_user,
        action="user.erase",
        obj=user,
        signups=signup_count,
        roles_removed=roles_removed,
    )
    return user


@transaction.atomic
def supporter_erase(*, supporter: Supporter, acting_user: Any = None) -> Supporter:
    """Anonymise a supporter. Their rota places stay (unnamed) so the counters stay right."""
    from strikes.models import Signup

    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if supporter.erased_at is not None:
        raise DomainError("These details have already been erased.", code="already_erased")
    Signup.objects.filter(supporter=supporter).exclude(nonce="").update(nonce="")
    _quiet_notifications(supporter=supporter)
    supporter.name = ERASED_NAME
    supporter.email = ""
    supporter.phone = ""
    supporter.erased_at = timezone.now()
    supporter.token = new_token()
    supporter.save(update_fields=["name", "email", "phone", "erased_at", "token"])
    audit_log(actor=acting_user, action="supporter.erase", obj=supporter)
    return supporter


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
    from strikes.models import Dispute, Notification, PicketLine, PicketReport, Signup

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


def audit_sign_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Receiver for Django's ``user_logged_in``: record the sign-in (ids only)."""
    if user is None:
        return
    audit_log(actor=user, action="auth.sign_in", obj=user)
