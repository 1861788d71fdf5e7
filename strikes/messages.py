"""Rendering and sending one outbox row: subject, plain text, HTML and SMS text, from templates.

Templates live in ``templates/strikes/email/<kind>/`` (``subject.txt``, ``body.txt``,
``body.html``, ``sms.txt``); a kind without its own falls back to the generic
``strikes/email/subject.txt`` and ``body.txt``. The text is rendered when the message is sent,
so a reminder says what is true at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks

from members.phones import InvalidPhone, phone_to_e164
from schools.models import District, Entrance, School
from strikes.calendar import signup_ics
from strikes.models import Notification, PicketLine, PicketReport, Shift, Signup, StrikeDay
from strikes.selectors.signups import ACTIVE as MY_SHIFTS_STATUSES
from strikes.services.delivery import Reschedule, Undeliverable

LINK_SALT = "strikes.signup-link"
LINK_ACTIONS = ("confirm", "cancel")

# Non-essential: what a person who opted out ("only the essentials", on their preferences page)
# does not get. Sign-up confirmations and changes to their own shifts always go.
REMINDER_KINDS = (
    Notification.Kind.EVENING_BEFORE,
    Notification.Kind.REMINDER,
    Notification.Kind.NUDGE,
    Notification.Kind.TURNOUT,
    Notification.Kind.BROADCAST,
    Notification.Kind.ANNOUNCED,
)
NON_ESSENTIAL_KINDS = (*REMINDER_KINDS, Notification.Kind.STAFFING_DIGEST)
# Supporters hear only about their own shift.
SUPPORTER_KINDS = (
    Notification.Kind.CONFIRMATION,
    Notification.Kind.EVENING_BEFORE,
    Notification.Kind.REMINDER,
    Notification.Kind.CHANGE,
)
STILL_COMING = (Signup.Status.REGISTERED, Signup.Status.CONFIRMED)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


# --- Signed one-tap links -------------------------------------------------------------------


def signup_link_token(*, signup_id: int, action: str) -> str:
    if action not in LINK_ACTIONS:
        raise ValueError(action)
    return signing.dumps({"s": signup_id, "a": action}, salt=LINK_SALT, compress=True)


def signup_link_url(*, signup_id: int, action: str) -> str:
    token = signup_link_token(signup_id=signup_id, action=action)
    return settings.SITE_URL + reverse("strikes:signup-link", args=[token])


def signup_link_read(token: str) -> tuple[int, str]:
    """The signup id and action in a link; raises ``signing.SignatureExpired`` when too old and
    ``signing.BadSignature`` when tampered with."""
    max_age = settings.CONFIRM_LINK_MAX_AGE
    data = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    if not isinstance(data, dict) or data.get("a") not in LINK_ACTIONS:
        raise signing.BadSignature("Unknown link.")
    try:
        return int(data["s"]), str(data["a"])
    except (KeyError, TypeError, ValueError) as exc:
        raise signing.BadSignature("Unknown link.") from exc


# --- Calendar -------------------------------------------------------------------------------


def shift_ics(*, signup: Signup) -> str:
    """The signup's shift as a calendar, for the confirmation email."""
    return signup_ics(signup)


# --- Rendering ------------------------------------------------------------------------------


def _with_related() -> QuerySet[Notification]:
    """Rows with everything a message shows. Compiling this twelve-table join costs more than
    running it, so a batch loads its rows with one query (``messages_load``)."""
    return Notification.objects.select_related(
        "user",
        "supporter",
        "signup__shift__picket_line__school",
        "signup__shift__picket_line__entrance",
        "signup__shift__picket_line__strike_day",
        "strike_day",
        "school",
        "district",
    ).order_by()


def _load(notification_id: int) -> Notification:
    return _with_related().get(pk=notification_id)


def messages_load(notification_ids: list[int]) -> dict[int, Notification]:
    """A batch's rows with what their messages show: the rows with their own recipient,
    signup, shift and line in one query; then the schools, entrances, strike days and
    districts they share, one query for each kind whatever the number of rows, each object
    built once and shared by every row and line that points to it (a national evening's
    reminders are a dozen a school)."""
    rows = list(
        Notification.objects.select_related("user", "supporter", "signup__shift__picket_line")
        .filter(pk__in=notification_ids)
        .order_by()
    )
    lines = [row.signup.shift.picket_line for row in rows if row.signup is not None]
    _share([*rows, *lines], "school", School)
    _share([*rows, *lines], "strike_day", StrikeDay)
    _share(lines, "entrance", Entrance)
    _share(rows, "district", District)
    return {row.pk: row for row in rows}


