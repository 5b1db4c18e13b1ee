"""Assemble the offline snapshot in `data/raw/scb/` and `data/raw/kolada/`
(run: `python -m pipelines.demo`).

The snapshot has the exact shape of PxWebApi 2.0 responses, so snapshot mode exercises the
same parser as live mode. Its content is of two kinds, kept in separate response parts:

- **Published figures**: Järfälla 2005-2015 by background, from Tabell 1 of Järfälla
  kommun's integration plan 2017-2018 (source SCB), in `data/raw/published/`. Their
  responses say `PUBLICERAT` in `note`. Tabell 1 gives utrikes födda (08), inrikes födda med
  två utrikes födda föräldrar (4) and the rest together: codes 5 and 6 are not published
  separately, so they are missing (`..`) there and the total (`TotUI`) is the sum of the
  three published counts.
- **Demo data**: everything else, from one coherent invented population
  (`pipelines/demo/model.py`). Their responses say `DEMODATA` in `note`, and every row read
  from them carries `demo = true` up to the marts and the report.

The DeSO tables list both divisions in one Region variable as SCB does since 2025: bare DeSO
2018 codes with data to 2023 (`..` for 2024), codes suffixed `_DeSO2025` with data for 2024
(`..` before). Series SCB continued in new tables are built as such (education 2024 in
UtbSUNBefDesoRegsoN, the kommun table by background 2025 in UtlSvBakgFinCKM with noise as
from SCB's Cell Key Method).

A live run (`SEGREGATION_SOURCE=live`) replaces all of it with SCB's real responses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipelines.catalog import ScbRequest, load_catalog
from pipelines.demo.model import CKM_YEAR, DemoPopulation, unit
from pipelines.geography import DESO2018, DESO2025, split_code
from pipelines.kommuner import load_kommuner
from pipelines.raw_store import RawFile, RawStore
from pipelines.scb.snapshot import DEMO_MARKER, PUBLISHED_MARKER, store_request
from pipelines.settings import DEFAULT_SCB_API_URL, PROJECT_ROOT

RAW_DIR = PROJECT_ROOT / "data" / "raw"
PUBLISHED = RAW_DIR / "published" / "jarfalla_tabell1_2005_2015.csv"
SNAPSHOT_UPDATED = "2025-02-21T08:00:00Z"
SNAPSHOT_UPDATED_2025 = "2026-03-24T08:00:00Z"
ASSEMBLED = (
    "Assembled offline for the bundled snapshot (not fetched from SCB): see "
    "data/raw/README.md. SEGREGATION_SOURCE=live replaces it with SCB's responses."
)
DEMO_NOTE = (
    f"{DEMO_MARKER}: påhittade siffror för att visa hur pipelinen fungerar, inte SCB:s "
    "statistik. Kör med SEGREGATION_SOURCE=live för verkliga värden."
)
META_NOTE = (
    f"{DEMO_MARKER}: metadata sammanställd för ögonblicksbilden; kontrollera mot SCB i live-läge."
)
CKM_NOTE = (
    "Från och med referensåret 2025 har SCB infört en liten kontrollerad slumpmässig osäkerhet "
    "i redovisade uppgifter (Cell Key Method, CKM): delarna summerar inte alltid till totalen."
)
PUBLICERAT_NOTE = (
    f"{PUBLISHED_MARKER}: Järfälla 2005-2015 enligt Tabell 1 i Järfälla kommuns "
    "handlingsplan för integration 2017-2018 (Dnr Kst 2016/56), källa SCB Områdesdatabasen."
)

Variable = tuple[str, str, list[tuple[str, str]], bool]  # code, label, values, elimination


def dataset(
    *,
    label: str,
    variables: Sequence[Variable],
    values: Sequence[float | None],
    status: dict[int, str] | None = None,
    notes: Sequence[str] = (),
    updated: str = SNAPSHOT_UPDATED,
) -> dict:
    """A json-stat2 dataset (or, with no values, table metadata) in SCB's shape."""
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "SCB",
        "updated": updated,
        "note": list(notes),
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": [v[0] for v in variables],
        "size": [len(v[2]) for v in variables],
        "dimension": {
            code: {
                "label": var_label,
                "category": {
                    "index": {c: i for i, (c, _) in enumerate(cats)},
                    "label": dict(cats),
                },
                "extension": {"elimination": elimination, "show": "value"},
            }
            for code, var_label, cats, elimination in variables
        },
        "value": [None if v is None or np.isnan(v) else _number(v) for v in values],
    }
    if status:
        doc["status"] = {str(k): v for k, v in sorted(status.items())}
    return doc


