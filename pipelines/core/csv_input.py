"""Reading the CSV files an analyst edits, as Swedish Excel writes them.

One reader for every such file (`areas/kommuner.csv`, `areas/focus_areas.csv`,
`local/*.csv`):

- UTF-8 with or without a byte order mark (Excel's "CSV UTF-8" writes one);
- comma or semicolon between fields, told apart from the header line (Swedish Excel's
  plain "CSV" uses semicolons, because the comma is the decimal sign);
- every field is kept as text, so kommun codes keep their leading zeros; numbers are
  parsed by the caller (:func:`parse_number` accepts a decimal comma or point).

A file in another encoding (Excel's older "CSV (semikolonavgränsad)" writes Windows-1252)
is rejected with a one-line message naming the file: guessing an 8-bit encoding can
silently turn å, ä and ö into other letters, and a wrong letter in a name is worse than a
clear request to save the file again.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

SAVE_AS = "save it from Excel as 'CSV UTF-8 (kommaavgränsad)'"
_SHORT_KOMMUN = re.compile(r"^\d{1,3}$")


class CsvInputError(ValueError):
    """A file cannot be read at all (encoding, empty); the message names the file."""


class FileProblems(ValueError):
    """A file the analyst edits has problems; `problems` lists each with file and line."""

    heading = "The file has problems"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{self.heading}:\n  " + "\n  ".join(problems))


class RowProblem(ValueError):
    """One row of an analyst's file cannot be used; the message is the problem as listed
    (file, line and reason). Raised by a row's checks, collected by the file's reader."""


@dataclass(frozen=True)
class CsvFile:
    path: Path
    delimiter: str
    fieldnames: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, row)


def sniff_delimiter(header: str) -> str:
    """`;` when the header line has more semicolons than commas, else `,`."""
    return ";" if header.count(";") > header.count(",") else ","


def read_csv(path: Path) -> CsvFile:
    """Read a whole CSV file as text fields; raise :class:`CsvInputError` if it is not UTF-8."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvInputError(f"{path} is not UTF-8: {SAVE_AS}.") from None
    header = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(header)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fieldnames = [(name or "").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = fieldnames
    rows = []
    for line, row in enumerate(reader, start=2):
        rows.append((line, {k: (v if isinstance(v, str) else "") for k, v in row.items() if k}))
    return CsvFile(path, delimiter, fieldnames, rows)


def parse_number(text: str | None) -> float | None:
    """A number written with a decimal comma or point (spaces as thousands separators are
    allowed); None for an empty field; ValueError for anything else."""
    text = (text or "").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None
    value = float(text)  # ValueError for anything that is not a number
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def kommun_code_hint(code: str) -> str:
    """A hint for a kommun code that lost its leading zero in Excel (`123` → 0123)."""
    if _SHORT_KOMMUN.match(code):
        return (
            f"; did you mean {code.zfill(4)}? (Excel drops leading zeros: format the column "
            "as Text)"
        )
    return ""
