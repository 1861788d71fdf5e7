"""The dashboard's repeated markup, built in Python rather than in the template language.

A national dashboard shows up to two hundred "needs attention" items, a chart of some fifty
bars and, in a district, a table of hundreds of schools with twelve cells each. Django's
template language renders such loops about ten times slower than joining strings, and the
dashboard must answer in tens of milliseconds with nothing cached (issue 16). So these few
loops are built here; the page around them stays a template.

Every value that comes from data is escaped; numbers are formatted, never taken as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape as _stdlib_escape
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from strikes.dashboard.chart import Chart


def _esc(value: Any) -> str:
    return _stdlib_escape(str(value), quote=True)


#: The table's number columns, in order ("staffed_of_lines" is "staffed/lines").
TABLE_CELLS = (
    "called_out",
    "staffed_of_lines",
    "no_signups",
    "below_minimum",
    "reported",
    "pickets",
    "supporters",
    "refusing",
    "closed",
    "restricted",
    "open",
    "not_reported",
)


def table_rows(rows: Iterable[Any]) -> SafeString:
    """The area table's body: one row per area or school, its name linking to ``row.url``.
    A district's table has hundreds of rows of twelve numbers: numbers are formatted as
    integers and only the name and address are escaped (the standard library's escape, which
    Django's wraps)."""
    out = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{row.staffed:d}/{row.lines:d}</td>'
            if cell == "staffed_of_lines"
            else f'<td class="num">{getattr(row, cell):d}</td>'
            for cell in TABLE_CELLS
        )
        out.append(
            f'<tr data-key="{int(row.key):d}"><th scope="row"><a href="{_esc(row.url)}">'
            f"{_esc(row.name)}</a></th>{cells}</tr>"
        )
    return mark_safe("\n".join(out))  # names and addresses escaped, numbers formatted


def line_list(items: Sequence[Any], *, more: int, empty: str, school_prefix: str) -> SafeString:
    """A "needs attention" list of lines: the school (linking to its dashboard page), the
    entrance unless it is the main one, and the district; "and N more." below a capped list."""
    if not items:
        return mark_safe(f'<p class="empty">{_esc(empty)}</p>')
    out = ['<ul class="plain">']
    for line in items:
        entrance = "" if line.is_main_entrance else f", {_esc(line.entrance)}"
        out.append(
            f'<li><a href="{_esc(school_prefix)}{int(line.school_id)}/">{_esc(line.school)}'
            f'</a>{entrance} <span class="muted">{_esc(line.district)}</span></li>'
        )
    out.append("</ul>")
    if more:
        out.append(f'<p class="muted">and {int(more)} more.</p>')
    return mark_safe("".join(out))  # every value above is escaped


def escalated_list(items: Sequence[Any], *, more: int, school_prefix: str) -> SafeString:
    """Escalated incidents, newest first: the time (London), the school, the entrance and the
    first 140 characters of what happened."""
    if not items:
        return mark_safe('<p class="empty">No escalated incidents.</p>')
    out = ['<ul class="plain">']
    for report in items:
        at = timezone.localtime(report.reported_at).strftime("%H:%M")
        incident = Truncator(report.incident).chars(140)
        out.append(
            f"<li><strong>{at}</strong> "
            f'<a href="{_esc(school_prefix)}{int(report.school_id)}/">{_esc(report.school)}'
            f"</a>, {_esc(report.entrance)}: {_esc(incident)}</li>"
        )
    out.append("</ul>")
    if more:
        out.append(f'<p class="muted">and {int(more)} more.</p>')
    return mark_safe("".join(out))  # every value above is escaped


def chart_bars(chart: Chart) -> SafeString:
    """The chart's bars as SVG: per 15 minutes a reports bar and a pickets bar, each with a
    title for screen readers and hover, and the time under every whole hour."""
    out = []
    for bar in chart.bars:
        label = bar["bucket"].label
        out.append(
            f'<rect x="{bar["rx"]}" y="{bar["ry"]}" width="{bar["w"]}" height="{bar["rh"]}" '
            f'class="bar-reports"><title>{label}: {int(bar["bucket"].reports)} reports</title>'
            f'</rect><rect x="{bar["px"]}" y="{bar["py"]}" width="{bar["w"]}" '
            f'height="{bar["ph"]}" class="bar-pickets"><title>{label}: '
            f"{int(bar['bucket'].pickets)} pickets</title></rect>"
        )
        if bar["tick"]:
            out.append(f'<text x="{bar["tx"]}" y="206" class="tick">{label}</text>')
    return mark_safe("\n".join(out))  # numbers and "HH:MM" labels only