def _number(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 1)


def cells(
    variables: Sequence[Variable], value: Callable[[dict[str, str]], float | None]
) -> tuple[list[float | None], dict[int, str]]:
    """Values of every cell in row-major order, and `..` status where a value is missing."""
    grids = np.meshgrid(*[np.arange(len(v[2])) for v in variables], indexing="ij")
    flat = [g.ravel() for g in grids]
    out: list[float | None] = []
    status: dict[int, str] = {}
    for i in range(len(flat[0]) if flat else 0):
        coords = {var[0]: var[2][flat[d][i]][0] for d, var in enumerate(variables)}
        v = value(coords)
        if v is None:
            status[i] = ".."
        out.append(v)
    return out, status


def data_part(
    name: str,
    table_id: str,
    label: str,
    variables: Sequence[Variable],
    value: Callable[[dict[str, str]], float | None],
    notes: Sequence[str],
    updated: str = SNAPSHOT_UPDATED,
) -> RawFile:
    """One data response of the snapshot, as the POST a live fetch would have made."""
    values, status = cells(variables, value)
    doc = dataset(
        label=label, variables=variables, values=values, status=status, notes=notes, updated=updated
    )
    body = {
        "selection": [{"variableCode": v[0], "valueCodes": [c for c, _ in v[2]]} for v in variables]
    }
    return RawFile(
        name,
        _bytes(doc),
        url=f"{DEFAULT_SCB_API_URL}/tables/{table_id}/data?lang=sv&outputFormat=json-stat2",
        method="POST",
        body=body,
        cells=len(values),
    )


def _bytes(doc: dict) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _table_info(table_id: str, label: str, years: Sequence[int], updated: str) -> bytes:
    return _bytes(
        {
            "language": "sv",
            "id": table_id,
            "label": label,
            "updated": updated,
            "firstPeriod": str(years[0]),
            "lastPeriod": str(years[-1]),
            "timeUnit": "Annual",
            "source": "SCB",
            "note": [ASSEMBLED],
        }
    )


def _store(
    raw_dir: Path,
    request: ScbRequest,
    table_id: str,
    label: str,
    meta_vars: Sequence[Variable],
    years: Sequence[int],
    files: list[RawFile],
    kommuner: Sequence[str],
    updated: str = SNAPSHOT_UPDATED,
) -> dict:
    meta = dataset(label=label, variables=meta_vars, values=[], notes=[META_NOTE], updated=updated)
    return store_request(
        RawStore(raw_dir),
        request,
        table_id,
        DEFAULT_SCB_API_URL,
        _table_info(table_id, label, years, updated),
        _bytes(meta),
        files,
        selection=request.selection_for(kommuner, request.span(table_id)),
        updated=updated,
        origin=ASSEMBLED,
    )


def _years(years: Sequence[int]) -> Variable:
    return ("Tid", "år", [(str(y), str(y)) for y in years], False)


# -- population by background (Tabell 1) --------------------------------------------------

BACKGROUND = [
    ("TotUI", "totalt"),
    ("08", "utrikes födda"),
    ("4", "inrikes födda med två utrikes födda föräldrar"),
    ("5", "inrikes födda med en inrikes och en utrikes född förälder"),
    ("6", "inrikes födda med två inrikes födda föräldrar"),
]
CONTENTS_BACKGROUND: Variable = (
    "ContentsCode",
    "tabellinnehåll",
    [("000001NT", "Antal personer")],
    False,
)


