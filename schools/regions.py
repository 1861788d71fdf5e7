"""From the DfE's geography (government region, local authority) to the NEU's regions.

The NEU's regions are close to the government regions but not the same: its Northern region is
the North East plus Cumbria, whose schools GIAS puts in the North West. Wales is one region, NEU
Cymru. A district's region is decided when the importer first creates the district; an admin may
move a district to another region afterwards and later imports leave it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import slugify


@dataclass(frozen=True)
class NeuRegion:
    name: str
    nation_code: str

    @property
    def slug(self) -> str:
        return slugify(self.name.replace("&", "and"))


NATIONS: dict[str, str] = {"E": "England", "W": "Wales"}

EASTERN = NeuRegion("Eastern", "E")
EAST_MIDLANDS = NeuRegion("East Midlands", "E")
LONDON = NeuRegion("London", "E")
NORTHERN = NeuRegion("Northern", "E")
NORTH_WEST = NeuRegion("North West", "E")
SOUTH_EAST = NeuRegion("South East", "E")
SOUTH_WEST = NeuRegion("South West", "E")
WEST_MIDLANDS = NeuRegion("West Midlands", "E")
YORKSHIRE = NeuRegion("Yorkshire & Humber", "E")
WALES = NeuRegion("Wales", "W")  # NEU Cymru

NEU_REGIONS: tuple[NeuRegion, ...] = (
    EASTERN,
    EAST_MIDLANDS,
    LONDON,
    NORTHERN,
    NORTH_WEST,
    SOUTH_EAST,
    SOUTH_WEST,
    WEST_MIDLANDS,
    YORKSHIRE,
    WALES,
)

# GIAS "GOR (name)" -> the NEU region, compared case-insensitively.
_BY_GOR: dict[str, NeuRegion] = {
    "north east": NORTHERN,
    "north west": NORTH_WEST,
    "yorkshire and the humber": YORKSHIRE,
    "yorkshire and humber": YORKSHIRE,
    "east midlands": EAST_MIDLANDS,
    "west midlands": WEST_MIDLANDS,
    "east of england": EASTERN,
    "eastern": EASTERN,
    "london": LONDON,
    "south east": SOUTH_EAST,
    "south west": SOUTH_WEST,
    "wales": WALES,
    "wales (pseudo)": WALES,
}

# Cumbria (909 until 2023) and its successors Cumberland (942) and Westmorland and Furness (943):
# GIAS puts them in the North West; the NEU in Northern. (940 and 941 are North and West
# Northamptonshire, in the East Midlands.)
CUMBRIA_LA_CODES: frozenset[str] = frozenset({"909", "942", "943"})

# Welsh local authorities have GIAS LA codes 660 to 682.
_WELSH_LA_CODES = range(660, 683)


def nation_code_for(*, country: str, gor: str, la_code: str) -> str | None:
    """'E' or 'W' from GIAS "Country (name)", falling back on the region and LA code."""
    country = country.strip().lower()
    if country == "wales":
        return "W"
    if country == "england":
        return "E"
    region = _BY_GOR.get(gor.strip().lower())
    if region is not None:
        return region.nation_code
    if la_code.isdigit() and int(la_code) in _WELSH_LA_CODES:
        return "W"
    return None


def neu_region_for(*, la_code: str, gor: str, country: str = "") -> NeuRegion | None:
    """The NEU region of a local authority, or None when the row is outside England and Wales."""
    la_code = la_code.strip()
    if la_code in CUMBRIA_LA_CODES:
        return NORTHERN
    nation = nation_code_for(country=country, gor=gor, la_code=la_code)
    if nation == "W":
        return WALES
    region = _BY_GOR.get(gor.strip().lower())
    if region is None or region.nation_code != nation:
        return None
    return region
