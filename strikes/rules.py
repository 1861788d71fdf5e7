"""The UK's rules on industrial action, as rows chosen by date (see ``RuleSet``).

``RULE_SETS`` is the seed for the table: a new regime is a new entry here and a data migration,
never an ``if`` in a view. Each says where it comes from and when it was last checked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

RULE_SETS: list[dict[str, Any]] = [
    {
        "name": "Trade Union Act 2016",
        "effective_from": date(2017, 3, 1),
        "as_at": date(2026, 11, 1),
        "source": (
            "Trade Union and Labour Relations (Consolidation) Act 1992 as amended by the Trade "
            "Union Act 2016: 50% turnout; in important public services (including the education "
            "of those aged under 17) 40% of those entitled to vote must vote yes; a mandate of six "
            "months, nine if the employer agrees; 14 days' notice of action; a picket supervisor "
            "with a letter of authorisation (s.220A)."
        ),
        "turnout_threshold_pct": Decimal("50.00"),
        "important_service_support_pct": Decimal("40.00"),
        "important_service_staff_groups": ["teacher", "leader"],
        "mandate_months": 6,
        "mandate_months_with_agreement": 9,
        "notice_days": 14,
        "picket_supervisor_required": True,
    },
    {
        "name": "Employment Rights Act 2025",
        "effective_from": date(2026, 2, 18),
        "as_at": date(2026, 11, 1),
        "source": (
            "Employment Rights Act 2025, provisions in force from 18 February 2026: the 40% "
            "support threshold repealed; mandates last twelve months; 10 days' notice of action; "
            "the picket supervisor requirements repealed. The 50% turnout threshold stays until "
            "regulations end it."
        ),
        "turnout_threshold_pct": Decimal("50.00"),
        "important_service_support_pct": None,
        "important_service_staff_groups": [],
        "mandate_months": 12,
        "mandate_months_with_agreement": 12,
        "notice_days": 10,
        "picket_supervisor_required": False,
    },
]


def rule_sets_ensure(rule_set_model: Any = None) -> int:
    """Create or update the seeded rule sets; returns how many exist. Safe to run repeatedly.

    Takes the model class so the data migration can pass its historical model.
    """
    if rule_set_model is None:
        from strikes.models import RuleSet as rule_set_model
    for row in RULE_SETS:
        values = {k: v for k, v in row.items() if k != "effective_from"}
        rule_set_model.objects.update_or_create(
            effective_from=row["effective_from"], defaults=values
        )
    return rule_set_model.objects.count()