def build_population_background(raw_dir: Path, model: DemoPopulation) -> list[dict]:
    """UtlSvBakgFin to 2024 (published Järfälla 2005–2015 + demo) and UtlSvBakgFinCKM 2025."""
    request = load_catalog(raw_dir).request("population_background")
    kommuner = load_kommuner(raw_dir)
    codes = [k.code for k in kommuner]
    names = {k.code: k.name for k in kommuner}
    old, new = request.tables
    label = (
        "Antal personer efter region, utländsk/svensk bakgrund, ålder, kön, tabellinnehåll och år"
    )
    files: list[RawFile] = []

    def part(kommun: str, years: list[int], value, notes) -> None:
        variables: list[Variable] = [
            ("Region", "region", [(kommun, names[kommun])], False),
            ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
            CONTENTS_BACKGROUND,
            _years(years),
        ]
        name = f"part-{len(files) + 1:03d}.json"
        files.append(data_part(name, old.table_id, label, variables, value, notes))

    def published_value(c: dict[str, str]) -> float | None:
        row = model.tabell1[int(c["Tid"])]
        if c["UtlBakgrund"] == "TotUI":
            return row["08"] + row["4"] + row["rest"]
        return row.get(c["UtlBakgrund"])  # 5 and 6 are not published separately: missing

    old_years = list(range(old.first_year, old.last_year + 1))
    for k in codes:
        demo_years = old_years
        if k == "0123":
            part(
                "0123",
                sorted(model.tabell1),
                published_value,
                [
                    f"{PUBLICERAT_NOTE} Kod 5 och 6 publiceras inte var för sig där (..); "
                    "totalt = summan av de tre grupperna."
                ],
            )
            demo_years = [y for y in old_years if y not in model.tabell1]
        part(
            k,
            demo_years,
            lambda c, k=k: model.background(k, int(c["Tid"]))[c["UtlBakgrund"]],
            [DEMO_NOTE],
        )
    all_years = list(range(2002, old.last_year + 1))
    meta_vars: list[Variable] = [
        ("Region", "region", [(k, names[k]) for k in codes], False),
        ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
        ("Alder", "ålder", [("tot", "totalt ålder")], True),
        ("Kon", "kön", [("1", "män"), ("2", "kvinnor")], True),
        CONTENTS_BACKGROUND,
        _years(all_years),
    ]
    manifests = [_store(raw_dir, request, old.table_id, label, meta_vars, all_years, files, codes)]

    # 2025: the CKM table, where Kon and Alder are selected (TotSa, tot) and parts carry noise.
    ckm_label = "Folkmängden efter region, utländsk/svensk bakgrund, ålder och kön. År 2025"
    ckm_years = [CKM_YEAR]
    sexes = [("1", "män"), ("2", "kvinnor"), ("TotSa", "totalt")]
    ages = [("tot", "totalt")]

    def noisy(kommun: str, c: dict[str, str]) -> float:
        counts = model.background(kommun, int(c["Tid"]))
        noise = int(unit(f"{kommun}{c['UtlBakgrund']}{c['Tid']}", "ckm") * 9) - 4
        return float(counts[c["UtlBakgrund"]] + noise)

    ckm_files = [
        data_part(
            f"part-{i:03d}.json",
            new.table_id,
            ckm_label,
            [
                ("Region", "region", [(k, names[k])], False),
                ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
                ("Alder", "ålder", ages, False),
                ("Kon", "kön", [("TotSa", "totalt")], False),
                CONTENTS_BACKGROUND,
                _years(ckm_years),
            ],
            lambda c, k=k: noisy(k, c),
            [DEMO_NOTE, CKM_NOTE],
            SNAPSHOT_UPDATED_2025,
        )
        for i, k in enumerate(codes, start=1)
    ]
    ckm_meta: list[Variable] = [
        ("Region", "region", [(k, names[k]) for k in codes], False),
        ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
        ("Alder", "ålder", ages, False),
        ("Kon", "kön", sexes, False),
        CONTENTS_BACKGROUND,
        _years(ckm_years),
    ]
    manifests.append(
        _store(
            raw_dir,
            request,
            new.table_id,
            ckm_label,
            ckm_meta,
            ckm_years,
            ckm_files,
            codes,
            SNAPSHOT_UPDATED_2025,
        )
    )
    return manifests


# -- DeSO tables: demo data only --------------------------------------------------------

SEXES: Variable = ("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")], False)


