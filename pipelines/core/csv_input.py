"""Reading the CSV files an analyst edits, as Swedish Excel writes them.

One reader for every such file (`areas/kommuner.csv`, `areas/focus_areas.csv`,
`areas/plans.csv`, `local/*.csv`):

- UTF-8 with or without a byte order mark (Excel's "CSV UTF-8" writes one);
- comma or semicolon between fields, told apart from the header line (Swedish Excel's
  plain "CSV" uses semicolons, because the comma is the decimal sign);
- every field is kept as text, so kommun codes keep their leading zeros; numbers are
  parsed by the caller (:func:`parse_number` accepts a decimal comma or point).

A file in another encoding (Excel's older "CSV (semikolonavgränsad)" writes Windows-1252)
is rejected with a one-line message naming the file: guessing an 8-bit encoding can
silently turn å, ä and ö into other letters, and a wrong letter in a name is worse than a
clear request to save the file again.

What the pipeline writes back into such a file (:func:`append_rows`) keeps the form it was
saved in (:class:`CsvDialect`: separator, byte order mark, line endings, decimal mark). The
problems found in a file are listed once per finding (:func:`group_problems`), and a row with
more fields than the header is named with its likely cause (a separator inside a text).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAVE_AS = "spara den från Excel som 'CSV UTF-8 (kommaavgränsad)'"
_SHORT_KOMMUN = re.compile(r"^\d{1,3}$")
_AT_LINE = re.compile(r"^(?P<where>.*), rad (?P<line>\d+): (?P<reason>.*)$", re.DOTALL)


class CsvInputError(ValueError):
    """A file cannot be read at all (encoding, empty); the message names the file."""


class FileProblems(ValueError):
    """A file the analyst edits has problems; `problems` lists each with file and line.

    The same finding on many rows of a file is listed once, with the count and the lines
    (:func:`group_problems`)."""

    heading = "Filen har fel"

    def __init__(self, problems: list[str]) -> None:
        self.problems = group_problems(problems)
        super().__init__(f"{self.heading}:\n  " + "\n  ".join(self.problems))


class RowProblem(ValueError):
    """One row of an analyst's file cannot be used; the message is the problem as listed
    (file, line and reason). Raised by a row's checks, collected by the file's reader."""


@dataclass(frozen=True)
class CsvDialect:
    """How a file was saved, so that a file written back keeps its form."""

    delimiter: str = ","
    bom: bool = False
    newline: str = "\n"
    decimal: str = "."


@dataclass(frozen=True)
class CsvFile:
    path: Path
    delimiter: str
    fieldnames: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, row)
    dialect: CsvDialect = CsvDialect()
    # rows with more fields than the header (left out of `rows`), one message each
    problems: tuple[str, ...] = ()


def sniff_delimiter(header: str) -> str:
    """`;` when the header line has more semicolons than commas, else `,`."""
    return ";" if header.count(";") > header.count(",") else ","


def read_csv(path: Path) -> CsvFile:
    """Read a whole CSV file as text fields; raise :class:`CsvInputError` if it is not UTF-8.

    A row with more fields than the header is not in `rows`: `problems` names it and its
    likely cause (a comma or semicolon inside a text without quotes)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvInputError(f"{path} är inte UTF-8: {SAVE_AS}.") from None
    header = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    fieldnames = [name.strip() for name in next(reader, [])]
    rows, problems, numbers = [], [], []
    for fields in reader:
        line = reader.line_num
        if not fields:
            continue  # an empty line
        if len(fields) > len(fieldnames) and (
            any(f.strip() for f in fields[len(fieldnames) :]) or _split_text(fields, delimiter)
        ):
            problems.append(_overlong(path, line, fields, len(fieldnames), delimiter))
            continue
        row = {name: (fields[i] if i < len(fields) else "") for i, name in enumerate(fieldnames)}
        rows.append((line, {k: v for k, v in row.items() if k}))
        numbers += [f for f in fields if _DECIMAL.match(f.strip())]
    dialect = CsvDialect(
        delimiter,
        data.startswith(codecs.BOM_UTF8),
        "\r\n" if header.endswith("\r") else "\n",
        _decimal_mark(numbers, delimiter),
    )
    return CsvFile(path, delimiter, fieldnames, rows, dialect, tuple(problems))


