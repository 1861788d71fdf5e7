"""The GIAS importer: upsert by URN, places created as it goes, bad rows named by line."""

from __future__ import annotations

import csv
import gzip
import io
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from kernel.errors import DomainError
from schools.importer import employer_kind_for, schools_import_gias
from schools.models import AcademyTrust, District, Entrance, Nation, Region, School, Site
from schools.regions import neu_region_for

HEADER = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "Town",
    "Postcode",
    "Trusts (name)",
    "GOR (name)",
    "Country (name)",
    "NumberOfPupils",
    "Latitude",
    "Longitude",
]


def row(urn: object, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "URN": urn,
        "LA (code)": "391",
        "LA (name)": "Newcastle upon Tyne",
        "EstablishmentName": f"School {urn}",
        "TypeOfEstablishment (name)": "Community school",
        "EstablishmentTypeGroup (name)": "Local authority maintained schools",
        "EstablishmentStatus (name)": "Open",
        "PhaseOfEducation (name)": "Primary",
        "Town": "Newcastle upon Tyne",
        "Postcode": "NE6 5PA",
        "Trusts (name)": "",
        "GOR (name)": "North East",
        "Country (name)": "England",
        "NumberOfPupils": "210",
        "Latitude": "54.98",
        "Longitude": "-1.58",
    }
    values.update(overrides)
    return values