def _deso_table(
    raw_dir: Path,
    model: DemoPopulation,
    request: ScbRequest,
    table_id: str,
    label: str,
    variables: list[Variable],
    value: Callable[[str, str, int, dict[str, str]], float | None],
    with_kommun_rows: bool,
) -> dict:
    """One demo table: metadata, table description, one data part per kommun, both divisions.

    `value(kommun, region, year, coords)` gets bare codes; a kommun row is asked with the
    kommun code. Cells of a division outside its years are `..`, as SCB serves them.
    """
    span = request.span(table_id)
    years = list(range(span.first_year, span.last_year + 1))
    names = {k.code: k.name for k in load_kommuner(raw_dir)}
    divisions = [d for d in (DESO2018, DESO2025) if any(d.covers(y) for y in years)]

    def regions(kommun: str) -> list[tuple[str, str]]:
        own = [(kommun, names[kommun])] if with_kommun_rows else []
        deso = [
            (code + d.suffix, code + d.suffix)
            for d in divisions
            for code in model.deso[d.code][kommun]
        ]
        return own + deso

    def cell(kommun: str, c: dict[str, str]) -> float | None:
        code, division = split_code(c["Region"])
        year = int(c["Tid"])
        if division != "kommun" and not (
            DESO2025 if division == DESO2025.code else DESO2018
        ).covers(year):
            return None
        return value(kommun, code, year, c)

    time_var = _years(years)
    files = [
        data_part(
            f"part-{i:03d}.json",
            table_id,
            label,
            [("Region", "region", regions(k), False), *variables, time_var],
            lambda c, k=k: cell(k, c),
            [DEMO_NOTE],
        )
        for i, k in enumerate(model.kommuner, start=1)
    ]
    meta_vars = [
        ("Region", "region", [r for k in model.kommuner for r in regions(k)], False),
        *variables,
        time_var,
    ]
    return _store(raw_dir, request, table_id, label, meta_vars, years, files, model.kommuner)


def build_deso_tables(raw_dir: Path, model: DemoPopulation) -> list[dict]:
    """Demo responses for the DeSO tables. A kommun row is the sum of its DeSO (counts) or
    their population-weighted mean (medians, shares)."""
    catalog = load_catalog(raw_dir)

    def deso_of(kommun: str, region: str, year: int) -> list[str]:
        if region == kommun:
            return model.deso[DESO2025.code if DESO2025.covers(year) else DESO2018.code][kommun]
        return [region]

    def per_sex(fn, kommun: str, region: str, year: int, sex: str) -> float:
        sexes = ["1", "2"] if sex == "1+2" else [sex]
        return float(
            sum(fn(d, year, s, kommun) for d in deso_of(kommun, region, year) for s in sexes)
        )

    def population(kommun: str, region: str, year: int, c: dict[str, str]) -> float:
        total = per_sex(model.people, kommun, region, year, c["Kon"])
        if c["UtlBakgrund"] == "SA":
            return total
        foreign = per_sex(model.foreign, kommun, region, year, c["Kon"])
        return foreign if c["UtlBakgrund"] == "1" else total - foreign

    def employment(kommun: str, region: str, year: int, c: dict[str, str]) -> float | None:
        if region == "0680C1100" and year == 2021 and c["Kon"] == "1":
            return None  # a suppressed cell (..), as SCB has for small counts
        index = 0 if c["ContentsCode"] == "0000089X" else 1
        return per_sex(
            lambda d, y, s, k: model.employed(d, y, s, k)[index], kommun, region, year, c["Kon"]
        )

    def weighted(fn: Callable[[str, int], float]):
        def value(kommun: str, region: str, year: int, c: dict[str, str]) -> float:
            members = deso_of(kommun, region, year)
            pops = {d: model.people(d, year, "1+2", kommun) for d in members}
            return round(sum(fn(d, year) * p for d, p in pops.items()) / sum(pops.values()), 1)

        return value

    def education(kommun: str, region: str, year: int, c: dict[str, str]) -> float:
        members = deso_of(kommun, region, year)
        return float(sum(model.education(d, year, kommun)[c["UtbildningsNiva"]] for d in members))

    contents = "ContentsCode", "tabellinnehåll"
    levels = [
        ("21", "förgymnasial utbildning"),
        ("3+4", "gymnasial utbildning"),
        ("5", "eftergymnasial utbildning, mindre än 3 år"),
        ("6", "eftergymnasial utbildning, 3 år eller mer"),
        ("US", "uppgift om utbildningsnivå saknas"),
    ]

    def quintiles(kommun: str, region: str, year: int, c: dict[str, str]) -> float:
        lowest, highest = model.income_quintiles(region, year)
        return lowest if c["ContentsCode"] == "KVINTIL1" else highest

    background = [("1", "utländsk bakgrund"), ("2", "svensk bakgrund"), ("SA", "totalt")]
    education_request = catalog.request("deso_education")
    old_edu, new_edu = education_request.tables
    return [
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_population_background"),
            "TAB6571",
            "Folkmängden per region efter utländsk/svensk bakgrund, kön, tabellinnehåll och år",
            [
                ("UtlBakgrund", "utländsk/svensk bakgrund", background, False),
                SEXES,
                (*contents, [("000007Y4", "Folkmängd")], False),
            ],
            population,
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_employment"),
            "TAB6680",
            "Arbetsmarknadsstatus efter region, kön, ålder, tabellinnehåll och år",
            [
                SEXES,
                ("Alder", "ålder", [("20-64", "20-64 år")], False),
                (
                    *contents,
                    [("0000089X", "Antal sysselsatta"), ("0000089Y", "Antal totalt")],
                    False,
                ),
            ],
            employment,
            False,
        ),
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_economic_standard"),
            "TAB6684",
            "Ekonomisk standard efter region, tabellinnehåll och år",
            [(*contents, [("000008AB", "Median, tkr")], False)],
            weighted(model.median),
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_low_economic_standard"),
            "TAB6685",
            "Låg ekonomisk standard efter region, ålder, tabellinnehåll och år",
            [
                ("Alder", "ålder", [("tot", "totalt")], False),
                (*contents, [("000008AC", "Andel med låg ekonomisk standard, procent")], False),
            ],
            weighted(model.low_standard),
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_income_quintiles"),
            "TAB6684",
            "Ekonomisk standard, andel av befolkningen per inkomstklass efter region, "
            "tabellinnehåll och år",
            [
                (
                    *contents,
                    [
                        ("KVINTIL1", "Andel i kvintil 1 (lägst), procent"),
                        ("KVINTIL5", "Andel i kvintil 5 (högst), procent"),
                    ],
                    False,
                )
            ],
            quintiles,
            False,
        ),
        _deso_table(
            raw_dir,
            model,
            education_request,
            old_edu.table_id,
            "Befolkning 25-64 år efter region, utbildningsnivå, tabellinnehåll och år",
            [
                ("UtbildningsNiva", "utbildningsnivå", levels, False),
                (*contents, [("000005MO", "Antal")], False),
            ],
            education,
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            education_request,
            new_edu.table_id,
            "Befolkning 25-65 år efter region, utbildningsnivå, tabellinnehåll och år",
            [
                ("UtbildningsNiva", "utbildningsnivå", levels, False),
                (*contents, [("000007Z6", "Antal")], False),
            ],
            education,
            True,
        ),
    ]


