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

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipelines.core.geography import DESO2018, DESO2025
from pipelines.core.settings import DEFAULT_SCB_API_URL, PROJECT_ROOT
from pipelines.demo.model import CKM_YEAR, EDUCATION_LEVELS, DemoPopulation, unit, year_numbers
from pipelines.demo.responses import (
    ASSEMBLED,
    SNAPSHOT_UPDATED,
    Values,
    Variable,
    as_bytes,
    data_part,
    dataset,
    per_cell,
    table_info,
    years_variable,
)
from pipelines.registry.catalog import ScbRequest, load_catalog
from pipelines.registry.kommuner import load_kommuner
from pipelines.sources.raw_store import RawFile, RawStore
from pipelines.sources.scb.jsonstat import parse_metadata
from pipelines.sources.scb.labels import resolve_labels
from pipelines.sources.scb.snapshot import DEMO_MARKER, PUBLISHED_MARKER, store_request

RAW_DIR = PROJECT_ROOT / "data" / "raw"
PUBLISHED = RAW_DIR / "published" / "jarfalla_tabell1_2005_2015.csv"
SNAPSHOT_UPDATED_2025 = "2026-03-24T08:00:00Z"
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
    notes: Sequence[str] = (),
) -> dict:
    meta = dataset(
        label=label, variables=meta_vars, values=[], notes=[META_NOTE, *notes], updated=updated
    )
    resolved = (
        resolve_labels(parse_metadata(meta), request.labels, table_id) if request.labels else {}
    )
    return store_request(
        RawStore(raw_dir),
        request,
        table_id,
        DEFAULT_SCB_API_URL,
        table_info(table_id, label, years, updated),
        as_bytes(meta),
        files,
        selection=request.selection_for(kommuner, request.span(table_id), resolved),
        updated=updated,
        origin=ASSEMBLED,
        **({"resolved_codes": resolved} if resolved else {}),
    )


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
    return [_store_background(raw_dir, model, request), _store_ckm(raw_dir, model, request)]


BACKGROUND_LABEL = (
    "Antal personer efter region, utländsk/svensk bakgrund, ålder, kön, tabellinnehåll och år"
)


def _store_background(raw_dir: Path, model: DemoPopulation, request: ScbRequest) -> dict:
    """UtlSvBakgFin: Järfälla 2005–2015 as published in Tabell 1, demo data for the rest."""
    names = _names(raw_dir)
    codes = model.kommuner
    old = request.tables[0]
    files: list[RawFile] = []

    def part(kommun: str, years: list[int], value, notes) -> None:
        variables: list[Variable] = [
            ("Region", "region", [(kommun, names[kommun])], False),
            ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
            CONTENTS_BACKGROUND,
            years_variable(years),
        ]
        name = f"part-{len(files) + 1:03d}.json"
        files.append(
            data_part(name, old.table_id, BACKGROUND_LABEL, variables, per_cell(value), notes)
        )

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
        years_variable(all_years),
    ]
    return _store(
        raw_dir, request, old.table_id, BACKGROUND_LABEL, meta_vars, all_years, files, codes
    )


def _store_ckm(raw_dir: Path, model: DemoPopulation, request: ScbRequest) -> dict:
    """2025: the CKM table, where Kon and Alder are selected (TotSa, tot) and parts carry noise."""
    names = _names(raw_dir)
    codes = model.kommuner
    new = request.tables[-1]
    ckm_label = "Folkmängden efter region, utländsk/svensk bakgrund, ålder och kön. År 2025"
    ckm_years = [CKM_YEAR]
    sexes = [("1", "män"), ("2", "kvinnor"), ("TotSa", "totalt")]
    ages = [("tot", "totalt")]

    def noisy(kommun: str, c: dict[str, str]) -> float:
        counts = model.background(kommun, int(c["Tid"]))
        # ±2 per cell: the four parts and the total then differ by at most 10 persons, the
        # tolerance of the check (pipelines/orchestration/checks.py CKM_TOLERANCE_PERSONS)
        noise = int(unit(f"{kommun}{c['UtlBakgrund']}{c['Tid']}", "ckm") * 5) - 2
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
                years_variable(ckm_years),
            ],
            per_cell(lambda c, k=k: noisy(k, c)),
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
        years_variable(ckm_years),
    ]
    return _store(
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


# -- DeSO tables: demo data only --------------------------------------------------------

SEXES: Variable = ("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")], False)