def _share(objects: list[Any], name: str, model: Any) -> None:
    """Set each object's ``name`` relation from one query for all of them."""
    relations = [(obj, obj._meta.get_field(name)) for obj in objects]
    ids = {getattr(obj, relation.attname) for obj, relation in relations} - {None}
    found = model.objects.in_bulk(ids) if ids else {}
    for obj, relation in relations:
        relation.set_cached_value(obj, found.get(getattr(obj, relation.attname)))


# --- A batch's memo: what its messages would each work out again ----------------------------

_batch_memo: ContextVar[dict[Any, Any] | None] = ContextVar("messages_batch_memo", default=None)


@contextmanager
def messages_batch() -> Iterator[None]:
    """Inside, what every message of a batch would work out again is worked out once: which
    template each kind uses, the links (the site's pages, a school's pages on a day) and a
    school's lines and shifts on a day. A batch lasts seconds, so what it shows is still true
    when it is sent; outside one, every message works everything out afresh."""
    token = _batch_memo.set({})
    try:
        yield
    finally:
        _batch_memo.reset(token)


def _memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    memo = _batch_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _site_url(name: str, *args: Any) -> str:
    """The absolute address of a page of the site."""
    return _memo(
        ("url", name, args),
        lambda: settings.SITE_URL.rstrip("/") + reverse(name, args=args or None),
    )


def _recipient_name(row: Notification) -> str:
    if row.user is not None:
        return row.user.display_name
    return row.supporter.name if row.supporter is not None else ""


def _check_still_wanted(row: Notification) -> None:
    """Raise ``Undeliverable`` for a message that should not go any more."""
    if row.user is not None:
        if row.user.erased_at is not None or not row.user.is_active:
            raise Undeliverable("The recipient's account is closed.")
        # A draft an officer sends to themselves first goes even if they chose the essentials.
        to_self = row.kind == Notification.Kind.BROADCAST and row.context.get("to_self")
        if row.kind in NON_ESSENTIAL_KINDS and row.user.reminders_opt_out and not to_self:
            raise Undeliverable("The recipient opted out of non-essential messages.")
    elif row.supporter is not None:
        if row.supporter.erased_at is not None:
            raise Undeliverable("The supporter's details were erased.")
        if row.kind not in SUPPORTER_KINDS:
            raise Undeliverable("Supporters only hear about their own shift.")
    if row.kind == Notification.Kind.TURNOUT:
        from strikes.services.turnout import turnout_message_wanted

        why_not = turnout_message_wanted(row)
        if why_not:
            raise Undeliverable(why_not)
    if row.kind in (Notification.Kind.EVENING_BEFORE, Notification.Kind.REMINDER):
        signup = row.signup
        if signup is None or signup.status not in STILL_COMING:
            raise Undeliverable("The signup is no longer active.")
        shift = signup.shift
        if shift.cancelled_at is not None or shift.picket_line.strike_day.is_cancelled:
            raise Undeliverable("The shift or the strike day was called off.")
        if shift.starts_at <= timezone.now():
            raise Undeliverable("Too late: the shift has started.")
        _check_timing(row, shift)
        if row.kind == Notification.Kind.EVENING_BEFORE and (
            timezone.localdate() >= timezone.localtime(shift.starts_at).date()
        ):
            raise Undeliverable("Too late for the evening-before check: it is the day itself.")


def _check_timing(row: Notification, shift: Shift) -> None:
    """A reminder for a shift that was moved later waits for its new time."""
    from strikes.services.reminders import evening_before_at, morning_reminder_at

    if row.kind == Notification.Kind.REMINDER:
        expected = morning_reminder_at(shift.starts_at)
    else:
        expected = evening_before_at(timezone.localtime(shift.starts_at).date())
    if expected > timezone.now() and abs(expected - row.due_at) > timedelta(minutes=1):
        raise Reschedule(expected)


def _digest_rows(row: Notification) -> dict[str, Any]:
    if row.kind != Notification.Kind.STAFFING_DIGEST or row.strike_day_id is None:
        return {}
    if row.context.get("digest") == "district" and row.district_id is not None:
        empty_lines = list(
            PicketLine.objects.filter(
                strike_day_id=row.strike_day_id,
                district_id=row.district_id,
                pickets_signed_up=0,
            )
            .select_related("school", "entrance")
            .order_by("school__name", "entrance__name")
        )
        return {"digest": "district", "empty_lines": empty_lines}
    shifts = list(
        Shift.objects.filter(
            picket_line__strike_day_id=row.strike_day_id,
            picket_line__school_id=row.school_id,
            cancelled_at__isnull=True,
        )
        .select_related("picket_line__entrance")
        .order_by("starts_at", "picket_line__entrance__name")
    )
    return {
        "digest": "rep",
        "shifts": shifts,
        "short_shifts": [s for s in shifts if s.booked < s.minimum_wanted],
    }


