"""Reading the smaller CSV files a data officer imports beside GIAS (former names, term dates):
UTF-8 or Windows-1252, plain or gzipped, columns found by name whatever their case, every other
column ignored, each row with the line it starts on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kernel.errors import DomainError
from schools.importer import _read_text, csv_rows

_DAY_FIRST = re.compile(r"^([0-9]{1,2})[/\-.]([0-9]{1,2})[/\-.]([0-9]{4})$")
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


#: How many unusable rows an import command names before it only counts the rest.
PROBLEMS_SHOWN = 100


def problem_lines(problems: Sequence[object], *, shown: int = PROBLEMS_SHOWN) -> list[str]:
    """What an import command prints about the rows it skipped: each by its line, the first
    ``shown`` of them, then how many more."""
    lines = [f"Skipped {problem}" for problem in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"... and {len(problems) - shown:,} more rows that could not be used.")
    return lines


def key(name: str) -> str:
    """A column name as compared: lower case, letters and digits only ('LA (code)' -> 'lacode')."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_rows(
    source: str | Path | bytes, *, what: str
) -> tuple[set[str], Iterator[tuple[int, dict[str, str]]]]:
    """The file's column keys and its rows as {column key: cell}. A row that cannot be read
    comes as {"__error__": why}. Raises ``DomainError`` when the file is missing or not CSV."""
    text = _read_text(source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [key(h) for h in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise DomainError(f"This is not a CSV file of {what} ({exc}).", code="not_csv") from exc
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name, i)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for start, cells in csv_rows(reader, index):
            if any("\x00" in cell for cell in cells.values()):
                yield start, {"__error__": "a cell holds a NUL byte (the file may be damaged)"}
            else:
                yield start, cells

    return set(index), rows()


def parse_date(text: str) -> dt.date | None:
    """2027-03-29, 29/03/2027 or 29-03-2027 (GIAS writes the last); None when none of them."""
    text = text.strip()
    try:
        if _ISO.match(text):
            return dt.date.fromisoformat(text)
        found = _DAY_FIRST.match(text)
        if found:
            day, month, year = (int(x) for x in found.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def whole_number(text: str, *, most: int = 2_147_483_647) -> int | None:
    if not re.fullmatch(r"[0-9]{1,10}", text):
        return None
    number = int(text)
    return number if 0 < number <= most else None