def _deso_table(
    raw_dir: Path,
    model: DemoPopulation,
    request: ScbRequest,
    table_id: str,
    label: str,
    variables: list[Variable],
    value: Values,
    with_kommun_rows: bool,
    meta_contents: Variable | None = None,
    notes: Sequence[str] = (),
) -> dict:
    """One demo table: metadata, table description, one data part per kommun, both divisions.

    `value(c)` gets region codes as the table lists them (kommun rows with the kommun code,
    DeSO 2025 codes with their suffix); cells of a division outside its years are `..`, as
    SCB serves them, whatever `value` says. `meta_contents` lists every content of the table
    in its metadata where the request selects only some (the data parts hold those).
    """
    span = request.span(table_id)
    years = list(range(span.first_year, span.last_year + 1))
    names = _names(raw_dir)
    divisions = [d for d in (DESO2018, DESO2025) if any(d.covers(y) for y in years)]

    def regions(kommun: str) -> list[tuple[str, str]]:
        own = [(kommun, names[kommun])] if with_kommun_rows else []
        deso = [
            (code + d.suffix, code + d.suffix)
            for d in divisions
            for code in model.deso[d.code][kommun]
        ]
        return own + deso

    def cell(c: dict[str, np.ndarray]) -> np.ndarray:
        region, year = c["Region"], year_numbers(c["Tid"])
        out = np.asarray(value(c), dtype=float).copy()
        is_2025 = np.char.endswith(region, DESO2025.suffix)
        is_kommun = np.char.str_len(region) == 4
        outside = np.where(is_2025, ~_covers(DESO2025, year), ~_covers(DESO2018, year))
        out[outside & ~is_kommun] = np.nan
        return out

    time_var = years_variable(years)
    files = [
        data_part(
            f"part-{i:03d}.json",
            table_id,
            label,
            [("Region", "region", regions(k), False), *variables, time_var],
            cell,
            [DEMO_NOTE],
        )
        for i, k in enumerate(model.kommuner, start=1)
    ]
    listed = [meta_contents if meta_contents and v[0] == meta_contents[0] else v for v in variables]
    meta_vars = [
        ("Region", "region", [r for k in model.kommuner for r in regions(k)], False),
        *listed,
        time_var,
    ]
    return _store(
        raw_dir,
        request,
        table_id,
        label,
        meta_vars,
        years,
        files,
        model.kommuner,
        notes=notes,
    )


def _covers(division, years: np.ndarray) -> np.ndarray:
    ok = np.ones(len(years), dtype=bool)
    if division.first_year is not None:
        ok &= years >= division.first_year
    if division.last_year is not None:
        ok &= years <= division.last_year
    return ok


def _names(raw_dir: Path) -> dict[str, str]:
    return {k.code: k.name for k in load_kommuner(raw_dir)}


def _by_sex(model: DemoPopulation, name: str, c: dict[str, np.ndarray]) -> np.ndarray:
    """`name_1`, `name_2` or their sum, as the cell's Kon asks."""
    men = model.at(f"{name}_1", c["Region"], c["Tid"])
    women = model.at(f"{name}_2", c["Region"], c["Tid"])
    return np.where(c["Kon"] == "1", men, np.where(c["Kon"] == "2", women, men + women))


CONTENTS = "ContentsCode", "tabellinnehåll"
LEVELS = [
    ("21", "förgymnasial utbildning"),
    ("3+4", "gymnasial utbildning"),
    ("5", "eftergymnasial utbildning, mindre än 3 år"),
    ("6", "eftergymnasial utbildning, 3 år eller mer"),
    ("US", "uppgift om utbildningsnivå saknas"),
]
DESO_BACKGROUND = [("1", "utländsk bakgrund"), ("2", "svensk bakgrund"), ("SA", "totalt")]
# TAB6684's contents as its metadata lists them: SCB's labels (public clients list them);
# the median's code 000008AB is SCB's, the quartile codes are demo codes in the style of the
# predecessor TabVX3InkDesoN (000006T4-000006T7): TAB6684's own are not confirmed, which is
# why the catalog finds them by label.
INCOME_CONTENTS: Variable = (
    *CONTENTS,
    [
        ("000006T4", "Kvartil 1, andel personer, procent"),
        ("000006T5", "Kvartil 2, andel personer, procent"),
        ("000006T6", "Kvartil 3, andel personer, procent"),
        ("000006T7", "Kvartil 4, andel personer, procent"),
        ("000008AB", "Medianvärde, tkr"),
    ],
    False,
)
INCOME_NOTE = (
    f"{DEMO_MARKER}: kvartilernas innehållskoder 000006T4-000006T7 är demokoder i stil med "
    "föregångaren TabVX3InkDesoN; TAB6684:s egna koder är obekräftade och hittas på etiketten."
)
INCOME_LABEL = (
    "Ekonomisk standard, andel av befolkningen per inkomstklass efter region, tabellinnehåll och år"
)


def _population(model: DemoPopulation, c: dict[str, np.ndarray]) -> np.ndarray:
    total = _by_sex(model, "people", c)
    foreign = _by_sex(model, "foreign", c)
    background = c["UtlBakgrund"]
    return np.where(
        background == "SA", total, np.where(background == "1", foreign, total - foreign)
    )