def build_kolada(raw_dir: Path, model: DemoPopulation) -> dict:
    """Demo Kolada pages for the kommuner and riket, marked demo in the manifest."""
    from pipelines.demo.kolada import demo_pages
    from pipelines.kolada import snapshot as kolada
    from pipelines.kolada.client import DEFAULT_KOLADA_API_URL

    catalog = load_catalog(raw_dir)
    kommuner = model.kommuner
    files = [
        RawFile(f"page-{i:03d}.json", page, url="demo")
        for i, page in enumerate(demo_pages(catalog, model), 1)
    ]
    first, last = catalog.kolada_years
    return RawStore(raw_dir).write(
        kolada.SOURCE,
        kolada.TABLE,
        kolada.REQUEST,
        files,
        base_url=DEFAULT_KOLADA_API_URL,
        kpis=sorted({k.kpi for k in catalog.kolada.values()}),
        municipalities=[kolada.RIKET, *kommuner],
        years=[first, last],
        demo=True,
        origin=(
            "Assembled offline for the bundled snapshot (not fetched from Kolada): invented "
            "values, see data/raw/README.md. SEGREGATION_SOURCE=live replaces them with "
            "Kolada's responses."
        ),
    )


def build_all(raw_dir: Path = RAW_DIR, published: Path = PUBLISHED) -> list[dict]:
    """Rebuild every demo response of the snapshot in `raw_dir`."""
    from pipelines.demo.omradestyp import build_regso_omradestyp

    model = DemoPopulation(raw_dir, published)
    return [
        *build_population_background(raw_dir, model),
        *build_deso_tables(raw_dir, model),
        build_kolada(raw_dir, model),
        build_regso_omradestyp(raw_dir),  # SCB's real exports, not demo
    ]


def main() -> None:
    for m in build_all():
        print(f"wrote {len(m['files'])} files for {m['table_id']} ({m['request']})")
