"""Shared fixtures: a copy of the raw layer per test, and an SCB-like table for the local server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pxweb_server import FakeTable, Variable  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
PUBLISHED_TABELL1 = PROJECT / "data" / "raw" / "published" / "jarfalla_tabell1_2005_2015.csv"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A private copy of data/raw, so tests never touch the committed snapshot."""
    target = tmp_path / "raw"
    shutil.copytree(PROJECT / "data" / "raw", target)
    return target


@pytest.fixture
def marts_dir(tmp_path: Path) -> Path:
    return tmp_path / "marts"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's settings or writes into the project."""
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
    """Counts by background for the local server: a formula the tests can recompute by hand."""
    kommun, year, code = int(coords["Region"]), int(coords["Tid"]), coords["UtlBakgrund"]
    parts = {
        "08": 1000 + kommun + 10 * (year - 2000),
        "4": 400 + kommun // 2 + 3 * (year - 2000),
        "5": 300 + 2 * (year - 2000),
        "6": 5000 + kommun,
    }
    if code == "TotUI":
        return float(sum(parts.values()))
    return float(parts[code])


def background_table(table_id: str = "TAB4824", updated: str = "2025-03-01T08:00:00Z") -> FakeTable:
    """A kommun-level table by background with the variables the catalog selects."""
    return FakeTable(
        id=table_id,
        label="Antal personer efter region, utländsk/svensk bakgrund och år",
        updated=updated,
        variables=[
            Variable(
                "Region",
                "region",
                [("0123", "Järfälla"), ("0680", "Jönköping"), ("0180", "Stockholm")],
            ),
            Variable(
                "UtlBakgrund",
                "utländsk/svensk bakgrund",
                [
                    ("TotUI", "totalt"),
                    ("08", "utrikes födda"),
                    ("4", "två utrikes födda föräldrar"),
                    ("5", "en utrikes född förälder"),
                    ("6", "två inrikes födda föräldrar"),
                ],
            ),
            Variable(
                "ContentsCode", "tabellinnehåll", [("000001NT", "Antal personer")], metric=True
            ),
            Variable("Tid", "år", [(str(y), str(y)) for y in range(2000, 2025)], time=True),
        ],
        value=background_value,
    )
