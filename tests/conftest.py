"""Shared fixtures: a copy of the raw layer per test, and an SCB-like table for the local server.

Per test session (per xdist worker) there is one run of the bundled snapshot (`snapshot_run`,
copied into a test's marts folder by `published_marts`), one plain live run (`live_run`) and
one headless Chromium (`chromium`): tests that only read their results share them."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import AssetCheckEvaluation, ExecuteInProcessResult

sys.path.insert(0, str(Path(__file__).parent))

from browser import Chromium, chromium_path  # noqa: E402
from kolada_server import KoladaKpi, KoladaServer  # noqa: E402
from pxweb_server import FakeTable, PxWebServer, Variable  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
PUBLISHED_TABELL1 = PROJECT / "data" / "raw" / "published" / "jarfalla_tabell1_2005_2015.csv"


FOLLOWED_KOMMUNER = "kommun,namn\n0123,Järfälla\n0680,Jönköping\n"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A private copy of data/raw, so tests never touch the committed snapshot.

    Its kommuner.csv lists only the two kommuner with focus areas: the bundled snapshot
    covers every kommun of their län, and reading only the parts of these two keeps the
    tests that materialise the graph as fast as before. `bundled_raw_dir` keeps the file
    as committed."""
    return _followed_raw_copy(tmp_path / "raw")


def _followed_raw_copy(target: Path) -> Path:
    shutil.copytree(PROJECT / "data" / "raw", target)
    (target / "areas" / "kommuner.csv").write_text(FOLLOWED_KOMMUNER, encoding="utf-8")
    return target


@pytest.fixture
def bundled_raw_dir(tmp_path: Path) -> Path:
    """A private copy of data/raw with the committed kommuner.csv (every kommun of two län)."""
    target = tmp_path / "raw"
    shutil.copytree(PROJECT / "data" / "raw", target)
    return target


@pytest.fixture
def marts_dir(tmp_path: Path) -> Path:
    return tmp_path / "marts"


@dataclass(frozen=True)
class SnapshotRun:
    """The one run of the whole graph on the bundled snapshot a test session shares."""

    marts: Path
    check_evaluations: list[AssetCheckEvaluation]
    refresh: ExecuteInProcessResult  # the refresh job's result: its events and metadata


@pytest.fixture(scope="session")
def snapshot_run(tmp_path_factory: pytest.TempPathFactory) -> SnapshotRun:
    """ONE run of every asset and check on the bundled snapshot per test session (per xdist
    worker), with the kommuner of `raw_dir`. Read-only: a test gets its own copy of the marts
    from `published_marts`."""
    from test_pipeline import run_everything

    root = tmp_path_factory.mktemp("snapshot_run")
    _followed_raw_copy(root / "raw")
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, root)
        patch.setenv("KOLADA_API_URL", "http://127.0.0.1:9/v3")  # a snapshot run calls no API
        outcome = run_everything()
    assert outcome.success, "the run of the bundled snapshot failed"
    return SnapshotRun(
        root / "marts", outcome.refresh.get_asset_check_evaluations(), outcome.refresh
    )


@dataclass(frozen=True)
class BundledRun:
    """The one run of the committed configuration (every kommun of two län) a worker shares."""

    raw: Path
    marts: Path


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> BundledRun:
    """ONE run of everything on the committed data/raw, as `make run` makes it, per test
    worker. Read-only. Its tests carry `@pytest.mark.xdist_group("bundled_run")` so that
    `make test` (`--dist loadgroup`) runs them on one worker, which then makes it once."""
    from test_pipeline import run_everything

    root = tmp_path_factory.mktemp("bundled_run")
    shutil.copytree(PROJECT / "data" / "raw", root / "raw")
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, root)
        patch.setenv("KOLADA_API_URL", "http://127.0.0.1:9/v3")  # a snapshot run calls no API
        outcome = run_everything()
    assert outcome.success, "the run of the committed configuration failed"
    return BundledRun(root / "raw", root / "marts")


@pytest.fixture
def published_marts(snapshot_run: SnapshotRun, marts_dir: Path) -> Path:
    """`marts_dir` holding what a snapshot run of `raw_dir` publishes (a copy of the session's
    run): for the tests that start from the last good marts or only read them."""
    shutil.copytree(snapshot_run.marts, marts_dir)
    return marts_dir


