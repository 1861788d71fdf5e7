"""Data protection services: subject-access exports, erasure, and the retention sweep.

Union membership is special-category personal data (UK GDPR Art. 9). These services let a person
see everything held about them and have it erased, and anonymise rosters once a dispute has been
closed for a while. They hold the person's own rows (the account, memberships, roles) and run
what every other app registered in ``kernel.privacy``, so members never reaches into another app:
strikes' sign-ups, reports and messages come from ``strikes/privacy.py``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError, NotAllowed
from kernel.privacy import PersonalData, RetentionOutcome, exported, registered
from members.models import Membership, Role, Supporter, User, new_token

ERASED_NAME = "(erased)"


# --- Subject access ---------------------------------------------------------------------------


def _user_membership_data(*, user: User) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=user).select_related("union", "workplace")
    roles = Role.objects.filter(user=user).select_related("union", "school", "district", "region")
    return {
        "memberships": [
            {
                "union": m.union.name,
                "workplace": m.workplace.name if m.workplace else "",
                "member_number": m.member_number,
                "staff_group": m.get_staff_group_display(),
                "is_active": m.is_active,
                "joined_on": exported(m.joined_on),
            }
            for m in memberships
        ],
        "roles": [
            {
                "role": r.get_kind_display(),
                "union": r.union.name,
                "place": str(r.school or r.district or r.region or "national"),
                "granted_at": exported(r.granted_at),
            }
            for r in roles
        ],
    }


def user_data_collect(*, user: User) -> dict[str, Any]:
    """Everything held about one signed-in person, in plain words (a read; no log)."""
    data: dict[str, Any] = {
        "generated_at": exported(timezone.now()),
        "person": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "preferred_channel": user.get_preferred_channel_display(),
            "reminders_opt_out": user.reminders_opt_out,
            "date_joined": exported(user.date_joined),
            "last_login": exported(user.last_login),
            "erased_at": exported(user.erased_at),
        },
    }
    for entry in registered():
        if entry.export_user is not None:
            data.update(entry.export_user(user=user))
    return data


def supporter_data_collect(*, supporter: Supporter) -> dict[str, Any]:
    """Everything held about one supporter."""
    data: dict[str, Any] = {
        "generated_at": exported(timezone.now()),
        "person": {
            "name": supporter.name,
            "email": supporter.email,
            "phone": supporter.phone,
            "consent_at": exported(supporter.consent_at),
            "created_at": exported(supporter.created_at),
            "erased_at": exported(supporter.erased_at),
        },
    }
    for entry in registered():
        if entry.export_supporter is not None:
            data.update(entry.export_supporter(supporter=supporter))
    return data


def data_page_templates() -> list[str]:
    """The templates that show each app's sections on the "your data" page, in order."""
    return [entry.page_template for entry in registered() if entry.page_template]


def subject_access_export(*, user: User, acting_user: Any, fmt: str = "page") -> dict[str, Any]:
    """A person's own data, logged as an export (ids only in the log)."""
    data = user_data_collect(user=user)
    audit_log(actor=acting_user, action="subject_access.export", obj=user, format=fmt)
    return data


def supporter_access_export(*, supporter: Supporter, fmt: str = "page") -> dict[str, Any]:
    data = supporter_data_collect(supporter=supporter)
    audit_log(actor=None, action="subject_access.export", obj=supporter, format=fmt)
    return data


# --- Erasure ----------------------------------------------------------------------------------


def _user_membership_data_erase(*, user: User) -> dict[str, int]:
    """Memberships stay (inactive, without the number) so union counts stay; roles, addresses
    and authenticators go."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    Membership.objects.filter(user=user).update(is_active=False, member_number="")
    roles_removed, _ = Role.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    return {"roles_removed": roles_removed}


@transaction.atomic
def user_erase(*, user: User, acting_user: Any) -> User:
    """Anonymise a person. Every app detaches its rows from them (sign-ups stay, unnamed, so
    every count stays right); the account stays as an empty, inactive row."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise DomainError("This account has already been erased.", code="already_erased")
    if acting_user is None or (acting_user.pk != user.pk and not acting_user.is_superuser):
        raise NotAllowed("Only the person themselves can ask for erasure here.")
    counts: dict[str, int] = {}
    for entry in registered():
        if entry.erase_user is not None:
            counts.update(entry.erase_user(user=user))
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
    audit_log(actor=acting_user, action="user.erase", obj=user, **counts)
    return user


@transaction.atomic
def supporter_erase(*, supporter: Supporter, acting_user: Any = None) -> Supporter:
    """Anonymise a supporter. Their rota places stay (unnamed) so the counters stay right."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if supporter.erased_at is not None:
        raise DomainError("These details have already been erased.", code="already_erased")
    for entry in registered():
        if entry.erase_supporter is not None:
            entry.erase_supporter(supporter=supporter)
    supporter.name = ERASED_NAME
    supporter.email = ""
    supporter.phone = ""
    supporter.erased_at = timezone.now()
    supporter.token = new_token()
    supporter.save(update_fields=["name", "email", "phone", "erased_at", "token"])
    audit_log(actor=acting_user, action="supporter.erase", obj=supporter)
    return supporter


# --- Retention --------------------------------------------------------------------------------


def retention_sweep(*, older_than_days: int, dry_run: bool = False) -> list[RetentionOutcome]:
    """Run every app's retention sweep (each one its own transaction, idempotent); return what
    each did."""
    if older_than_days < 0:
        raise DomainError("The number of days cannot be negative.", code="bad_days")
    return [
        entry.sweep(older_than_days=older_than_days, dry_run=dry_run)
        for entry in registered()
        if entry.sweep is not None
    ]


personal_data = PersonalData(
    app="members",
    export_user=_user_membership_data,
    erase_user=_user_membership_data_erase,
)


def audit_sign_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Receiver for Django's ``user_logged_in``: record the sign-in (ids only)."""
    if user is None:
        return
    audit_log(actor=user, action="auth.sign_in", obj=user)
