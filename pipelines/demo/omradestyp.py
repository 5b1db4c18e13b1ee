"""The offline snapshot of SCB's områdestyp per RegSO, from SCB's real exports (not demo).

`data/raw/published/regso_omradestyp_2022.csv` and `…_2023.csv` are SCB's Statistikdatabasen
exports of områdestyp 1–5 per RegSO (content code 000005QX): a header row, one row per
RegSO written `Kommun (RegSO-namn)`, then SCB's free-text footnotes. Each row is mapped to
its RegSO code through SCB's key `geography/koppling-deso2018-regso2020.csv` (kommun name +
RegSO name → RegSOkod_2020); every row must map to exactly one code and every RegSO of the
key must appear once, or the build stops naming the file and line.

The result is stored as the PxWebApi json-stat2 response a live fetch of the catalog request
`regso_omradestyp` would give for these cells, with `PUBLICERAT` in its note: real
published figures, so every row read from it carries `demo = false`. It is stored as the
catalog's table (TAB6586, the v2 table, most likely) under that table's code for the type,
000008IU (public clients query it; not confirmed); the exports name it 000005QX.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.core.geography import load_deso_key
from pipelines.core.settings import DEFAULT_SCB_API_URL
from pipelines.demo.responses import (
    Variable,
    as_bytes,
    data_part,
    dataset,
    per_cell,
    table_info,
    years_variable,
)
from pipelines.registry.catalog import load_catalog
from pipelines.sources.raw_store import RawStore
from pipelines.sources.scb.snapshot import PUBLISHED_MARKER, store_request

REQUEST = "regso_omradestyp"
EXPORT_YEARS = (2022, 2023)
# "Senaste uppdatering: 20250131 08:00" in both exports' footnotes.
EXPORT_UPDATED = "2025-01-31T08:00:00Z"
CONTENT_LABEL = "Områdestyp"
CONTENT_CODE = "000008IU"  # TAB6586's code for områdestyp (public clients; unconfirmed)
NOTE = (
    f"{PUBLISHED_MARKER}: SCB:s områdestyp (1-5) per RegSO för {{years}} ur Statistikdatabasen "
    "(tabellinnehåll 000005QX i IntGr5Socio, 000008IU i TAB6586; senast uppdaterad 2025-01-31), "
    "SCB:s egna CSV-exporter "
    "(kopior i ett publikt arkiv, addegezon/deso_socioeconomic_index, data_in/), i "
    "data/raw/published/. RegSO-koderna kommer ur SCB:s nyckel koppling-deso2018-regso2020 "
    "(kommunnamn + RegSO-namn). Exporterna innehåller bara områdestypen, inte indexvärdet "
    "eller de tre andelarna."
)
META_NOTE = (
    "Metadata sammanställd för ögonblicksbilden ur SCB:s exporter (bara områdestyp, 2022 och "
    "2023, RegSO 2020); tabellens övriga innehåll och år kontrolleras mot SCB i live-läge."
)
_ROW = re.compile(r"^(?P<kommun>.+?) \((?P<regso>.+)\)$")


class ExportError(ValueError):
    """An export row that cannot be read or mapped to exactly one RegSO code."""


@dataclass(frozen=True)
class ExportRow:
    line: int
    label: str  # as SCB writes it: "Kommun (RegSO-namn)"
    kommun_name: str
    regso_name: str
    omradestyp: int


def export_path(raw_dir: Path, year: int) -> Path:
    return Path(raw_dir) / "published" / f"regso_omradestyp_{year}.csv"


def read_export(path: Path) -> tuple[int, list[ExportRow]]:
    """The year and the data rows of one export; the footnotes after the first empty row are
    not data. Any row that is not `Kommun (RegSO)`,type 1–5 stops with file and line."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or len(rows[0]) < 2 or not re.fullmatch(r"\d{4}", rows[0][1].strip()):
        raise ExportError(f"{path}: line 1 should be the header ',<year>', not {rows[:1]!r}.")
    year = int(rows[0][1])
    out: list[ExportRow] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            break  # SCB's footnotes follow the first empty row
        label = row[0].strip()
        value = row[1].strip() if len(row) > 1 else ""
        match = _ROW.match(label)
        if match is None or value not in {"1", "2", "3", "4", "5"}:
            raise ExportError(
                f"{path} line {number}: expected 'Kommun (RegSO-namn)' and a type 1-5, got {row!r}."
            )
        out.append(
            ExportRow(number, label, match.group("kommun"), match.group("regso"), int(value))
        )
    if not out:
        raise ExportError(f"{path}: no data rows.")
    return year, out


