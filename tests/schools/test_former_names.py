"""Former names: imported from GIAS's links file (or a URN + FormerName list), kept when GIAS
renames a school, and found by the school search, which says "formerly ..." and stays an index
lookup on PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import DomainError
from schools.former_names import former_names_import
from schools.importer import schools_import_gias
from schools.models import SchoolFormerName
from schools.search import school_label, schools_matching
from tests import factories as f
from tests.junk import fuzz_settings, nasty_text
from tests.schools.test_import_schools import HEADER, row

pytestmark = pytest.mark.django_db

LINKS_HEADER = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate", "Unknown"]


def links_file(rows: list[list[str]], *, encoding: str = "cp1252") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LINKS_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def academy(world):
    """Heaton Primary became an academy with a new URN, 140001; its old name was different."""
    world.s1.urn = 140001
    world.s1.name = "Heaton Park Academy"
    world.s1.save(update_fields=["urn", "name"])
    return world.s1


def test_the_links_file_gives_predecessors_names(academy, world):
    data = links_file(
        [
            ["140001", "108472", "Heaton Manor Primary School", "Predecessor", "01-09-2014", "x"],
            ["140001", "108473", "St Gabriel’s Infants", "Predecessor - amalgamated", "", ""],
            ["108472", "140001", "Heaton Park Academy", "Successor", "01-09-2014", ""],
            ["140001", "108474", "Heaton Park Academy", "Predecessor", "", ""],  # same name
            ["999999", "1", "Closed School", "Predecessor", "", ""],  # not held here
        ]
    )
    result = former_names_import(source=data)
    assert result.problems == []
    assert (result.created, result.not_predecessors, result.same_as_current) == (2, 1, 1)
    assert result.unknown_schools == 1
    names = {n.name: n for n in SchoolFormerName.objects.filter(school=academy)}
    assert set(names) == {"Heaton Manor Primary School", "St Gabriel’s Infants"}
    manor = names["Heaton Manor Primary School"]
    assert manor.former_urn == 108472 and str(manor.changed_on) == "2014-09-01"
    again = former_names_import(source=data)
    assert (again.created, again.unchanged) == (0, 2)


def test_a_simple_list_of_former_names_with_other_columns(academy):
    data = b"Notes,URN,FormerName\r\nfrom the rep,140001,Heaton County Primary\r\n"
    assert former_names_import(source=data).created == 1
    assert academy.former_names.get().name == "Heaton County Primary"


def test_bad_rows_are_named_by_line_and_the_good_import(academy):
    data = links_file(
        [
            ["140001", "108472", "Heaton Manor Primary School", "Predecessor", "01-09-2014", ""],
            ["abc", "1", "Name", "Predecessor", "", ""],
            ["140001", "", "", "Predecessor", "", ""],
            ["140001", "12x", "Some Name", "Predecessor", "", ""],
            ["140001", "2", "Other Name", "Predecessor", "31-02-2014", ""],
            ["140001", "3", "L" * 201, "Predecessor", "", ""],
        ]
    )
    result = former_names_import(source=data)
    lines = {p.line: p.message for p in result.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "URN 'abc' is not a number" in lines[3]
    assert "no LinkName" in lines[4]
    assert "LinkURN '12x' is not a number" in lines[5]
    assert "LinkEstablishedDate '31-02-2014' is not a date" in lines[6]
    assert "longer than 200 characters" in lines[7]
    assert result.created == 1


def test_the_command_refuses_a_file_that_is_neither(tmp_path, world):
    path = tmp_path / "x.csv"
    path.write_text("URN,EstablishmentName\r\n1,x\r\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_former_names", str(path))
    assert "neither a GIAS links file" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)


def test_the_command_reports_counts(tmp_path, academy):
    path = tmp_path / "links.csv"
    path.write_bytes(
        links_file(
            [
                ["140001", "108472", "Heaton Manor Primary School", "Predecessor", "", ""],
                ["nope", "1", "x", "Predecessor", "", ""],
            ]
        )
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_former_names", str(path), stdout=out, stderr=err)
    assert "1 former names added" in out.getvalue()
    assert "Skipped line 3: URN 'nope' is not a number" in err.getvalue()


@pytest.mark.fuzz
@fuzz_settings
@given(junk=st.lists(st.tuples(st.sampled_from(LINKS_HEADER), nasty_text), min_size=1, max_size=5))
def test_links_fuzz_never_raises_and_the_good_row_imports(academy, junk):
    good = {"URN": "140001", "LinkURN": "1", "LinkName": "Good Old Name", "LinkType": "Predecessor"}
    rows = [good]
    for column, value in junk:
        bad = {"URN": "140001", "LinkURN": "2", "LinkName": "Bad", "LinkType": "Predecessor"}
        bad[column] = value
        rows.append(bad)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=LINKS_HEADER)
    writer.writeheader()
    writer.writerows(rows)
    with transaction.atomic():
        try:
            result = former_names_import(source=out.getvalue().encode("utf-8", "surrogatepass"))
        except DomainError:
            transaction.set_rollback(True)
            return
        assert academy.former_names.filter(name="Good Old Name").exists()
        assert all(p.line >= 2 for p in result.problems)
        transaction.set_rollback(True)


def test_gias_renaming_a_school_keeps_its_old_name(world):
    def gias(name: str) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=HEADER, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(row(150001, EstablishmentName=name))
        return out.getvalue().encode()

    schools_import_gias(source=gias("Byker Primary School"))
    result = schools_import_gias(source=gias("Byker Community Academy"))
    assert result.renamed == 1
    (school,) = [s for s in schools_matching("Byker Primary") if s.urn == 150001]
    assert school.former_name == "Byker Primary School"


# --- The search --------------------------------------------------------------------------------


def test_a_school_is_found_by_its_former_name_and_says_so(academy, django_assert_num_queries):
    SchoolFormerName.objects.create(school=academy, name="Heaton Manor Primary School")
    with django_assert_num_queries(1):
        found = schools_matching("manor primary")
    assert found == [academy]
    assert found[0].former_name == "Heaton Manor Primary School"
    assert school_label(found[0]).startswith(
        "Heaton Park Academy, formerly Heaton Manor Primary School"
    )
    # Found by today's name, it is not "formerly" anything.
    (by_name,) = schools_matching("Heaton Park")
    assert by_name.former_name is None and "formerly" not in school_label(by_name)


def test_current_names_rank_before_former_names(academy, world):
    SchoolFormerName.objects.create(school=academy, name="Jesmond Old School")
    assert schools_matching("Jesmond") == [world.s2, academy]


def test_the_search_pages_show_formerly(client, academy, world):
    SchoolFormerName.objects.create(school=academy, name="Heaton Manor Primary School")
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d1).user
    client.force_login(officer)
    url = reverse("strikes:planning-school-search")
    page = client.get(url, {"q": "manor"}).content.decode()
    assert "Heaton Park Academy" in page and "formerly Heaton Manor Primary School" in page
    partial = client.get(url, {"q": "manor"}, HTTP_HX_REQUEST="true").content.decode()
    assert "formerly Heaton Manor Primary School" in partial and "<html" not in partial


def test_a_former_name_outside_the_officers_area_is_not_found(client, academy, world):
    SchoolFormerName.objects.create(school=academy, name="Heaton Manor Primary School")
    officer = f.RoleFactory(union=world.union, kind="district_officer", district=world.d3).user
    client.force_login(officer)
    page = client.get(reverse("strikes:planning-school-search"), {"q": "manor"}).content
    assert b"Heaton Park Academy" not in page


def test_a_member_cannot_search_former_names(client, academy, world):
    member = f.MembershipFactory(union=world.union, workplace=world.s1).user
    client.force_login(member)
    response = client.get(reverse("strikes:planning-school-search"), {"q": "manor"})
    assert response.status_code == 403


def test_the_schools_box_of_a_form_takes_a_former_name(academy):
    from strikes.forms.planning import SchoolUrnsField

    SchoolFormerName.objects.create(school=academy, name="Heaton Manor Primary School")
    assert SchoolUrnsField().clean("Heaton Manor Primary School") == [academy]


@pytest.mark.postgres
def test_the_search_uses_the_trigram_indexes_on_postgres(academy):
    """The indexes the migrations make (the suite builds its tables without migrations, so the
    test runs the migrations' own steps) are the ones the search's plan reads, with sequential
    scans priced out, even for rows added after them and before any vacuum, as an import adds
    them: they exist, match the expressions the search sends, and keep no pending list."""
    import importlib

    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixtures' deferred checks, first
    for name in ("0004_search_indexes", "0005_search_indexes_without_pending_list"):
        migration = importlib.import_module(f"schools.migrations.{name}")
        with connection.schema_editor() as editor:
            migration.forwards(None, editor)
    SchoolFormerName.objects.create(school=academy, name="Heaton Manor Primary School")
    SchoolFormerName.objects.bulk_create(
        SchoolFormerName(school=academy, name=f"Old School {i}") for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schools_school")
        cursor.execute("ANALYZE schools_schoolformername")
    for query in ("manor", "NE6 5"):
        with CaptureQueriesContext(connection) as ctx:
            schools_matching(query)
        (captured,) = ctx.captured_queries
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + captured["sql"])
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert "school_name_trgm" in plan and "school_town_trgm" in plan, plan
        assert "school_former_name_trgm" in plan, plan
    assert "school_postcode_trgm" in plan, plan


def test_an_import_names_the_first_hundred_bad_rows_and_counts_the_rest():
    from schools.csvfiles import Problem, problem_lines

    lines = problem_lines([Problem(n, "no URN") for n in range(2, 152)])
    assert lines[0] == "Skipped line 2: no URN"
    assert len(lines) == 101 and lines[-1] == "... and 50 more rows that could not be used."
    assert problem_lines([Problem(7, "bad date")]) == ["Skipped line 7: bad date"]
