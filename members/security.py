"""Account security: the officers' second factor. (Rate limits: ``kernel.ratelimit``.)"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from members.permissions import viewer_for

MFA_REQUIRED_MESSAGE = (
    "Organisers' accounts need a second step at sign-in: set up an authenticator app "
    "(such as Google Authenticator, Microsoft Authenticator or Aegis) on your phone. "
    "Scan the code below, then type the six digits the app shows."
)


def officer_needs_totp(user: Any) -> bool:
    """Is this a signed-in officer (district officer and above) without an authenticator app?

    Read on every request, so someone who loses the officer role is no longer asked, and an
    officer who removes their authenticator is asked again at once.
    """
    if not settings.OFFICER_MFA_REQUIRED:
        return False
    viewer = viewer_for(user)
    if viewer.is_anonymous or not viewer.is_officer:
        return False
    return not Authenticator.objects.filter(
        user_id=viewer.user_id, type=Authenticator.Type.TOTP
    ).exists()