def map_export(path: Path, raw_dir: Path) -> pd.DataFrame:
    """One export mapped to RegSO codes: columns year, kommun, regso, label, omradestyp.

    Every row must map to exactly one RegSO 2020 code of SCB's key (kommun name + RegSO
    name, so equal RegSO names in different kommuner stay apart) and every RegSO of the key
    must appear exactly once; otherwise ExportError names the file, line and RegSO."""
    year, rows = read_export(path)
    key = load_deso_key(raw_dir, "DeSO2018")
    regso = key[["kommun", "kommun_name", "regso", "regso_name"]].drop_duplicates()
    by_name: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in regso.itertuples(index=False):
        by_name.setdefault((r.kommun_name, r.regso_name), []).append((r.kommun, r.regso))
    problems: list[str] = []
    records = []
    for row in rows:
        found = sorted(set(by_name.get((row.kommun_name, row.regso_name), [])))
        if len(found) != 1:
            what = "no RegSO" if not found else f"{len(found)} RegSO ({found})"
            problems.append(f"{path} line {row.line}: {row.label!r} matches {what} in SCB's key")
            continue
        kommun, code = found[0]
        records.append((year, kommun, code, row.label, row.omradestyp))
    frame = pd.DataFrame(records, columns=["year", "kommun", "regso", "label", "omradestyp"])
    seen = Counter(frame["regso"])
    problems += [f"{path}: RegSO {c} appears {n} times" for c, n in seen.items() if n > 1]
    missing = sorted(set(regso["regso"]) - set(seen))
    if missing:
        problems.append(
            f"{path}: {len(missing)} RegSO of SCB's key are missing, e.g. {', '.join(missing[:5])}"
        )
    if problems:
        raise ExportError(
            f"{len(problems)} problem(s) mapping the export to RegSO codes:\n"
            + "\n".join(problems[:20])
        )
    return frame.sort_values("regso").reset_index(drop=True)


def build_regso_omradestyp(raw_dir: Path) -> dict:
    """Store both exports as one json-stat2 response of the catalog request (real, not demo)."""
    request = load_catalog(raw_dir).request(REQUEST)
    span = request.tables[-1]
    frames = [map_export(export_path(raw_dir, y), raw_dir) for y in EXPORT_YEARS]
    for year, frame in zip(EXPORT_YEARS, frames, strict=True):
        if int(frame["year"].iloc[0]) != year:
            raise ExportError(
                f"{export_path(raw_dir, year)}: the header says {frame['year'].iloc[0]}."
            )
    both = pd.concat(frames, ignore_index=True)
    regions = (
        both[["regso", "label"]].drop_duplicates("regso").sort_values("regso").itertuples(False)
    )
    region_values = [(code, label) for code, label in regions]
    types = {(r.regso, str(r.year)): int(r.omradestyp) for r in both.itertuples()}
    variables: list[Variable] = [
        ("Region", "region", region_values, False),
        ("ContentsCode", "tabellinnehåll", [(CONTENT_CODE, CONTENT_LABEL)], False),
        years_variable(EXPORT_YEARS),
    ]
    label = "Socioekonomiskt index och områdestyp efter region (RegSO) och år"
    years_text = " och ".join(str(y) for y in EXPORT_YEARS)
    part = data_part(
        "part-001.json",
        span.table_id,
        label,
        variables,
        per_cell(lambda c: types.get((c["Region"], c["Tid"]))),
        [NOTE.format(years=years_text)],
        EXPORT_UPDATED,
    )
    meta = dataset(
        label=label, variables=variables, values=[], notes=[META_NOTE], updated=EXPORT_UPDATED
    )
    return store_request(
        RawStore(raw_dir),
        request,
        span.table_id,
        DEFAULT_SCB_API_URL,
        table_info(span.table_id, label, list(EXPORT_YEARS), EXPORT_UPDATED),
        as_bytes(meta),
        [part],
        selection=request.selection_for([], span),
        updated=EXPORT_UPDATED,
        origin=(
            "Assembled offline from SCB's real CSV exports in data/raw/published/ (not fetched "
            "from the API): see data/raw/README.md. SEGREGATION_SOURCE=live replaces it with "
            "SCB's responses."
        ),
    )
