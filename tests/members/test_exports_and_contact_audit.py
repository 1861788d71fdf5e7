"""Export footers (who exported what, when) and the audit of views of other people's contacts."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from kernel.audit import CONTACT_DETAILS_VIEWED
from kernel.models import AuditEntry
from members.exports import export_footer
from strikes.services.signups import signup_create, supporter_signup_create
from tests import factories as f

pytestmark = pytest.mark.django_db

OLD_RULES_DAY = dt.date(2026, 2, 10)  # before 18 Feb 2026: a letter of authorisation is needed
NOW = dt.datetime(2026, 11, 23, 11, 4, tzinfo=dt.UTC)  # 11:04 in London (GMT)


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def line(world, rule_sets):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=world.s1.sites.get().entrances.get(is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line)
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    signup_create(shift=shift, user=member, acting_user=member)
    supporter_signup_create(
        shift=shift, name="Grace Hopper", email="grace@example.net", phone="", consent=True
    )
    line.rep = f.RoleFactory(
        union=world.union,
        kind="rep",
        school=world.s1,
        user=f.UserFactory(full_name="Rita Rep", email="rita@example.org"),
    ).user
    line.member = member
    return line


def contact_views():
    return AuditEntry.objects.filter(action=CONTACT_DETAILS_VIEWED)


# --- The footer ------------------------------------------------------------------------------


def test_footer_names_the_exporter_the_london_time_and_how_to_handle_it():
    user = f.UserFactory.build(full_name="Ann Organiser", email="ann@example.org")
    summer = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)
    assert export_footer(user=user, at=summer) == (
        "Exported by Ann Organiser <ann@example.org> on 1 Jul 2026 at 11:00 (London) — "
        "Picketline; contains personal data about union members and supporters; handle under "
        "the union's data-protection policy."
    )
    nameless = f.UserFactory.build(full_name="", email="x@example.org")
    footer = export_footer(user=nameless, at=NOW, contains="figures", verb="Printed")
    assert footer.startswith("Printed by x@example.org on 23 Nov 2026 at 11:04 (London)")
    assert "figures only, no names" in footer


# --- The printed roster and the letter -------------------------------------------------------


def test_printed_roster_shows_who_printed_it_and_when_and_is_logged(client, line):
    client.force_login(line.rep)
    with time_machine.travel(NOW, tick=False):
        page = text_of(client.get(reverse("strikes:line-roster", args=[line.pk])))
    assert line.member.display_name in page
    assert (
        "Printed by Rita Rep <rita@example.org> on 23 Nov 2026 at 11:04 (London) — Picketline; "
        "contains personal data about union members and supporters; handle under the union's "
        "data-protection policy."
    ) in page
    assert 'class="export-footer"' in page  # not hidden when printed (print.css hides .no-print)
    entry = AuditEntry.objects.get(action="export.roster")
    assert entry.actor == line.rep and entry.object_id == str(line.pk)
    assert entry.detail == {"people": 2, "names": True}


def test_letter_footer_on_screen_names_the_printer_but_the_printed_letter_does_not(client, line):
    day = line.strike_day
    day.date = OLD_RULES_DAY
    day.save(update_fields=["date"])
    client.force_login(line.rep)
    with time_machine.travel(NOW, tick=False):
        page = text_of(client.get(reverse("strikes:line-letter", args=[line.pk])))
    assert "Letter of authorisation" in page
    letter, after = page.split("</article>")
    assert "Printed from Picketline on 23 Nov 2026 at 11:04 (London)." in letter
    assert "rita@example.org" not in letter  # the letter is shown to the employer
    assert "Printed by Rita Rep <rita@example.org> on 23 Nov 2026 at 11:04 (London)" in after
    assert 'class="export-footer no-print"' in after
    assert AuditEntry.objects.filter(action="export.letter", actor=line.rep).count() == 1


# --- Views of other people's contact details ---------------------------------------------------


@pytest.fixture
def data_officer(db):
    return f.UserFactory(is_staff=True, is_superuser=True, email="dpo@example.org")


def test_audit_page_records_one_view_of_the_other_peoples_emails(client, line, data_officer):
    client.force_login(data_officer)
    before = contact_views().count()
    page = text_of(client.get(reverse("members:audit")))
    assert line.member.email in page  # the signup's entry shows who did it
    entry = contact_views().get()
    assert before == 0
    assert entry.actor == data_officer
    assert entry.detail == {"page": "members:audit", "count": 1}
    assert "@" not in str(entry.detail) and entry.object_id == ""


def test_admin_pages_with_emails_or_phones_record_each_view(client, line, data_officer):
    client.force_login(data_officer)
    assert client.get(reverse("admin:members_user_changelist")).status_code == 200
    users_shown = contact_views().get()
    assert users_shown.detail["page"] == "admin:members_user_changelist"
    assert users_shown.detail["count"] >= 3  # the member, the rep, the data officer
    client.get(reverse("admin:members_user_change", args=[line.member.pk]))
    assert contact_views().filter(detail__page="admin:members_user_change").count() == 1
    supporter = line.shifts.get().signups.get(supporter__isnull=False).supporter
    client.get(reverse("admin:members_supporter_changelist"))  # names only: not logged
    assert not contact_views().filter(detail__page="admin:members_supporter_changelist").exists()
    client.get(reverse("admin:members_supporter_change", args=[supporter.pk]))
    assert contact_views().filter(detail__page="admin:members_supporter_change").count() == 1


def test_pages_that_show_names_only_record_no_contact_view(client, line):
    client.force_login(line.rep)
    for url in (
        reverse("strikes:rep-day", args=[line.strike_day_id, line.school_id]),
        reverse("strikes:line-check-in", args=[line.pk]),
        reverse("strikes:line-roster", args=[line.pk]),
        reverse("strikes:outbox"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert line.member.email not in body and "grace@example.net" not in body, url
    assert not contact_views().exists()