@dataclass(frozen=True)
class LiveRun:
    """The one live run a test session shares, and the paths it asked the Kolada server for."""

    marts: Path
    kolada_paths: list[str]


@pytest.fixture(scope="session")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> LiveRun:
    """ONE live run of every asset and check per test session (per xdist worker): the tables of
    `all_tables()` from a local SCB server, the Kolada KPIs from a local Kolada server, the
    kommuner of `raw_dir`. Read-only, for the tests that check the marts of a live run (the
    refresh job: marts, no reports)."""
    from test_pipeline import run_refresh

    root = tmp_path_factory.mktemp("live_run")
    _followed_raw_copy(root / "raw")
    with (
        pytest.MonkeyPatch.context() as patch,
        KoladaServer(kolada_kpis()) as kolada,
        PxWebServer(all_tables(), max_calls=30, time_window=1) as scb,
    ):
        _isolate(patch, root)
        patch.setenv("KOLADA_API_URL", kolada.url)
        assert run_refresh(source="live", scb_api_url=scb.url).success, "the live run failed"
        paths = [r.path for r in kolada.requests]
    return LiveRun(root / "marts", paths)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One headless Chromium per test session (per xdist worker) for the browser tests."""
    path = chromium_path()
    if path is None:
        pytest.fail(
            "Chromium is needed for the browser tests: apt-get install chromium (.ci/run does this)."
        )
    browser = Chromium(path, tmp_path_factory.mktemp("chromium") / "profile")
    yield browser
    browser.close()


KOLADA_KPIS = ("N05401", "N00957", "N15428", "N07403", "N07540", "N02267")


def kolada_value(municipality: str, year: int, gender: str) -> float | None:
    """Kolada values for the local server: a formula the tests can recompute."""
    return round(50 + int(municipality) / 100 + (year - 2010) * 0.5, 1)


def kolada_titles() -> dict[str, str]:
    """Kolada's real titles of the KPIs (real catalogue rows shipped in data/raw/kolada/)."""
    import csv

    path = PROJECT / "data" / "raw" / "kolada" / "kpi_catalogue.csv"
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row["title"] for row in csv.DictReader(handle)}


def kolada_kpis() -> list[KoladaKpi]:
    """The KPIs of the local Kolada server, with their real titles."""
    titles = kolada_titles()
    return [KoladaKpi(k, titles[k], value=kolada_value) for k in KOLADA_KPIS]


@pytest.fixture(autouse=True)
def kolada(monkeypatch: pytest.MonkeyPatch, _isolated_env: None):
    """A local Kolada v3 server for every test; live runs fetch from it."""
    with KoladaServer(kolada_kpis()) as server:
        monkeypatch.setenv("KOLADA_API_URL", server.url)
        yield server


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's settings or writes into the project."""
    _isolate(monkeypatch, tmp_path)


