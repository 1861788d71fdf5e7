"""allauth glue: who may create an account."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Accounts come from the union's membership records; open sign-up is a setting."""
        return bool(settings.PICKETLINE_OPEN_SIGNUP)
