"""What the analyst reads on the terminal is Swedish: `segregation check` and `segregation run`
against the local PxWebApi server, with faults no retry can fix (a table SCB does not know, a
data request refused with 403). SCB's own quoted text is the only English allowed."""

from __future__ import annotations

import re

import pytest
from test_check import edit, scb  # noqa: F401 (scb is a fixture)

from pipelines.cli import main

# words and phrases of the English messages the source layer used to print
ENGLISH = [
    "gave up",
    "attempts",
    "refused",
    "rejected",
    "server said",
    "the server",
    "does not know",
    "cannot be found",
    "try again",
    "failed",
    "previous table",
    "is kept",
    "no data",
    "stored data",
    "missing",
    "unchanged",
    "table:",
    "selection:",
    "check the",
    "update the",
    "the catalog",
    "most often",
    "first fetch",
]


def english_in(terminal: str) -> list[str]:
    """The old English words found outside the server's own quoted text ("SCB svarade: …")."""
    own = re.sub(r"SCB svarade: .*", "", terminal).lower()
    return [word for word in ENGLISH if word in own]


def live(monkeypatch: pytest.MonkeyPatch, server) -> None:
    monkeypatch.setenv("SEGREGATION_SOURCE", "live")
    monkeypatch.setenv("SCB_API_URL", server.url)


def test_check_of_a_table_scb_does_not_know_speaks_swedish(raw_dir, scb, capsys, monkeypatch):  # noqa: F811
    edit(raw_dir / "catalog.toml", 'table_id = "TAB6571"', 'table_id = "TAB6570"')
    live(monkeypatch, scb)
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert "TAB6570" in terminal and "SCB känner inte till tabellen" in terminal
    assert english_in(terminal) == [], terminal


def test_run_that_scb_answers_403_speaks_swedish_and_quotes_scb(
    raw_dir,
    marts_dir,
    scb,  # noqa: F811
    capsys,
    monkeypatch,
):
    scb.inject("status", status=403, times=1000, path_contains="/data")
    live(monkeypatch, scb)
    assert main(["run"]) == 1
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert "SCB nekade frågan (403)" in terminal, terminal
    assert "minska urvalet i data/raw/catalog.toml" in terminal, terminal
    assert "Körningen misslyckades" in terminal
    assert "Traceback" not in terminal and "ScbRequestError" not in terminal
    assert "FEL i raw/scb_population_background: SCB nekade frågan (403)" in terminal
    assert f"; tabell: TAB4824; url: {scb.url}/tables/TAB4824/data" in terminal
    assert english_in(terminal) == [], terminal
    assert scb.data_requests(), "the run never asked SCB for data"
    assert not (marts_dir / "segregation.duckdb").exists()
