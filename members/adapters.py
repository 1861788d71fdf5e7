"""allauth glue: who may create an account, and what a login code proves."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse

# allauth keeps a record of each way a person proved who they are in this session; the login
# code flow writes {"method": "code", "email": ...} once the right code was typed.
AUTHENTICATION_RECORDS_KEY = "account_authentication_methods"


def _email_proven_by_code(request: HttpRequest, user: AbstractBaseUser) -> str | None:
    records = request.session.get(AUTHENTICATION_RECORDS_KEY) or []
    for record in reversed(records):
        if record.get("method") == "code" and record.get("email"):
            email = str(record["email"])
            if email.casefold() == (user.email or "").casefold():
                return user.email
    return None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts come from the union's membership records; open sign-up is a setting."""
        return bool(settings.PICKETLINE_OPEN_SIGNUP)

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> Any:
        """A code sent to an address proves that address.

        Members reach Picketline from the union's records (the CSV import, the demo world, an
        invitation), not from allauth's sign-up, so many have no allauth ``EmailAddress`` row.
        allauth only marks an existing row verified after a correct code; without one it would
        ask a member who has just typed the code to verify the same address again. Here the row
        is made (primary, verified) for the address the code went to, and nothing else changes.
        """
        response: HttpResponse | None = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        email = _email_proven_by_code(request, user)
        if email:
            address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
            if address is None:
                EmailAddress.objects.create(
                    user=user,
                    email=email,
                    verified=True,
                    primary=not EmailAddress.objects.filter(user=user, primary=True).exists(),
                )
            elif not address.verified:
                address.verified = True
                address.save(update_fields=["verified"])
        return None