def write_csv(
    path: Path,
    rows: list[dict[str, object]],
    *,
    header: list[str] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run_command(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_schools", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_creates_schools_places_and_one_main_entrance_each(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gias.csv",
        [
            row(100001),
            row(
                100002,
                **{
                    "TypeOfEstablishment (name)": "Academy converter",
                    "EstablishmentTypeGroup (name)": "Academies",
                    "Trusts (name)": "Tyne Learning Trust",
                },
            ),
            row(100003, **{"TypeOfEstablishment (name)": "Voluntary aided school"}),
            row(
                100004,
                **{"LA (code)": "390", "LA (name)": "Gateshead", "Latitude": "", "Longitude": ""},
            ),
        ],
    )

    out, err = run_command(path)

    assert School.objects.count() == 4
    assert "4 created, 0 updated, 0 unchanged, 0 skipped" in out
    assert err == ""
    assert School.objects.get(urn=100004).latitude is None
    academy = School.objects.get(urn=100002)
    assert academy.employer_kind == School.EmployerKind.ACADEMY_TRUST
    assert academy.trust == AcademyTrust.objects.get(name="Tyne Learning Trust")
    assert School.objects.get(urn=100003).employer_kind == School.EmployerKind.GOVERNING_BODY
    la_school = School.objects.get(urn=100001)
    assert la_school.employer_kind == School.EmployerKind.LOCAL_AUTHORITY
    assert la_school.pupils == 210 and la_school.latitude == pytest.approx(54.98)
    assert set(District.objects.values_list("la_code", "name")) == {
        ("391", "Newcastle upon Tyne"),
        ("390", "Gateshead"),
    }
    for school in School.objects.all():
        site = Site.objects.get(school=school)
        assert (site.name, site.is_main) == ("Main site", True)
        entrance = Entrance.objects.get(site=site)
        assert (entrance.name, entrance.is_main) == ("Main entrance", True)


@pytest.mark.django_db
def test_bad_rows_are_named_by_line_and_the_good_rows_still_import(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gias.csv",
        [
            row(200001),  # line 2
            row(""),  # line 3: no URN
            row("12ab"),  # line 4: not a number
            row(200004, **{"LA (code)": ""}),  # line 5
            row(200005, Latitude="north"),  # line 6
            row(200006, Longitude="-999"),  # line 7
            row(200001, EstablishmentName="Twin"),  # line 8: duplicate URN
            row(200008),  # line 9
        ],
    )

    out, err = run_command(path)

    assert sorted(School.objects.values_list("urn", flat=True)) == [200001, 200008]
    assert School.objects.get(urn=200001).name == "School 200001"
    for line in (3, 4, 5, 6, 7, 8):
        assert f"line {line}:" in err
    assert "line 8: URN 200001 appears again (first on line 2)" in err
    assert "2 created, 0 updated, 0 unchanged, 6 skipped" in out
    # A bad row leaves nothing behind: no site, entrance or district of its own.
    assert Site.objects.count() == 2
    assert Entrance.objects.count() == 2


@pytest.mark.django_db
def test_second_run_creates_and_changes_nothing_and_says_so(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gias.csv",
        [
            row(300001),
            row(300002, **{"Trusts (name)": "X", "TypeOfEstablishment (name)": "Free schools"}),
        ],
    )
    run_command(path)
    counts = [m.objects.count() for m in (School, Site, Entrance, District, Region, AcademyTrust)]

    result = schools_import_gias(source=path)
    out, _ = run_command(path)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert not result.changed_anything
    assert "Nothing changed: all 2 schools were already up to date" in out
    assert [
        m.objects.count() for m in (School, Site, Entrance, District, Region, AcademyTrust)
    ] == (counts)


@pytest.mark.django_db
def test_changed_rows_are_updated_by_urn(tmp_path: Path) -> None:
    run_command(write_csv(tmp_path / "a.csv", [row(400001), row(400002)]))
    school = School.objects.get(urn=400001)

    result = schools_import_gias(
        source=write_csv(
            tmp_path / "b.csv",
            [row(400001, EstablishmentName="Renamed", NumberOfPupils="300"), row(400002)],
        )
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    school.refresh_from_db()
    assert (school.name, school.pupils) == ("Renamed", 300)
    assert Site.objects.filter(school=school).count() == 1


@pytest.mark.django_db
def test_windows_1252_file_with_extra_columns_and_welsh_name(tmp_path: Path) -> None:
    header = ["EstablishmentNumber", *HEADER[:4], "Easting", *HEADER[4:], "SchoolWebsite"]
    welsh = row(
        500001,
        **{
            "LA (code)": "681",
            "LA (name)": "Cardiff",
            "EstablishmentName": "Ysgol Gymraeg Pen-y-Groes: Ysgol Gynradd Gymraeg â é",
            "TypeOfEstablishment (name)": "Welsh establishment",
            "EstablishmentTypeGroup (name)": "Welsh schools",
            "GOR (name)": "Wales",
            "Country (name)": "Wales",
            "Town": "",
            "Postcode": "",
            "NumberOfPupils": "",
            "EstablishmentNumber": "2001",
            "Easting": "318000",
            "SchoolWebsite": "https://example.cymru",
        },
    )
    path = write_csv(tmp_path / "gias-cp1252.csv", [welsh], header=header, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    run_command(path)

    school = School.objects.get(urn=500001)
    assert school.name == "Ysgol Gymraeg Pen-y-Groes: Ysgol Gynradd Gymraeg â é"
    assert school.pupils is None
    assert school.district.region.name == "Wales"
    assert school.district.region.nation == Nation.objects.get(code="W", name="Wales")


@pytest.mark.django_db
def test_gzipped_file_with_utf8_bom_imports(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "gias.csv", [row(510001, EstablishmentName="St Thomas à Becket")])
    gz = tmp_path / "gias.csv.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + plain.read_bytes()))

    run_command(gz)

    assert School.objects.get(urn=510001).name == "St Thomas à Becket"


@pytest.mark.django_db
def test_cumbria_goes_to_northern_and_regions_follow_the_neu(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gias.csv",
        [
            row(
                600001,
                **{"LA (code)": "942", "LA (name)": "Cumberland", "GOR (name)": "North West"},
            ),
            row(600002, **{"LA (code)": "350", "LA (name)": "Bolton", "GOR (name)": "North West"}),
            row(
                600003,
                **{
                    "LA (code)": "941",
                    "LA (name)": "West Northamptonshire",
                    "GOR (name)": "East Midlands",
                },
            ),
            row(
                600004,
                **{
                    "LA (code)": "873",
                    "LA (name)": "Cambridgeshire",
                    "GOR (name)": "East of England",
                },
            ),
            row(
                600005,
                **{
                    "LA (code)": "380",
                    "LA (name)": "Bradford",
                    "GOR (name)": "Yorkshire and The Humber",
                },
            ),
        ],
    )
    run_command(path)

    region_of = dict(District.objects.values_list("la_code", "region__name"))
    assert region_of == {
        "942": "Northern",
        "350": "North West",
        "941": "East Midlands",
        "873": "Eastern",
        "380": "Yorkshire & Humber",
    }
    assert neu_region_for(la_code="909", gor="North West", country="England").name == "Northern"
    assert neu_region_for(la_code="391", gor="North East", country="England").name == "Northern"
    assert neu_region_for(la_code="000", gor="Not Applicable", country="") is None


@pytest.mark.django_db
def test_a_district_moved_to_another_region_stays_there(tmp_path: Path) -> None:
    run_command(write_csv(tmp_path / "a.csv", [row(610001)]))
    london = Region.objects.create(
        nation=Nation.objects.get(code="E"), name="London", slug="london"
    )
    District.objects.filter(la_code="391").update(region=london)

    run_command(write_csv(tmp_path / "b.csv", [row(610001), row(610002)]))

    assert District.objects.get(la_code="391").region == london


@pytest.mark.django_db
def test_closed_and_overseas_establishments_are_left_out(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gias.csv",
        [
            row(620001),
            row(620002, **{"EstablishmentStatus (name)": "Closed"}),
            row(
                620003, **{"LA (code)": "000", "GOR (name)": "Not Applicable", "Country (name)": ""}
            ),
        ],
    )
    out, err = run_command(path)

    assert list(School.objects.values_list("urn", flat=True)) == [620001]
    assert "Left out 1 closed establishments." in out
    assert "Left out 1 establishments outside England and Wales." in out
    assert err == ""


@pytest.mark.django_db
def test_missing_file_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"There is no file at .*nope\.csv.*Nothing was changed"):
        call_command("import_schools", str(tmp_path / "nope.csv"), stdout=io.StringIO())
    assert not School.objects.exists() and not District.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_gias_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("Name,Email\nAda,ada@example.org\n")
    with pytest.raises(CommandError, match="not a GIAS schools extract: it has no URN column"):
        call_command("import_schools", str(path), stdout=io.StringIO())
    with pytest.raises(DomainError) as caught:
        schools_import_gias(source=path)
    assert caught.value.code == "not_gias"
    assert not School.objects.exists() and not Nation.objects.exists()


def test_employer_kind_follows_the_type() -> None:
    assert employer_kind_for(type_name="Academy sponsor led", type_group="Academies") == (
        "academy_trust"
    )
    assert employer_kind_for(type_name="Free schools special", type_group="Free Schools") == (
        "academy_trust"
    )
    assert employer_kind_for(type_name="Foundation school", type_group="") == "governing_body"
    assert employer_kind_for(type_name="Voluntary aided school", type_group="") == "governing_body"
    assert employer_kind_for(type_name="Voluntary controlled school", type_group="") == (
        "local_authority"
    )
    assert employer_kind_for(type_name="Welsh establishment", type_group="Welsh schools") == (
        "local_authority"
    )


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(tmp_path: Path, django_assert_max_num_queries) -> None:
    rows = [
        row(
            700000 + i,
            **{
                "LA (code)": str(300 + i % 5),
                "LA (name)": f"LA {i % 5}",
                "Trusts (name)": f"Trust {i % 7}",
                "TypeOfEstablishment (name)": "Academy converter",
            },
        )
        for i in range(50)
    ]
    path = write_csv(tmp_path / "gias.csv", rows)

    with django_assert_max_num_queries(30):
        result = schools_import_gias(source=path)

    assert result.created == 50
    assert District.objects.count() == 5 and AcademyTrust.objects.count() == 7
    assert Entrance.objects.count() == 50


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_national_file_gives_23466_schools_in_175_districts() -> None:
    path = Path(settings.BASE_DIR) / "schools" / "data" / "gias-open-state-2025-05-24.csv.gz"
    started = time.monotonic()

    result = schools_import_gias(source=path)

    assert time.monotonic() - started < 60
    assert result.created == 23_466 and not result.problems
    assert School.objects.count() == 23_466
    assert District.objects.count() == 175
    assert Region.objects.count() == 10
    assert Entrance.objects.filter(is_main=True).count() == 23_466
    again = schools_import_gias(source=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 23_466)


@pytest.mark.django_db
def test_query_count_is_the_same_for_5_and_50_rows(tmp_path: Path) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(start: int, n: int, la_base: int) -> list[dict[str, object]]:
        return [
            row(
                start + i,
                **{
                    "LA (code)": str(la_base + i % 3),
                    "Trusts (name)": f"Trust {la_base} {i % 4}",
                    "TypeOfEstablishment (name)": "Academy converter",
                },
            )
            for i in range(n)
        ]

    with CaptureQueriesContext(connection) as few:
        schools_import_gias(source=write_csv(tmp_path / "few.csv", rows(710000, 5, 300)))
    with CaptureQueriesContext(connection) as many:
        schools_import_gias(source=write_csv(tmp_path / "many.csv", rows(720000, 50, 400)))

    # The first run also creates the nation and region: the second has ten times the rows.
    assert len(many.captured_queries) <= len(few.captured_queries)