def _employment(model: DemoPopulation, c: dict[str, np.ndarray]) -> np.ndarray:
    employed = _by_sex(model, "employed", c)
    base = _by_sex(model, "base", c)
    out = np.where(c["ContentsCode"] == "0000089X", employed, base)
    # a suppressed cell (..), as SCB has for small counts
    suppressed = (c["Region"] == "0680C1100") & (c["Tid"] == "2021") & (c["Kon"] == "1")
    return np.where(suppressed, np.nan, out)


def _education(model: DemoPopulation, c: dict[str, np.ndarray]) -> np.ndarray:
    out = np.full(len(c["Region"]), np.nan)
    for level in EDUCATION_LEVELS:
        mine = c["UtbildningsNiva"] == level
        out[mine] = model.at(f"education_{level}", c["Region"][mine], c["Tid"][mine])
    return out


def _quartiles(model: DemoPopulation, c: dict[str, np.ndarray]) -> np.ndarray:
    lowest = model.at("income_lowest", c["Region"], c["Tid"])
    highest = model.at("income_highest", c["Region"], c["Tid"])
    return np.where(c["ContentsCode"] == "000006T4", lowest, highest)


def build_deso_tables(raw_dir: Path, model: DemoPopulation) -> list[dict]:
    """Demo responses for the DeSO tables. A kommun row is the sum of its DeSO (counts) or
    their population-weighted mean (medians, shares)."""
    catalog = load_catalog(raw_dir)
    return [
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_population_background"),
            "TAB6571",
            "Folkmängden per region efter utländsk/svensk bakgrund, kön, tabellinnehåll och år",
            [
                ("UtlBakgrund", "utländsk/svensk bakgrund", DESO_BACKGROUND, False),
                SEXES,
                (*CONTENTS, [("000007Y4", "Folkmängd")], False),
            ],
            lambda c: _population(model, c),
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
                    *CONTENTS,
                    [("0000089X", "Antal sysselsatta"), ("0000089Y", "Antal totalt")],
                    False,
                ),
            ],
            lambda c: _employment(model, c),
            False,
        ),
        *_income_tables(raw_dir, model, catalog),
        *_education_tables(raw_dir, model, catalog),
    ]


def _income_tables(raw_dir: Path, model: DemoPopulation, catalog) -> list[dict]:
    """TAB6684 (median; shares per national quartile) and TAB6685 (låg ekonomisk standard)."""
    return [
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_economic_standard"),
            "TAB6684",
            "Ekonomisk standard efter region, tabellinnehåll och år",
            [(*CONTENTS, [("000008AB", "Median, tkr")], False)],
            lambda c: model.at("median", c["Region"], c["Tid"]),
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
                (*CONTENTS, [("000008AC", "Andel med låg ekonomisk standard, procent")], False),
            ],
            lambda c: model.at("low_standard", c["Region"], c["Tid"]),
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            catalog.request("deso_income_quartiles"),
            "TAB6684",
            INCOME_LABEL,
            [
                (
                    *CONTENTS,
                    [
                        ("000006T4", "Kvartil 1, andel personer, procent"),
                        ("000006T7", "Kvartil 4, andel personer, procent"),
                    ],
                    False,
                )
            ],
            lambda c: _quartiles(model, c),
            False,
            meta_contents=INCOME_CONTENTS,
            notes=[INCOME_NOTE],
        ),
    ]


def _education_tables(raw_dir: Path, model: DemoPopulation, catalog) -> list[dict]:
    """Education 25–64 år on DeSO 2018 (TAB5956) and 25–65 år from 2024 (TAB6534)."""
    education_request = catalog.request("deso_education")
    old_edu, new_edu = education_request.tables
    return [
        _deso_table(
            raw_dir,
            model,
            education_request,
            old_edu.table_id,
            "Befolkning 25-64 år efter region, utbildningsnivå, tabellinnehåll och år",
            [
                ("UtbildningsNiva", "utbildningsnivå", LEVELS, False),
                (*CONTENTS, [("000005MO", "Antal")], False),
            ],
            lambda c: _education(model, c),
            True,
        ),
        _deso_table(
            raw_dir,
            model,
            education_request,
            new_edu.table_id,
            "Befolkning 25-65 år efter region, utbildningsnivå, tabellinnehåll och år",
            [
                ("UtbildningsNiva", "utbildningsnivå", LEVELS, False),
                (*CONTENTS, [("000007Z6", "Antal")], False),
            ],
            lambda c: _education(model, c),
            True,
        ),
    ]


def build_kolada(raw_dir: Path, model: DemoPopulation) -> dict:
    """Demo Kolada pages for the kommuner and riket, marked demo in the manifest."""
    from pipelines.demo.kolada import demo_pages
    from pipelines.sources.kolada import snapshot as kolada
    from pipelines.sources.kolada.client import DEFAULT_KOLADA_API_URL

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
