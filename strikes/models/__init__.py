"""Action, by topic: planning (rule sets to rallies), lines and sign-ups, reports, notifications.

Every model is importable from ``strikes.models`` as before."""

from __future__ import annotations

from strikes.models.base import new_token
from strikes.models.lines import PicketLine, Shift, Signup
from strikes.models.notifications import Notification
from strikes.models.planning import (
    Ballot,
    BallotUnit,
    CalledOutSchool,
    Dispute,
    Rally,
    RuleSet,
    StaffGroup,
    StrikeDay,
    StrikePolicy,
)
from strikes.models.public import PublicPage, SupportMessage
from strikes.models.reports import DistrictFigures, PicketReport, ReportBucket
from strikes.models.sync import SyncedAction
from strikes.models.turnout import (
    Elector,
    TrackedBallot,
    TurnoutCount,
    TurnoutDay,
    TurnoutOfficial,
)

__all__ = [
    "Ballot",
    "BallotUnit",
    "CalledOutSchool",
    "Dispute",
    "DistrictFigures",
    "Elector",
    "Notification",
    "PicketLine",
    "PicketReport",
    "PublicPage",
    "Rally",
    "ReportBucket",
    "RuleSet",
    "Shift",
    "Signup",
    "StaffGroup",
    "StrikeDay",
    "StrikePolicy",
    "SupportMessage",
    "SyncedAction",
    "TrackedBallot",
    "TurnoutCount",
    "TurnoutDay",
    "TurnoutOfficial",
    "new_token",
]
