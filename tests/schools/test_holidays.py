"""School holidays as data: the model's bounds, the admin, the calendar lookup and the CSV
importer (bad rows named by line, a second run changing nothing, junk never a traceback)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import DomainError
from schools.holiday_import import school_holidays_import
from schools.holidays import holiday_calendar, school_year, school_year_label
from schools.models import SchoolHoliday
from tests import factories as f
from tests.junk import fuzz_settings, nasty_text

pytestmark = pytest.mark.django_db


def test_a_holiday_belongs_to_one_authority_or_one_nation(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolHoliday.objects.create(
            name="Easter holiday",
            first_day=dt.date(2027, 3, 29),
            last_day=dt.date(2027, 4, 9),
            district=world.d1,
            nation=world.nation,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolHoliday.objects.create(
            name="Easter holiday", first_day=dt.date(2027, 3, 29), last_day=dt.date(2027, 4, 9)
        )


@pytest.mark.parametrize(
    "first, last, message",
    [
        (dt.date(2027, 4, 9), dt.date(2027, 3, 29), "The last day must be on or after the first"),
        (dt.date(2027, 3, 29), dt.date(9999, 12, 31), "is not a plausible term date"),
        (dt.date(2027, 1, 4), dt.date(2027, 7, 23), "longer than any school holiday"),
    ],
)
def test_implausible_holidays_are_refused_in_the_admin_form(world, first, last, message):
    h = SchoolHoliday(name="Easter holiday", first_day=first, last_day=last, district=world.d1)
    with pytest.raises(ValidationError) as refused:
        h.full_clean()
    assert message in " ".join(refused.value.messages)


def test_the_database_refuses_a_year_9999_holiday(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolHoliday.objects.create(
            name="Easter holiday",
            first_day=dt.date(9999, 3, 29),
            last_day=dt.date(9999, 4, 9),
            district=world.d1,
        )


def test_the_data_officer_adds_holidays_in_the_admin_and_others_are_refused(
    client, admin_client, world
):
    url = reverse("admin:schools_schoolholiday_add")
    response = admin_client.post(
        url,
        {
            "name": "Easter holiday",
            "first_day": "2027-03-29",
            "last_day": "2027-04-09",
            "district": world.d3.pk,
            "nation": "",
        },
    )
    assert response.status_code == 302
    assert SchoolHoliday.objects.get().district == world.d3
    bad = admin_client.post(
        url, {"name": "Summer", "first_day": "2027-07-22", "last_day": "2027-07-01", "nation": ""}
    )
    assert bad.status_code == 200
    assert "Choose either a local authority or a nation" in bad.content.decode()
    officer = f.RoleFactory(union=world.union, kind="national_organiser").user
    client.force_login(officer)
    refused = client.get(reverse("admin:schools_schoolholiday_changelist"))
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_the_calendar_finds_holidays_of_the_authority_and_its_nation(world):
    SchoolHoliday.objects.create(
        name="Christmas holiday",
        first_day=dt.date(2026, 12, 21),
        last_day=dt.date(2027, 1, 1),
        district=world.d1,
    )
    SchoolHoliday.objects.create(
        name="Bank holiday",
        first_day=dt.date(2026, 12, 25),
        last_day=dt.date(2026, 12, 25),
        nation=world.nation,
    )
    nation_of = {world.d1.pk: world.nation.pk, world.d3.pk: world.nation.pk}
    calendar = holiday_calendar(dates=[dt.date(2026, 12, 25)], nation_of=nation_of)
    assert calendar.names_on(dt.date(2026, 12, 25), world.d1.pk) == [
        "Christmas holiday",
        "Bank holiday",
    ]
    assert calendar.names_on(dt.date(2026, 12, 25), world.d3.pk) == ["Bank holiday"]
    assert calendar.names_on(dt.date(2027, 1, 4), world.d1.pk) == []
    assert calendar.has_term_dates(dt.date(2027, 3, 1), world.d3.pk)  # the nation's row
    assert not calendar.has_term_dates(dt.date(2027, 9, 10), world.d3.pk)  # 2027/28


def test_school_years():
    assert school_year(dt.date(2027, 3, 12)) == 2026
    assert school_year(dt.date(2026, 9, 1)) == 2026
    assert school_year(dt.date(2026, 8, 31)) == 2025
    assert school_year_label(2026) == "2026/27"
    assert school_year_label(2099) == "2099/00"


# --- Importing term dates ----------------------------------------------------------------------

GOOD = (
    "la_code,LA name,name,first_day,last_day,notes\r\n"
    "202,Camden,Easter holiday,2027-03-29,2027-04-09,ignored\r\n"
    "391,Newcastle,October half-term,26/10/2026,30/10/2026,\r\n"
)


def test_term_dates_import_upserts_and_a_second_run_changes_nothing(world):
    result = school_holidays_import(source=GOOD.encode())
    assert (result.created, result.updated, result.unchanged, result.problems) == (2, 0, 0, [])
    camden = SchoolHoliday.objects.get(district=world.d3)
    assert (camden.first_day, camden.last_day) == (dt.date(2027, 3, 29), dt.date(2027, 4, 9))
    again = school_holidays_import(source=GOOD.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = GOOD.replace("2027-04-09", "2027-04-12")
    changed = school_holidays_import(source=moved.encode("cp1252"))
    assert (changed.created, changed.updated) == (0, 1)
    assert SchoolHoliday.objects.get(district=world.d3).last_day == dt.date(2027, 4, 12)


def test_term_dates_import_names_bad_rows_by_line_and_keeps_the_good(world):
    text = (
        "la_code,nation,name,first_day,last_day\r\n"
        "202,,Easter holiday,2027-03-29,2027-04-09\r\n"  # 2: good
        "999,,Easter holiday,2027-03-29,2027-04-09\r\n"  # 3: no such LA
        ",Scotland,Easter holiday,2027-03-29,2027-04-09\r\n"  # 4
        "202,England,Easter holiday,2027-03-29,2027-04-09\r\n"  # 5: both
        "202,,,2027-03-29,2027-04-09\r\n"  # 6: no name
        "202,,Summer,2027-07-22,9999-12-31\r\n"  # 7
        "202,,Summer,2027-07-22,next week\r\n"  # 8
        "202,,Spring,2027-04-09,2027-03-29\r\n"  # 9
        "202,,Easter holiday,2027-03-29,2027-04-10\r\n"  # 10: again
        ",Wales,Easter holiday,2027-03-29,2027-04-09\r\n"  # 11: no Welsh nation here
        ",england,Christmas holiday,21/12/2026,01/01/2027\r\n"  # 12: good
    )
    result = school_holidays_import(source=text.encode())
    lines = {p.line: p.message for p in result.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "no local authority with LA code '999'" in lines[3]
    assert "unknown nation 'Scotland'" in lines[4]
    assert "not both" in lines[5]
    assert "no name" in lines[6]
    assert "is not a plausible term date" in lines[7]
    assert "'next week' is not a date" in lines[8]
    assert "on or after the first day" in lines[9]
    assert "appears again (first on line 2)" in lines[10]
    assert result.created == 2
    assert SchoolHoliday.objects.filter(nation=world.nation).count() == 1


def test_the_command_refuses_a_file_that_is_not_term_dates(tmp_path, world):
    path = tmp_path / "schools.csv"
    path.write_text("URN,EstablishmentName\r\n100000,Heaton\r\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_school_holidays", str(path))
    assert "This is not a term-dates file" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    with pytest.raises(CommandError):
        call_command("import_school_holidays", str(tmp_path / "missing.csv"))


def test_the_command_reports_what_it_did(tmp_path, world):
    path = tmp_path / "terms.csv"
    path.write_text(GOOD + "999,x,Easter,2027-03-29,2027-04-09,\r\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_school_holidays", str(path), stdout=out, stderr=err)
    assert "2 added, 0 updated, 0 unchanged, 1 rows skipped" in out.getvalue()
    assert "Skipped line 4: no local authority with LA code '999'" in err.getvalue()


COLUMNS = ["la_code", "nation", "name", "first_day", "last_day"]


@pytest.mark.fuzz
@fuzz_settings
@given(
    junk=st.lists(st.tuples(st.sampled_from(COLUMNS), nasty_text), min_size=1, max_size=5),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_term_dates_fuzz_never_raises_and_the_good_row_imports(world, junk, encoding):
    import csv

    rows = [
        {
            "la_code": "202",
            "name": "Easter holiday",
            "first_day": "2027-03-29",
            "last_day": "2027-04-09",
        }
    ]
    for column, value in junk:
        bad = {
            "la_code": "391",
            "name": "Half-term",
            "first_day": "2027-02-15",
            "last_day": "2027-02-19",
        }
        bad[column] = value
        rows.append(bad)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    data = (
        out.getvalue().encode(encoding, "replace")
        if encoding == "cp1252"
        else (out.getvalue().encode("utf-8", "surrogatepass"))
    )
    with transaction.atomic():
        try:
            result = school_holidays_import(source=data)
        except DomainError:
            transaction.set_rollback(True)
            return
        assert SchoolHoliday.objects.filter(district=world.d3, name="Easter holiday").exists()
        assert all(p.line >= 2 for p in result.problems)
        transaction.set_rollback(True)