_DECIMAL = re.compile(r"^-?\d+[.,]\d+$")
_SEPARATOR_NAME = {",": "ett komma", ";": "ett semikolon"}


def _decimal_mark(numbers: list[str], delimiter: str) -> str:
    """The file's decimal mark: the one its numbers use, else Excel's for its separator."""
    commas = sum("," in n for n in numbers)
    if numbers:
        return "," if commas * 2 > len(numbers) else "."
    return "," if delimiter == ";" else "."


def _split_text(fields: list[str], delimiter: str) -> str:
    """A text that looks cut in two at a separator (`Fittja och Alby` + ` etapp 2`), or ''."""
    return next(
        (
            fields[i] + delimiter + fields[i + 1]
            for i in range(len(fields) - 1)
            if fields[i].strip() and fields[i + 1].startswith(" ") and fields[i + 1].strip()
        ),
        "",
    )


def _overlong(path: Path, line: int, fields: list[str], expected: int, delimiter: str) -> str:
    """A row with more fields than the header, and its likely cause."""
    sep = _SEPARATOR_NAME.get(delimiter, repr(delimiter))
    split = _split_text(fields, delimiter)
    example = f" (kanske {split!r})" if split else ""
    return (
        f"{path}, rad {line}: {len(fields)} fält men rubrikraden har {expected}; troligen "
        f"{sep} utan citattecken i en text{example}. Sätt texten inom citattecken "
        f'("…") eller spara filen från Excel, som gör det själv.'
    )


def group_problems(problems: list[str]) -> list[str]:
    """The same finding (file and reason) on several rows as one line with the count and the
    rows: `fil, rad 4–41 (38 rader): …`, in the place of its first row."""
    order: list[tuple[str, str] | str] = []
    lines: dict[tuple[str, str], list[int]] = {}
    for problem in problems:
        match = _AT_LINE.match(problem)
        if not match:
            order.append(problem)
            continue
        key = (match["where"], match["reason"])
        if key not in lines:
            order.append(key)
        lines.setdefault(key, []).append(int(match["line"]))
    out = []
    for item in order:
        if isinstance(item, str):
            out.append(item)
            continue
        rows = lines[item]
        count = f" ({len(rows)} rader)" if len(rows) > 1 else ""
        out.append(f"{item[0]}, rad {line_ranges(rows)}{count}: {item[1]}")
    return out


def line_ranges(lines: list[int]) -> str:
    """Line numbers as ranges: [4, 5, 6, 9] → `4–6, 9`."""
    runs: list[list[int]] = []
    for line in sorted(set(lines)):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def append_rows(
    path: Path,
    columns: Sequence[str],
    rows: list[dict[str, str]],
    fill: dict[str, str] | None = None,
) -> None:
    """Add `rows` to the analyst's file at `path` in the form it was saved in: its separator,
    byte order mark, line endings and column order. When the file has every column, its own
    bytes are kept as they are and the rows follow; otherwise it is written anew with the
    missing columns added at the end (in the existing rows: `fill`'s value, else empty)."""
    path = Path(path)
    table = read_csv(path)
    d = table.dialect
    names = table.fieldnames + [c for c in columns if c not in table.fieldnames]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=d.delimiter, lineterminator=d.newline)
    if names == table.fieldnames and not table.problems:
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            data += d.newline.encode()
    else:
        data = codecs.BOM_UTF8 if d.bom else b""
        writer.writerow(names)
        fill = fill or {}
        writer.writerows([row.get(n, fill.get(n, "")) for n in names] for _, row in table.rows)
    writer.writerows([row.get(n) or "" for n in names] for row in rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data + out.getvalue().encode("utf-8"))
    tmp.replace(path)


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
            f"; menade du {code.zfill(4)}? (Excel tar bort inledande nollor: formatera "
            "kolumnen som Text)"
        )
    return ""
