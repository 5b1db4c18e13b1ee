"""Assemble the offline snapshot in `data/raw/scb/` (run: `python -m pipelines.snapshot_builder`).

The snapshot has the exact shape of PxWebApi 2.0 responses, so snapshot mode exercises the
same parser as live mode. Its content is of two kinds, kept in separate response parts:

- **Published figures**: Järfälla 2005-2015 by background, from Tabell 1 of Järfälla
  kommun's integration plan 2017-2018 (source SCB), in `data/raw/published/`. Their
  responses say `PUBLICERAT` in `note`. Tabell 1 gives utrikes födda (08), inrikes födda med
  två utrikes födda föräldrar (4) and the rest together: codes 5 and 6 are not published
  separately, so they are missing (`..`) there and the total (`TotUI`) is the sum of the
  three published counts.
- **Demo data**: everything else (other years, Jönköping). Invented, smooth, plausible
  numbers that show how the pipeline works. Their responses say `DEMODATA` in `note`, and
  every row read from them carries `demo = true` up to the marts and the report.

A live run (`SEGREGATION_SOURCE=live`) replaces all of it with SCB's real responses.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipelines.areas import load_areas, load_deso_key
from pipelines.catalog import load_catalog
from pipelines.kommuner import load_kommuner
from pipelines.raw_store import RawFile, RawStore
from pipelines.scb.snapshot import DEMO_MARKER, PUBLISHED_MARKER, store_request
from pipelines.settings import DEFAULT_SCB_API_URL, PROJECT_ROOT

RAW_DIR = PROJECT_ROOT / "data" / "raw"
SNAPSHOT_UPDATED = "2025-02-21T08:00:00Z"
ASSEMBLED = (
    "Assembled offline for the bundled snapshot (not fetched from SCB): see "
    "data/raw/README.md. SEGREGATION_SOURCE=live replaces it with SCB's responses."
)
DEMO_NOTE = (
    f"{DEMO_MARKER}: påhittade siffror för att visa hur pipelinen fungerar, inte SCB:s "
    "statistik. Kör med SEGREGATION_SOURCE=live för verkliga värden."
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
    time: str = "Tid",
    metric: str = "ContentsCode",
) -> dict:
    """A json-stat2 dataset (or, with no values, table metadata) in SCB's shape."""
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "SCB",
        "updated": updated,
        "note": list(notes),
        "role": {"time": [time], "metric": [metric]},
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
) -> RawFile:
    """One data response of the snapshot, as the POST a live fetch would have made."""
    values, status = cells(variables, value)
    doc = dataset(label=label, variables=variables, values=values, status=status, notes=notes)
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


# -- population by background (Tabell 1) --------------------------------------------------

BACKGROUND = [
    ("TotUI", "totalt"),
    ("08", "utrikes födda"),
    ("4", "inrikes födda med två utrikes födda föräldrar"),
    ("5", "inrikes födda med en inrikes och en utrikes född förälder"),
    ("6", "inrikes födda med två inrikes födda föräldrar"),
]


def read_tabell1(path: Path) -> dict[int, dict[str, int]]:
    with path.open(encoding="utf-8") as handle:
        return {
            int(row["ar"]): {
                "08": int(row["utrikes_fodda_antal"]),
                "4": int(row["inrikes_fodda_tva_utrikes_foraldrar_antal"]),
                "rest": int(row["inrikes_fodda_ovriga_antal"]),
            }
            for row in csv.DictReader(handle)
        }