def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "SEGREGATION_SOURCE",
        "SCB_API_URL",
        "SEGREGATION_RAW_DIR",
        "SEGREGATION_MARTS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEGREGATION_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("SEGREGATION_MARTS_DIR", str(tmp_path / "marts"))
    monkeypatch.setenv("SEGREGATION_RETRY_BUDGET", "20")
    monkeypatch.setenv("SEGREGATION_HTTP_TIMEOUT", "5")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def background_value(coords: dict[str, str]) -> float | None:
    """Counts by background for the local server: a formula the tests can recompute by hand.

    Where the DeSO tables below have data (Järfälla and Jönköping from 2010), the kommun's
    total and its people with utländsk bakgrund (08 + 4) are the DeSO sums, as in SCB's
    tables (the check `population_agrees_across_tables` compares them)."""
    kommun, year, code = int(coords["Region"]), int(coords["Tid"]), coords["UtlBakgrund"]
    region = coords["Region"]
    if region in DESO and 2010 <= year <= 2024:
        members = _members(region, year)
        total = sum(deso_people(d, year, "1+2") for d in members)
        foreign = sum(deso_foreign(d, year, "1+2") for d in members)
        parts = {"08": foreign * 2 // 3, "4": foreign - foreign * 2 // 3, "5": total // 10}
        parts["6"] = total - foreign - parts["5"]
        return float(total if code == "TotUI" else parts[code])
    parts = {
        "08": 1000 + kommun + 10 * (year - 2000),
        "4": 400 + kommun // 2 + 3 * (year - 2000),
        "5": 300 + 2 * (year - 2000),
        "6": 5000 + kommun,
    }
    if code == "TotUI":
        return float(sum(parts.values()))
    return float(parts[code])


KOMMUNER = [("0123", "Järfälla"), ("0680", "Jönköping"), ("0180", "Stockholm")]
BACKGROUND_CODES = [
    ("TotUI", "totalt"),
    ("08", "utrikes födda"),
    ("4", "två utrikes födda föräldrar"),
    ("5", "en utrikes född förälder"),
    ("6", "två inrikes födda föräldrar"),
]


def background_ckm_table(
    table_id: str = "UtlSvBakgFinCKM", updated: str = "2026-03-25T08:00:00Z"
) -> FakeTable:
    """The 2025 continuation: Kon and Alder must be selected (TotSa, tot)."""
    return FakeTable(
        id=table_id,
        label="Folkmängden efter region, utländsk/svensk bakgrund, ålder och kön. År 2025",
        updated=updated,
        variables=[
            Variable("Region", "region", KOMMUNER),
            Variable("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND_CODES),
            Variable("Alder", "ålder", [("tot", "totalt"), ("0-19", "0-19 år")]),
            Variable("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("TotSa", "totalt")]),
            Variable(
                "ContentsCode", "tabellinnehåll", [("000001NT", "Antal personer")], metric=True
            ),
            Variable("Tid", "år", [("2025", "2025")], time=True),
        ],
        value=background_value,
    )


def background_table(table_id: str = "TAB4824", updated: str = "2025-03-01T08:00:00Z") -> FakeTable:
    """A kommun-level table by background with the variables the catalog selects."""
    return FakeTable(
        id=table_id,
        label="Antal personer efter region, utländsk/svensk bakgrund och år",
        updated=updated,
        variables=[
            Variable("Region", "region", KOMMUNER),
            Variable("UtlBakgrund", "utländsk/svensk bakgrund", BACKGROUND_CODES),
            Variable(
                "ContentsCode", "tabellinnehåll", [("000001NT", "Antal personer")], metric=True
            ),
            Variable("Tid", "år", [(str(y), str(y)) for y in range(2000, 2025)], time=True),
        ],
        value=background_value,
    )


# -- DeSO tables for live runs: simple formulas a test can sum by hand ------------------


def _deso_of(kommun: str, division: str = "2018") -> list[str]:
    import pandas as pd

    name = (
        "koppling-deso2018-regso2020.csv"
        if division == "2018"
        else "koppling-deso2025-regso2025.csv"
    )
    key = pd.read_csv(
        PROJECT / "data" / "raw" / "geography" / name, dtype=str, encoding="utf-8-sig"
    )
    column = "DeSO_2018" if division == "2018" else "deso_2025"
    kommun_column = "Kommun" if division == "2018" else "kommun"
    return sorted(key.loc[key[kommun_column] == kommun, column])


# DeSO 2018 codes carry data to 2023, DeSO 2025 codes (suffixed _DeSO2025 in SCB's tables)
# from 2024, as SCB serves them since 2025.
DESO = {k: _deso_of(k) for k in ("0123", "0680")}
DESO25 = {k: _deso_of(k, "2025") for k in ("0123", "0680")}
SUFFIX = "_DeSO2025"
SEXES = [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]


def deso_people(deso: str, year: int, sex: str) -> int:
    """Residents of a DeSO by sex ("1+2" = both)."""
    if sex == "1+2":
        return deso_people(deso, year, "1") + deso_people(deso, year, "2")
    base = 500 + (int(deso[-4:]) % 97) * 10
    return base + (year - 2010) + (7 if sex == "2" else 0)


def deso_foreign(deso: str, year: int, sex: str) -> int:
    if sex == "1+2":
        return deso_foreign(deso, year, "1") + deso_foreign(deso, year, "2")
    return deso_people(deso, year, sex) * (1 + int(deso[-3:]) % 5) // 8


def deso_employed(deso: str, year: int, sex: str) -> tuple[int, int]:
    """(sysselsatta, totalt) 20-64."""
    if sex == "1+2":
        a, b = deso_employed(deso, year, "1"), deso_employed(deso, year, "2")
        return a[0] + b[0], a[1] + b[1]
    total = deso_people(deso, year, sex) // 2
    return total * (60 + int(deso[-2:]) % 30) // 100, total


def deso_education(deso: str, year: int, level: str) -> int:
    """Residents 25-64 by education level."""
    return (
        deso_people(deso, year, "1+2") * {"21": 1, "3+4": 4, "5": 2, "6": 2, "US": 1}[level] // 10
    )


def _members(region: str, year: int) -> list[str]:
    """The bare DeSO codes a region code stands for in a year (a kommun: all its DeSO)."""
    if region in DESO:
        return (DESO25 if year >= 2024 else DESO)[region]
    return [region.removesuffix(SUFFIX)]


def _in_division(region: str, year: int) -> bool:
    """SCB leaves a division's cells empty outside its years."""
    if len(region) == 4:
        return True
    return (year >= 2024) == region.endswith(SUFFIX)


def by_division(fn):
    """A cell function that is None (..) for the other division's years, called with a
    bare code otherwise."""

    def value(c):
        year = int(c["Tid"])
        if not _in_division(c["Region"], year):
            return None
        return fn({**c, "Region": c["Region"].removesuffix(SUFFIX)})

    return value


def _regions(
    with_kommun: bool, divisions: tuple[str, ...] = ("2018", "2025")
) -> list[tuple[str, str]]:
    kommun_rows = [("0123", "Järfälla"), ("0680", "Jönköping")] if with_kommun else []
    deso = []
    if "2018" in divisions:
        deso += [(d, d) for k in ("0123", "0680") for d in DESO[k]]
    if "2025" in divisions:
        deso += [(d + SUFFIX, d) for k in ("0123", "0680") for d in DESO25[k]]
    return kommun_rows + deso


def _years(a: int, b: int) -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(a, b + 1)]


# TAB6684's contents in the shape SCB labels them (the quartile codes are the predecessor
# TabVX3InkDesoN's: the pipeline finds them by label, whatever they are).
TAB6684_CONTENTS = [
    ("000006T3", "Antal personer"),
    ("000006T4", "Kvartil 1, andel personer, procent"),
    ("000006T5", "Kvartil 2, andel personer, procent"),
    ("000006T6", "Kvartil 3, andel personer, procent"),
    ("000006T7", "Kvartil 4, andel personer, procent"),
    ("000008AB", "Medianvärde, tkr"),
    ("000006T8", "Medelvärde, tkr"),
]
QUARTILE_CODES = {"000006T4": 1, "000006T5": 2, "000006T6": 3, "000006T7": 4}


def deso_tables(updated: str = "2025-03-01T08:00:00Z") -> list[FakeTable]:
    def population(c):
        year = int(c["Tid"])
        regions = _members(c["Region"], year)
        total = sum(deso_people(d, year, c["Kon"]) for d in regions)
        foreign = sum(deso_foreign(d, year, c["Kon"]) for d in regions)
        return float({"SA": total, "1": foreign, "2": total - foreign}[c["UtlBakgrund"]])

    def employment(c):
        index = 0 if c["ContentsCode"] == "0000089X" else 1
        return float(deso_employed(c["Region"], int(c["Tid"]), c["Kon"])[index])

    def median(c):
        return float(200 + int(c["Region"][-2:]) + int(c["Tid"]) - 2011)

    def economic_standard(c):
        # the same table also serves the shares (%) per national quartile of ekonomisk standard
        quartile = QUARTILE_CODES.get(c["ContentsCode"])
        if quartile == 1:
            return float(10 + int(c["Region"][-1:]))
        if quartile == 4:
            return float(30 - int(c["Region"][-1:]))
        if quartile is not None:
            return 25.0
        return median(c)

    def low_standard(c):
        return float(5 + int(c["Region"][-1:]))

    def education(c):
        year = int(c["Tid"])
        return float(
            sum(deso_education(d, year, c["UtbildningsNiva"]) for d in _members(c["Region"], year))
        )

    return [
        FakeTable(
            "TAB6571",
            "Folkmängd per DeSO",
            updated,
            [
                Variable("Region", "region", _regions(True)),
                Variable(
                    "UtlBakgrund",
                    "bakgrund",
                    [("1", "utländsk"), ("2", "svensk"), ("SA", "totalt")],
                ),
                Variable("Kon", "kön", SEXES),
                Variable(
                    "ContentsCode", "tabellinnehåll", [("000007Y4", "Folkmängd")], metric=True
                ),
                Variable("Tid", "år", _years(2010, 2024), time=True),
            ],
            by_division(population),
        ),
        FakeTable(
            "TAB6680",
            "Sysselsättning per DeSO",
            updated,
            [
                Variable("Region", "region", _regions(False)),
                Variable("Kon", "kön", SEXES),
                Variable("Alder", "ålder", [("16-64", "16-64"), ("20-64", "20-64")]),
                Variable(
                    "ContentsCode",
                    "tabellinnehåll",
                    [("0000089X", "sysselsatta"), ("0000089Y", "totalt")],
                    metric=True,
                ),
                Variable("Tid", "år", _years(2020, 2024), time=True),
            ],
            by_division(employment),
        ),
        FakeTable(
            "TAB6684",
            "Ekonomisk standard per DeSO",
            updated,
            [
                Variable("Region", "region", _regions(True)),
                Variable(
                    "ContentsCode",
                    "tabellinnehåll",
                    TAB6684_CONTENTS,
                    metric=True,
                ),
                Variable("Tid", "år", _years(2011, 2024), time=True),
            ],
            by_division(economic_standard),
        ),
        FakeTable(
            "TAB6685",
            "Låg ekonomisk standard per DeSO",
            updated,
            [
                Variable("Region", "region", _regions(True)),
                Variable("Alder", "ålder", [("tot", "totalt")]),
                Variable("ContentsCode", "tabellinnehåll", [("000008AC", "andel")], metric=True),
                Variable("Tid", "år", _years(2011, 2024), time=True),
            ],
            by_division(low_standard),
        ),
        FakeTable(
            "TAB5956",
            "Utbildning per DeSO",
            updated,
            [
                Variable("Region", "region", _regions(True, ("2018",))),
                Variable(
                    "UtbildningsNiva", "nivå", [(c, c) for c in ("21", "3+4", "5", "6", "US")]
                ),
                Variable("ContentsCode", "tabellinnehåll", [("000005MO", "antal")], metric=True),
                Variable("Tid", "år", _years(2015, 2023), time=True),
            ],
            by_division(education),
        ),
        FakeTable(
            "TAB6534",
            "Utbildning 25-65 år per DeSO 2025",
            updated,
            [
                Variable("Region", "region", _regions(True, ("2025",))),
                Variable(
                    "UtbildningsNiva", "nivå", [(c, c) for c in ("21", "3+4", "5", "6", "US")]
                ),
                Variable("ContentsCode", "tabellinnehåll", [("000007Z6", "antal")], metric=True),
                Variable("Tid", "år", _years(2024, 2024), time=True),
            ],
            by_division(education),
        ),
    ]


def all_tables(updated: str = "2025-03-01T08:00:00Z") -> list[FakeTable]:
    return [
        background_table(updated=updated),
        background_ckm_table(),
        *deso_tables(updated),
        omradestyp_table(updated=updated),
    ]


# -- områdestyp per RegSO (SCB's TAB6586) for live runs ------------------------------------
# Constructed input shares; SCB's type in the table is worked out here with the standard
# library (statistics.fmean / pstdev over the RegSO of the year), independently of the
# pipeline's code. 000008IT (index) and 000008IU (type) are TAB6586's codes as public clients
# query them; the others are made up for the local server: the pipeline recognises those
# contents by their labels.

OMRADESTYP_CONTENTS = [
    ("000008IU", "Områdestyp"),
    ("000008IT", "Socioekonomiskt index"),
    ("0000XLES", "Andel personer med låg ekonomisk standard, procent"),
    ("0000XFGU", "Andel 20-64 år med förgymnasial utbildning, procent"),
    ("0000XEBA", "Andel 20-64 år med ekonomiskt bistånd och/eller långtidsarbetslöshet, procent"),
    ("0000XPOP", "Folkmängd"),  # a content the pipeline does not use
]
SUFFIX_REGSO = "_RegSO2025"


def _regso_of(kommun: str, division: str) -> list[tuple[str, str]]:
    import pandas as pd

    if division == "2020":
        key = pd.read_csv(
            PROJECT / "data" / "raw" / "geography" / "koppling-deso2018-regso2020.csv",
            dtype=str,
            encoding="utf-8-sig",
        )
        rows = key[key["Kommun"] == kommun]
        pairs = zip(rows["RegSOkod_2020"], rows["RegSO_2020"], strict=True)
    else:
        key = pd.read_csv(
            PROJECT / "data" / "raw" / "geography" / "koppling-deso2025-regso2025.csv",
            dtype=str,
            encoding="utf-8-sig",
        )
        rows = key[key["kommun"] == kommun]
        pairs = zip(rows["regso_2025"], rows["regso_name"], strict=True)
    return sorted(set(pairs))


OMRADESTYP_KOMMUNER = {"0123": "Järfälla", "0680": "Jönköping"}
REGSO20 = {k: _regso_of(k, "2020") for k in OMRADESTYP_KOMMUNER}
REGSO25 = {k: _regso_of(k, "2025") for k in OMRADESTYP_KOMMUNER}
OMRADESTYP_YEARS = (2021, 2022, 2023, 2024)


def regso_shares(regso: str, year: int) -> tuple[float, float, float]:
    """(låg ekonomisk standard, förgymnasial, bistånd/arbetslös) in per cent, one decimal."""
    n = int(regso[5:8]) * 7 + year
    return (4.0 + (n % 11) * 2.5, 6.0 + (n % 7) * 3.1, 1.5 + (n % 5) * 2.2)


def scb_types(year: int) -> dict[str, int]:
    """SCB's type of every RegSO of the local table in a year, from the index's mean and
    population standard deviation over those RegSO (lower bounds inclusive)."""
    import statistics

    codes = [c for k in OMRADESTYP_KOMMUNER for c, _ in (REGSO25 if year >= 2024 else REGSO20)[k]]
    index = {c: sum(regso_shares(c, year)) / 3 for c in codes}
    mean, sd = statistics.fmean(index.values()), statistics.pstdev(index.values())
    types = {}
    for code, x in index.items():
        z = (x - mean) / sd
        types[code] = 1 if z >= 2 else 2 if z >= 1 else 3 if z >= 0 else 4 if z >= -1 else 5
    return types


def omradestyp_table(
    table_id: str = "TAB6586",
    updated: str = "2025-03-01T08:00:00Z",
    disagree: tuple[str, ...] = (),
) -> FakeTable:
    """Both RegSO divisions of Järfälla and Jönköping in one Region variable (bare RegSO 2020
    codes to 2023, codes suffixed _RegSO2025 for 2024), a kommun row the selection must leave
    out, and every content. `disagree`: RegSO whose published type is one step off the
    computed one (as if SCB had revised it), for the recomputation check."""
    regions = [("0123", "Järfälla")]
    for k, name in OMRADESTYP_KOMMUNER.items():
        regions += [(code, f"{name} ({label})") for code, label in REGSO20[k]]
        regions += [(code + SUFFIX_REGSO, f"{code} {name} ({label})") for code, label in REGSO25[k]]
    types = {y: scb_types(y) for y in OMRADESTYP_YEARS}

    def value(c: dict[str, str]) -> float | None:
        region, year = c["Region"], int(c["Tid"])
        if len(region) == 4 or region.endswith(SUFFIX_REGSO) != (year >= 2024):
            return None
        code = region.removesuffix(SUFFIX_REGSO)
        shares = regso_shares(code, year)
        content = c["ContentsCode"]
        if content == "000008IU":
            t = types[year][code]
            return float(t + (1 if t < 5 else -1) if code in disagree else t)
        if content == "000008IT":
            return round(sum(shares) / 3, 1)
        if content == "0000XPOP":
            return 1000.0
        return shares[["0000XLES", "0000XFGU", "0000XEBA"].index(content)]

    return FakeTable(
        table_id,
        "Socioekonomiskt index och områdestyp efter region och år",
        updated,
        [
            Variable("Region", "region", regions),
            Variable("ContentsCode", "tabellinnehåll", OMRADESTYP_CONTENTS, metric=True),
            Variable("Tid", "år", [(str(y), str(y)) for y in OMRADESTYP_YEARS], time=True),
        ],
        value,
    )