def _day_lines(row: Notification) -> dict[str, Any]:
    """The school's picket lines and shifts on the day, for a nudge or an announcement, and
    the one-tap link to sign up for them (read once per school and day in a batch)."""
    if row.strike_day_id is None or row.school_id is None:
        return {}
    return _memo(("day_lines", row.strike_day_id, row.school_id), lambda: _read_day_lines(row))


def _read_day_lines(row: Notification) -> dict[str, Any]:
    day = row.strike_day
    lines = list(
        PicketLine.objects.filter(strike_day_id=row.strike_day_id, school_id=row.school_id)
        .select_related("entrance")
        .order_by("entrance__name")
    )
    shifts = list(
        Shift.objects.filter(
            picket_line__strike_day_id=row.strike_day_id,
            picket_line__school_id=row.school_id,
            cancelled_at__isnull=True,
        )
        .select_related("picket_line__entrance")
        .order_by("starts_at", "picket_line__entrance__name")
    )
    return {
        "lines": lines,
        "day_shifts": [
            {
                "entrance": s.picket_line.entrance.name if s.picket_line.entrance else "",
                "starts": timezone.localtime(s.starts_at),
                "ends": timezone.localtime(s.ends_at),
                "places_left": max(s.capacity - s.booked, 0) if s.capacity else None,
            }
            for s in shifts
        ],
        "day_starts": day.starts_at if day else None,
        "day_ends": day.ends_at if day else None,
        "sign_up_url": _site_url("strikes:my-strike-days"),
    }


def _shift_links(row: Notification, signup: Signup, line: PicketLine) -> dict[str, str]:
    """The one-tap links a message about someone's own shift carries, with no extra query.

    ``shift_url``: straight to the shift (the member's "My shifts", at the shift; a supporter's
    private page). ``next_url`` and ``next_label``: the one thing to do about a change.
    """
    if row.supporter is not None:
        shift_url = _site_url("strikes:supporter-confirmed", row.supporter.token)
    elif signup.status in MY_SHIFTS_STATUSES:
        shift_url = _site_url("strikes:my-shifts") + f"#signup-{signup.pk}"
    else:  # no longer on "My shifts": the day's lines, at this one
        shift_url = _site_url("strikes:my-strike-days") + f"#line-{line.pk}"
    links = {"shift_url": shift_url}
    if row.kind == Notification.Kind.CHANGE:
        reason = row.context.get("reason", "")
        day_lines = _site_url("strikes:my-strike-days") + f"#line-{line.pk}"
        if row.supporter is not None:
            links.update(next_url=shift_url, next_label="Your picket shifts")
        elif reason == "shift_removed":
            links.update(next_url=day_lines, next_label="Pick another shift on the line")
        elif reason == "day_moved":
            links.update(
                next_url=_site_url("strikes:my-strike-days"),
                next_label="Sign up for the new day",
            )
        elif reason == "day_cancelled":
            links.update(next_url=_site_url("strikes:my-shifts"), next_label="Your shifts")
        else:
            links.update(next_url=shift_url, next_label="Your shift")
    return links


def message_context(row: Notification) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "notification": row,
        "kind": row.kind,
        "name": _recipient_name(row),
        "site_url": settings.SITE_URL,
        "text": row.context.get("text", ""),
        "strike_day": row.strike_day,
        "school": row.school,
        "district": row.district,
    }
    if row.user_id is not None:
        ctx["sign_up_url"] = _site_url("strikes:my-strike-days")
        if row.kind in NON_ESSENTIAL_KINDS:
            ctx["preferences_url"] = _site_url("members:preferences")
    if row.kind in (Notification.Kind.NUDGE, Notification.Kind.ANNOUNCED):
        ctx.update(_day_lines(row))
    signup = row.signup
    if signup is not None:
        shift = signup.shift
        line = shift.picket_line
        ctx.update(
            signup=signup,
            shift=shift,
            line=line,
            school=line.school,
            entrance=line.entrance,
            strike_day=line.strike_day,
            starts=timezone.localtime(shift.starts_at),
            ends=timezone.localtime(shift.ends_at),
        )
        if row.kind == Notification.Kind.EVENING_BEFORE and signup.user_id is not None:
            ctx["confirm_url"] = signup_link_url(signup_id=signup.pk, action="confirm")
            ctx["cancel_url"] = signup_link_url(signup_id=signup.pk, action="cancel")
        ctx.update(_shift_links(row, signup, line))
    ctx.update(_digest_rows(row))
    if row.kind == Notification.Kind.TURNOUT:
        from strikes.services.turnout import turnout_message_context

        ctx.update(turnout_message_context(row))
    if row.strike_day_id is not None and row.school_id is not None:
        # Officers go straight to the school's lines and reports on the dashboard.
        ctx["dashboard_url"] = _site_url(
            "strikes:dashboard-school", row.strike_day_id, row.school_id
        )
        ctx["rep_day_url"] = _site_url("strikes:rep-day", row.strike_day_id, row.school_id)
    if row.strike_day_id is not None:
        query = f"?district={row.district_id}" if row.district_id is not None else ""
        ctx["day_dashboard_url"] = _site_url("strikes:dashboard", row.strike_day_id) + query
    if row.kind == Notification.Kind.ESCALATION:
        ctx["report"] = (
            PicketReport.objects.filter(pk=row.context.get("report_id"))
            .select_related("picket_line__entrance")
            .first()
        )
        if ctx["report"] is not None:
            ctx["entrance"] = ctx["report"].picket_line.entrance
    return ctx