def demo_background(kommun: str, year: int) -> dict[str, float]:
    """Smooth invented counts by background: total, 08, 4, 5 and 6."""
    if kommun == "0123":  # continues Järfälla's published 2015 level
        total = 72429 * (1.012 ** (year - 2015))
        share08, share4 = 0.268 + 0.0055 * (year - 2015), 0.106 + 0.0035 * (year - 2015)
    else:
        seed = int(kommun)
        total = (40000 + seed * 120) * (1.009 ** (year - 2005))
        share08, share4 = 0.11 + 0.004 * (year - 2005), 0.04 + 0.0015 * (year - 2005)
    n08, n4 = round(total * share08), round(total * share4)
    n5 = round(total * 0.055)
    n6 = round(total) - n08 - n4 - n5
    return {"TotUI": n08 + n4 + n5 + n6, "08": n08, "4": n4, "5": n5, "6": n6}


def build_population_background(raw_dir: Path, published: Path) -> dict:
    catalog = load_catalog(raw_dir)
    request = catalog.request("population_background")
    kommuner = load_kommuner(raw_dir)
    names = {k.code: k.name for k in kommuner}
    years = list(range(2002, 2025))
    region = ("Region", "region", [(k.code, k.name) for k in kommuner], False)
    contents = ("ContentsCode", "tabellinnehåll", [("000001NT", "Antal personer")], False)
    meta_vars: list[Variable] = [
        region,
        ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
        (
            "Alder",
            "ålder",
            [("tot", "totalt ålder")] + [(str(a), f"{a} år") for a in range(101)],
            True,
        ),
        ("Kon", "kön", [("1", "män"), ("2", "kvinnor")], True),
        contents,
        ("Tid", "år", [(str(y), str(y)) for y in years], False),
    ]
    label = (
        "Antal personer efter region, utländsk/svensk bakgrund, ålder, kön, tabellinnehåll och år"
    )
    metadata = dataset(
        label=label,
        variables=meta_vars,
        values=[],
        notes=[
            f"{DEMO_MARKER}: metadata sammanställd för ögonblicksbilden; kontrollera mot SCB i live-läge."
        ],
    )
    tabell1 = read_tabell1(published)
    base = DEFAULT_SCB_API_URL
    table_info = {
        "language": "sv",
        "id": request.table_id,
        "label": label,
        "updated": SNAPSHOT_UPDATED,
        "firstPeriod": "2002",
        "lastPeriod": "2024",
        "timeUnit": "Annual",
        "source": "SCB",
        "variableNames": [
            "region",
            "utländsk/svensk bakgrund",
            "ålder",
            "kön",
            "tabellinnehåll",
            "år",
        ],
        "note": [ASSEMBLED],
    }
    files: list[RawFile] = []

    def part(kommun: str, part_years: list[int], value, notes) -> None:
        variables: list[Variable] = [
            ("Region", "region", [(kommun, names[kommun])], False),
            ("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND, False),
            contents,
            ("Tid", "år", [(str(y), str(y)) for y in part_years], False),
        ]
        files.append(
            data_part(
                f"part-{len(files) + 1:03d}.json", request.table_id, label, variables, value, notes
            )
        )

    def published_value(c: dict[str, str]) -> float | None:
        row = tabell1[int(c["Tid"])]
        if c["UtlBakgrund"] == "TotUI":
            return row["08"] + row["4"] + row["rest"]
        return row.get(c["UtlBakgrund"])  # 5 and 6 are not published separately: missing

    first = min(tabell1)
    for k in kommuner:
        if k.code == "0123":
            part(
                "0123",
                sorted(tabell1),
                published_value,
                [
                    f"{PUBLICERAT_NOTE} Kod 5 och 6 publiceras inte var för sig där (..); totalt = summan av de tre grupperna."
                ],
            )
            demo_years = [y for y in range(first, 2025) if y not in tabell1]
        else:
            demo_years = list(range(first, 2025))
        part(
            k.code,
            demo_years,
            lambda c, k=k.code: demo_background(k, int(c["Tid"]))[c["UtlBakgrund"]],
            [DEMO_NOTE],
        )

    return store_request(
        RawStore(raw_dir),
        request,
        base,
        _bytes(table_info),
        _bytes(metadata),
        files,
        selection=request.selection_for([k.code for k in kommuner]),
        updated=SNAPSHOT_UPDATED,
        origin=ASSEMBLED,
    )


PUBLICERAT_NOTE = (
    f"{PUBLISHED_MARKER}: Järfälla 2005-2015 enligt Tabell 1 i Järfälla kommuns "
    "handlingsplan för integration 2017-2018 (Dnr Kst 2016/56), källa SCB Områdesdatabasen."
)


# -- DeSO tables: demo data only --------------------------------------------------------


def _unit(code: str, salt: str = "") -> float:
    """A stable number in [0, 1) from a code (the same on every machine)."""
    digest = hashlib.sha256(f"{salt}{code}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


class DemoDeso:
    """Invented but coherent DeSO figures: focus-area DeSO are more deprived, and each
    focus area's gap to the kommun closes, widens or stays, so every trend label shows."""

    def __init__(self, raw_dir: Path) -> None:
        key = load_deso_key(raw_dir)
        self.kommuner = [k.code for k in load_kommuner(raw_dir)]
        self.deso = {k: sorted(key.loc[key.kommun == k, "deso"]) for k in self.kommuner}
        areas = load_areas(raw_dir, self.kommuner)
        self.area_of = {m.deso: m.area_id for m in areas}

    def deprivation(self, deso: str) -> float:
        if deso in self.area_of:
            return 0.75 + 0.25 * _unit(deso, "d")
        return 0.45 * _unit(deso, "d")

    def pace(self, deso: str) -> float:
        """+1 the area catches up, -1 it falls behind, 0 it stays (by area)."""
        area = self.area_of.get(deso)
        return 0.0 if area is None else (1.0, -1.0, 0.0)[int(_unit(area, "p") * 3)]

    def population(self, deso: str, year: int, sex: str) -> int:
        total = (1100 + int(1500 * _unit(deso, "n"))) * 1.01 ** (year - 2010)
        men = round(total * 0.49)
        return {"1": men, "2": round(total) - men}[sex]

    def foreign(self, deso: str, year: int, sex: str) -> int:
        d = self.deprivation(deso)
        share = min(0.95, 0.1 + 0.65 * d + 0.004 * (year - 2010) * (1 - self.pace(deso) * d))
        return round(self.population(deso, year, sex) * share)

    def employed(self, deso: str, year: int, sex: str) -> tuple[int, int]:
        d = self.deprivation(deso)
        base = round(self.population(deso, year, sex) * 0.58)
        rate = 0.87 - 0.35 * d + 0.02 * (year - 2020) * d * self.pace(deso)
        rate -= 0.03 if sex == "2" else 0
        return round(base * rate), base

    def median(self, deso: str, year: int) -> float:
        d = self.deprivation(deso)
        return round(330 - 150 * d + 6 * (year - 2011) + 4 * (year - 2011) * d * self.pace(deso), 1)

    def low_standard(self, deso: str, year: int) -> float:
        d = self.deprivation(deso)
        return round(max(1.0, 7 + 30 * d - 0.6 * (year - 2011) * d * self.pace(deso)), 1)

    def education(self, deso: str, year: int) -> dict[str, int]:
        d = self.deprivation(deso)
        total = round((self.population(deso, year, "1") + self.population(deso, year, "2")) * 0.52)
        pre = round(total * (0.07 + 0.22 * d - 0.004 * (year - 2015) * d * self.pace(deso)))
        post = round(total * (0.52 - 0.3 * d + 0.004 * (year - 2015) * d * self.pace(deso)))
        unknown = round(total * 0.01)
        return {
            "21": pre,
            "5": round(post * 0.4),
            "6": post - round(post * 0.4),
            "US": unknown,
            "3+4": total - pre - post - unknown,
        }


def _deso_table(
    raw_dir: Path,
    request_name: str,
    label: str,
    variables: list[Variable],
    years: list[int],
    value: Callable[[str, dict[str, str]], float | None],
    with_kommun_rows: bool,
    demo: DemoDeso,
) -> dict:
    """One demo request: metadata, table description, and one data part per kommun."""
    request = load_catalog(raw_dir).request(request_name)
    names = {k.code: k.name for k in load_kommuner(raw_dir)}
    base = DEFAULT_SCB_API_URL

    def regions(kommun: str) -> list[tuple[str, str]]:
        own = [(kommun, names[kommun])] if with_kommun_rows else []
        return own + [(d, d) for d in demo.deso[kommun]]

    all_regions = [r for k in demo.kommuner for r in regions(k)]
    time_var: Variable = ("Tid", "år", [(str(y), str(y)) for y in years], False)
    meta_note = f"{DEMO_MARKER}: metadata sammanställd för ögonblicksbilden; kontrollera mot SCB i live-läge."
    meta = dataset(
        label=label,
        variables=[("Region", "region", all_regions, False), *variables, time_var],
        values=[],
        notes=[meta_note],
    )
    info = {
        "language": "sv",
        "id": request.table_id,
        "label": label,
        "updated": SNAPSHOT_UPDATED,
        "firstPeriod": str(years[0]),
        "lastPeriod": str(years[-1]),
        "timeUnit": "Annual",
        "source": "SCB",
        "note": [ASSEMBLED],
    }
    files: list[RawFile] = []
    for kommun in demo.kommuner:
        part_vars: list[Variable] = [
            ("Region", "region", regions(kommun), False),
            *variables,
            time_var,
        ]
        files.append(
            data_part(
                f"part-{len(files) + 1:03d}.json",
                request.table_id,
                label,
                part_vars,
                lambda c: value(c["Region"], c),
                [DEMO_NOTE],
            )
        )
    return store_request(
        RawStore(raw_dir),
        request,
        base,
        _bytes(info),
        _bytes(meta),
        files,
        selection=request.selection_for(demo.kommuner),
        updated=SNAPSHOT_UPDATED,
        origin=ASSEMBLED,
    )


def build_deso_tables(raw_dir: Path) -> list[dict]:
    """Demo responses for the DeSO tables. A kommun row is the sum of its DeSO (counts) or
    their population-weighted mean (medians, shares)."""
    demo = DemoDeso(raw_dir)
    sexes: Variable = ("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")], False)

    def members(region: str) -> list[str]:
        return demo.deso.get(region, [region])

    def per_sex(fn: Callable[[str, int, str], float], region: str, c: dict[str, str]) -> float:
        sex_codes = ["1", "2"] if c["Kon"] == "1+2" else [c["Kon"]]
        return float(sum(fn(d, int(c["Tid"]), s) for d in members(region) for s in sex_codes))

    def population(region: str, c: dict[str, str]) -> float:
        total = per_sex(demo.population, region, c)
        if c["UtlBakgrund"] == "SA":
            return total
        foreign = per_sex(demo.foreign, region, c)
        return foreign if c["UtlBakgrund"] == "1" else total - foreign

    def employment(region: str, c: dict[str, str]) -> float | None:
        if region == "0680C1100" and c["Tid"] == "2021" and c["Kon"] == "1":
            return None  # a suppressed cell (..), as SCB has for small counts
        index = 0 if c["ContentsCode"] == "0000089X" else 1
        return per_sex(lambda d, y, s: demo.employed(d, y, s)[index], region, c)

    def weighted(fn: Callable[[str, int], float]) -> Callable[[str, dict[str, str]], float]:
        def value(region: str, c: dict[str, str]) -> float:
            year = int(c["Tid"])
            pops = {
                d: demo.population(d, year, "1") + demo.population(d, year, "2")
                for d in members(region)
            }
            return round(sum(fn(d, year) * p for d, p in pops.items()) / sum(pops.values()), 1)

        return value

    def education(region: str, c: dict[str, str]) -> float:
        year = int(c["Tid"])
        return float(sum(demo.education(d, year)[c["UtbildningsNiva"]] for d in members(region)))

    contents = "ContentsCode", "tabellinnehåll"
    levels = [
        ("21", "förgymnasial utbildning"),
        ("3+4", "gymnasial utbildning"),
        ("5", "eftergymnasial utbildning, mindre än 3 år"),
        ("6", "eftergymnasial utbildning, 3 år eller mer"),
        ("US", "uppgift om utbildningsnivå saknas"),
    ]
    background = [("1", "utländsk bakgrund"), ("2", "svensk bakgrund"), ("SA", "totalt")]
    return [
        _deso_table(
            raw_dir,
            "deso_population_background",
            "Folkmängden per region efter utländsk/svensk bakgrund, kön, tabellinnehåll och år",
            [
                ("UtlBakgrund", "utländsk/svensk bakgrund", background, False),
                sexes,
                (*contents, [("000007Y4", "Folkmängd")], False),
            ],
            list(range(2010, 2024)),
            population,
            True,
            demo,
        ),
        _deso_table(
            raw_dir,
            "deso_employment",
            "Arbetsmarknadsstatus efter region, kön, ålder, tabellinnehåll och år",
            [
                sexes,
                ("Alder", "ålder", [("20-64", "20-64 år")], False),
                (
                    *contents,
                    [("0000089X", "Antal sysselsatta"), ("0000089Y", "Antal totalt")],
                    False,
                ),
            ],
            list(range(2020, 2024)),
            employment,
            False,
            demo,
        ),
        _deso_table(
            raw_dir,
            "deso_economic_standard",
            "Ekonomisk standard efter region, tabellinnehåll och år",
            [(*contents, [("000008AB", "Median, tkr")], False)],
            list(range(2011, 2024)),
            weighted(demo.median),
            True,
            demo,
        ),
        _deso_table(
            raw_dir,
            "deso_low_economic_standard",
            "Låg ekonomisk standard efter region, ålder, tabellinnehåll och år",
            [
                ("Alder", "ålder", [("tot", "totalt")], False),
                (*contents, [("000008AC", "Andel med låg ekonomisk standard, procent")], False),
            ],
            list(range(2011, 2024)),
            weighted(demo.low_standard),
            True,
            demo,
        ),
        _deso_table(
            raw_dir,
            "deso_education",
            "Befolkning 25-64 år efter region, utbildningsnivå, tabellinnehåll och år",
            [
                ("UtbildningsNiva", "utbildningsnivå", levels, False),
                (*contents, [("000005MO", "Antal")], False),
            ],
            list(range(2015, 2024)),
            education,
            True,
            demo,
        ),
    ]


def build_kolada(raw_dir: Path) -> dict:
    """Demo Kolada pages for the kommuner and riket, marked demo in the manifest."""
    from pipelines.kolada import snapshot as kolada
    from pipelines.kolada.client import DEFAULT_KOLADA_API_URL
    from pipelines.kolada.snapshot import REQUEST, TABLE, demo_pages

    catalog = load_catalog(raw_dir)
    kommuner = [k.code for k in load_kommuner(raw_dir)]
    files = [
        RawFile(f"page-{i:03d}.json", page, url="demo")
        for i, page in enumerate(demo_pages(catalog, kommuner), 1)
    ]
    first, last = catalog.kolada_years
    return RawStore(raw_dir).write(
        kolada.SOURCE,
        TABLE,
        REQUEST,
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


def main() -> None:
    published = RAW_DIR / "published" / "jarfalla_tabell1_2005_2015.csv"
    manifests = [
        build_population_background(RAW_DIR, published),
        *build_deso_tables(RAW_DIR),
        build_kolada(RAW_DIR),
    ]
    for m in manifests:
        print(f"wrote {len(m['files'])} files for {m['table_id']} ({m['request']})")


if __name__ == "__main__":
    main()
