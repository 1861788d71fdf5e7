"""The rep's shifts at one entrance, built in Python rather than in the template language.

A line opened on the rep's day page shows every shift at that entrance with the people on it
(forty shifts and a hundred people at a big school); Django's template loops were most of the
page's time (issue 16). The markup is the same as a template would make; every value that
comes from data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from strikes.models import Signup

STATUS_LABELS = dict(Signup.Status.choices)
REMOVE_CONFIRM = "Remove this shift? Everyone signed up will be told."


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _person(person: Any, number: int, show_names: bool) -> str:
    if not show_names:
        who = f"Picket {number}"
    elif person.user_id is not None:
        who = _e(person.user.display_name)
    elif person.supporter_id is not None:
        who = f'{_e(person.supporter.name)} <span class="muted">(supporter)</span>'
    else:
        who = f'{_e(person.walk_up_name)} <span class="muted">(walk-up)</span>'
    status = _e(STATUS_LABELS.get(person.status, person.status))
    return f'<li>{who} <span class="muted">{status}</span></li>'


def shift_rows(
    shifts: Sequence[Any],
    *,
    show_names: bool,
    advised: int,
    advice: str,
    edit_url: tuple[str, str],
    remove_url: tuple[str, str],
    csrf_token: str,
) -> SafeString:
    """Each shift: its times, places booked against capacity and minimum, warnings, the people
    on it (numbered, not named, for a viewer who may not see the roster), and its edit and
    remove actions."""
    token = _e(csrf_token)
    out = []
    for shift in shifts:
        starts = timezone.localtime(shift.starts_at).strftime("%H:%M")
        ends = timezone.localtime(shift.ends_at).strftime("%H:%M")
        pk = int(shift.pk)
        people = (
            "".join(
                _person(person, n, show_names) for n, person in enumerate(shift.people, start=1)
            )
            or '<li class="empty">Nobody yet.</li>'
        )
        warn = f'<p class="badge warn">{_e(advice)}</p>' if shift.capacity > advised else ""
        if shift.booked < shift.minimum_wanted:
            warn += '<p class="badge bad">Below the minimum wanted.</p>'
        out.append(
            f'<div class="shift" id="shift-{pk}"><h3>{starts}–{ends} <span class="num">'
            f"{int(shift.booked)}/{int(shift.capacity)} booked</span>, minimum "
            f"{int(shift.minimum_wanted)}</h3>\n{warn}\n"
            f'<ul class="people">{people}</ul>\n'
            f'<p><a class="tap" href="{_e(edit_url[0])}{pk}{_e(edit_url[1])}">Edit</a></p>\n'
            f'<form method="post" action="{_e(remove_url[0])}{pk}{_e(remove_url[1])}" '
            f'class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<button type="submit" class="secondary" data-confirm="{REMOVE_CONFIRM}">'
            f"Remove shift</button></form></div>"
        )
    return mark_safe("\n".join(out))  # every value from data is escaped above
