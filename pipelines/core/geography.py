"""SCB's small-area divisions: DeSO 2018 and DeSO 2025, their codes and their keys.

Since 2025 SCB publishes DeSO statistics on a new division. The multi-year DeSO tables list
both divisions in one `Region` variable: bare DeSO 2018 codes (`0123C1290`) carry data up to
reference year 2023, suffixed codes (`0123C1290_DeSO2025`, RegSO `0123R016_RegSO2025`)
carry data from 2024. The pipeline holds every small area as (code, division): the suffix
becomes the division and is never part of a code that is compared or shown.

Keys (real SCB data, CC0, in `data/raw/geography/`):
- `koppling-deso2018-regso2020.csv`: every DeSO 2018 → RegSO 2020 (5 984 DeSO);
- `koppling-deso2025-regso2025.csv`: every DeSO 2025 → RegSO 2025 (6 160 DeSO).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Division:
    """One DeSO division: its name, the years SCB publishes on it and its key file."""

    code: str  # DeSO2018 / DeSO2025, as written in files and marts
    label: str  # Swedish label for people
    first_year: int | None
    last_year: int | None
    suffix: str  # what SCB appends to a DeSO code of this division in a table's Region
    regso_suffix: str
    regso_division: str
    key_file: Path

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


DESO2018 = Division(
    "DeSO2018",
    "DeSO 2018",
    None,
    2023,
    "",
    "",
    "RegSO2020",
    Path("geography") / "koppling-deso2018-regso2020.csv",
)
DESO2025 = Division(
    "DeSO2025",
    "DeSO 2025",
    2024,
    None,
    "_DeSO2025",
    "_RegSO2025",
    "RegSO2025",
    Path("geography") / "koppling-deso2025-regso2025.csv",
)
DIVISIONS = {d.code: d for d in (DESO2018, DESO2025)}
DEFAULT_DIVISION = DESO2018.code
KOMMUN_LEVEL = "kommun"  # the "division" of a kommun row

DESO_CODE = re.compile(r"^(\d{4})[ABC]\d{4}$")
_SUFFIXED = re.compile(r"^(?P<code>.+?)_(?P<division>(?:DeSO|RegSO)\d{4})$")


class GeographyError(ValueError):
    """A division or key is unknown or unreadable."""


def division(code: str) -> Division:
    try:
        return DIVISIONS[code]
    except KeyError:
        raise GeographyError(
            f"unknown DeSO division {code!r}: use one of {', '.join(DIVISIONS)}."
        ) from None


def division_for_year(year: int) -> str:
    """The DeSO division SCB publishes reference year `year` on."""
    return DESO2025.code if DESO2025.covers(year) else DESO2018.code


def split_code(code: str, bare_division: str = DEFAULT_DIVISION) -> tuple[str, str]:
    """`0123C1290_DeSO2025` → (`0123C1290`, `DeSO2025`); a bare DeSO code belongs to
    `bare_division`; a kommun code to `kommun`; a bare RegSO code to RegSO 2020."""
    match = _SUFFIXED.match(code)
    if match:
        return match.group("code"), match.group("division")
    if re.fullmatch(r"\d{4}", code):
        return code, KOMMUN_LEVEL
    if re.fullmatch(r"\d{4}R\d{3}", code):
        return code, DIVISIONS[bare_division].regso_division
    return code, bare_division


def split_region_column(
    codes: pd.Series, bare_division: str = DEFAULT_DIVISION
) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`split_code`: (bare codes, divisions) for a column of region codes.

    Worked out once per distinct code and spread back to the rows: a country's table has
    millions of rows but some 12 000 region codes."""
    positions, uniques = pd.factorize(codes, use_na_sentinel=False)
    text = pd.Series(uniques, dtype="string")
    parts = text.str.extract(_SUFFIXED.pattern)
    suffixed = parts["division"].notna()
    bare = text.where(~suffixed, parts["code"])
    divisions = pd.Series(bare_division, index=text.index, dtype="string")
    divisions = divisions.where(
        ~text.str.fullmatch(r"\d{4}R\d{3}"), DIVISIONS[bare_division].regso_division
    )
    divisions = divisions.where(~text.str.fullmatch(r"\d{4}"), KOMMUN_LEVEL)
    divisions = divisions.where(~suffixed, parts["division"])
    bare_rows = bare.astype(str).to_numpy(dtype=object)[positions]
    division_rows = divisions.astype(str).to_numpy(dtype=object)[positions]
    return (
        pd.Series(bare_rows, index=codes.index, dtype=object),
        pd.Series(division_rows, index=codes.index, dtype=object),
    )


def deso_patterns(kommun: str) -> list[str]:
    """Value expressions that match every DeSO of a kommun in both divisions."""
    bare = f"{kommun}[ABC][0-9][0-9][0-9][0-9]"
    return [bare, bare + DESO2025.suffix]


@lru_cache(maxsize=8)
def _read_key(path: Path, mtime: float) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    if "DeSO_2018" in frame.columns:
        frame = frame.rename(
            columns={
                "Kommun": "kommun",
                "Kommunnamn": "kommun_name",
                "DeSO_2018": "deso",
                "RegSO_2020": "regso_name",
                "RegSOkod_2020": "regso",
            }
        )
    else:
        frame = frame.rename(columns={"deso_2025": "deso", "regso_2025": "regso"})
    missing = {"kommun", "deso", "regso", "regso_name"} - set(frame.columns)
    if missing:
        raise GeographyError(f"{path}: missing column(s) {', '.join(sorted(missing))}.")
    frame["regso"] = frame["regso"].str.replace(_SUFFIXED.pattern, r"\g<code>", regex=True)
    return frame[["kommun", "kommun_name", "deso", "regso", "regso_name"]]


def load_deso_key(raw_dir: Path, division_code: str = DEFAULT_DIVISION) -> pd.DataFrame:
    """SCB's key of one division: columns kommun, kommun_name, deso, regso, regso_name."""
    path = Path(raw_dir) / division(division_code).key_file
    if not path.exists():
        raise GeographyError(
            f"{path} is missing: SCB's key of {division(division_code).label} (see data/raw/README.md)."
        )
    return _read_key(path, path.stat().st_mtime).copy()
