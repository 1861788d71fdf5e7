"""The UK's rules on industrial action, as rows chosen by date (see ``RuleSet``).

``RULE_SETS`` is the seed for the table: a new regime is a new entry here and a data migration,
never an ``if`` in a view. Each says where it comes from and when it was last checked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

STATE_SCHOOLS = ["local_authority", "governing_body", "academy_trust"]
WELSH_DEVOLVED = ["local_authority", "governing_body"]

RULE_SETS: list[dict[str, Any]] = [
    {
        "name": "Trade Union Act 2016",
        "effective_from": date(2017, 3, 1),
        "nation": "",
        "employer_kinds": [],
        "as_at": date(2026, 12, 1),
        "source": (
            "Trade Union and Labour Relations (Consolidation) Act 1992 (TULRCA) as amended by the "
            "Trade Union Act 2016, for ballots opening on or after 1 March 2017: 50% turnout "
            "(s.226(2)(a)(iia)); where the majority of those entitled to vote normally work in "
            "important public services, 40% of those entitled to vote must vote yes "
            "(s.226(2A)-(2B); in education, teaching and head teachers' work for those under 17 "
            "in state-funded schools: the Important Public Services (Education) Regulations 2017); "
            "a mandate of six months beginning with the date of the ballot, nine if the employer "
            "agrees (s.234(1)); 14 days' notice of action (s.234A(4)); a picket supervisor with a "
            "letter of authorisation (s.220A)."
        ),
        "turnout_threshold_pct": Decimal("50.00"),
        "important_service_support_pct": Decimal("40.00"),
        "important_service_staff_groups": ["teacher", "leader"],
        "important_service_employer_kinds": STATE_SCHOOLS,
        "mandate_months": 6,
        "mandate_months_with_agreement": 9,
        "notice_days": 14,
        "picket_supervisor_required": True,
    },
    {
        "name": "Trade Union Act 2016 as disapplied in Wales by the Trade Union (Wales) Act 2017",
        "effective_from": date(2017, 9, 13),
        "nation": "W",
        "employer_kinds": WELSH_DEVOLVED,
        "as_at": date(2026, 12, 1),
        "source": (
            "Trade Union (Wales) Act 2017, s.1 (in force 13 September 2017 by the Trade Union "
            "(Wales) Act 2017 (Commencement) Order 2017): the 40% important-public-services "
            "threshold does not apply to devolved Welsh authorities (TULRCA s.226 as amended, "
            "s.297B and Government of Wales Act 2006 s.157A), which include local authorities and "
            "the governing bodies of maintained schools in Wales. The rest of the 2016 Act's "
            "rules (50% turnout, six or nine months' mandate, 14 days' notice, picket "
            "supervisor) still apply."
        ),
        "turnout_threshold_pct": Decimal("50.00"),
        "important_service_support_pct": None,
        "important_service_staff_groups": [],
        "important_service_employer_kinds": [],
        "mandate_months": 6,
        "mandate_months_with_agreement": 9,
        "notice_days": 14,
        "picket_supervisor_required": True,
    },
    {
        "name": "Employment Rights Act 2025",
        "effective_from": date(2026, 2, 18),
        "nation": "",
        "employer_kinds": [],
        "as_at": date(2026, 12, 1),
        "source": (
            "Employment Rights Act 2025 ss.69-75, in force 18 February 2026, with the Employment "
            "Rights Act 2025 (Commencement No. 1 and Transitional and Saving Provisions) "
            "Regulations 2026 (reg. 6, Sch. 2) and the government's guidance 'Trade union law: "
            "transition to Employment Rights Act 2025': for ballots opening on or after 18 "
            "February 2026 no 40% threshold and a mandate of twelve months (no extension by "
            "agreement); 10 days' notice where the employer receives it on or after 18 February "
            "2026; no picket supervisor for picketing on or after 18 February 2026. The 50% "
            "turnout threshold stays until regulations end it."
        ),
        "turnout_threshold_pct": Decimal("50.00"),
        "important_service_support_pct": None,
        "important_service_staff_groups": [],
        "important_service_employer_kinds": [],
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
    # An older migration's model lacks the later fields: seed what it has (and only the rows
    # for every nation, which is all it could hold); a later migration seeds the rest.
    fields = {f.name for f in rule_set_model._meta.get_fields()}
    has_nation = "nation" in fields
    for row in RULE_SETS:
        if not has_nation and row["nation"]:
            continue
        keys = {"effective_from": row["effective_from"]}
        if has_nation:
            keys["nation"] = row["nation"]
        values = {k: v for k, v in row.items() if k in fields and k not in keys}
        rule_set_model.objects.update_or_create(**keys, defaults=values)
    return rule_set_model.objects.count()