def _template(names: tuple[str, ...]) -> Any:
    try:
        return select_template(list(names))
    except TemplateDoesNotExist:
        return None


def _render(kind: str, name: str, ctx: dict[str, Any], fallback: str | None = None) -> str | None:
    names = (f"strikes/email/{kind}/{name}", *([fallback] if fallback else []))
    template = _memo(("template", names), lambda: _template(names))
    return None if template is None else template.render(ctx)


def message_render(row: Notification, channel: str | None = None) -> Rendered:
    """The message in every form, or only those ``channel`` sends (email: subject, text and
    HTML; SMS: the text message)."""
    ctx = message_context(row)
    subject = text = html = sms = ""
    if channel != Notification.Channel.SMS:
        subject = _render(row.kind, "subject.txt", ctx, "strikes/email/subject.txt") or ""
        subject = " ".join(subject.split())
    text = (_render(row.kind, "body.txt", ctx, "strikes/email/body.txt") or "").strip() + "\n"
    if channel != Notification.Channel.SMS:
        html = _render(row.kind, "body.html", ctx) or linebreaks(text)
    if channel != Notification.Channel.EMAIL:
        sms = " ".join((_render(row.kind, "sms.txt", ctx) or text).split())
    attachments: list[tuple[str, str, str]] = []
    signup = row.signup
    if row.kind == Notification.Kind.CONFIRMATION and signup and signup.status != "waitlisted":
        attachments.append(("picket.ics", shift_ics(signup=signup), "text/calendar"))
    return Rendered(subject=subject, text=text, html=html, sms=sms, attachments=attachments)


# --- Sending --------------------------------------------------------------------------------


def _sms_number(text: str) -> str:
    try:
        return phone_to_e164(text)
    except InvalidPhone:
        return ""


def _channel_and_address(row: Notification) -> tuple[str, str]:
    recipient = row.user or row.supporter
    email = getattr(recipient, "email", "") or ""
    # SMS providers take E.164; a number that cannot be read is treated as no number, so the
    # message goes by email where there is one.
    phone = _sms_number(getattr(recipient, "phone", "") or "")
    # A member's choice on their preferences page holds when the message goes, even for a row
    # queued before they changed it.
    wanted = row.user.preferred_channel if row.user is not None else row.channel
    if wanted == Notification.Channel.SMS and phone:
        return Notification.Channel.SMS, phone
    if email:
        return Notification.Channel.EMAIL, email
    if phone:
        return Notification.Channel.SMS, phone
    raise Undeliverable("The recipient has no email address or mobile number.")


def message_send(
    row: Notification, *, loaded: Notification | None = None, connection: Any = None
) -> None:
    """Send one claimed row through its channel. Raises on failure (the caller records it).

    ``loaded``: the row as ``messages_load`` read it for a batch, so it is not read again;
    ``connection``: the email backend connection a batch's messages share (default: one of
    its own)."""
    row = loaded if loaded is not None and loaded.pk == row.pk else _load(row.pk)
    _check_still_wanted(row)
    channel, address = _channel_and_address(row)
    rendered = message_render(row, channel)
    if channel == Notification.Channel.SMS:
        from strikes.sms import sms_send

        sms_send(to=address, text=rendered.sms, idempotency_key=row.key)
        return
    message = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"X-Picketline-Message": row.key},
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in rendered.attachments:
        message.attach(filename, content, mimetype)
    message.send()
