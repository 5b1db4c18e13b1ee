"""`segregation check`: the pre-flight check of files, coverage and catalog, offline and live.

Live cases run against the local PxWebApi 2.0 and Kolada servers; each case changes one thing
in a copy of the catalog or the analyst's files and expects the check to name it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import all_tables
from pxweb_server import PxWebServer

from pipelines.cli import main
from pipelines.core.settings import Settings
from pipelines.sources.preflight import ERROR, NOTE, run_check

TABLES_FILE = Path(__file__).parent / "fixtures" / "scb" / "tables.json"


def settings_for(raw_dir: Path, **env: str) -> Settings:
    """The test's environment (local Kolada server, short timeouts) with these settings."""
    return Settings.from_env({**os.environ, "SEGREGATION_RAW_DIR": str(raw_dir), **env})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(report, status: str = ERROR) -> list[str]:
    return [f"{f.subject}: {f.message}" for f in report.findings if f.status == status]


def test_the_bundled_snapshot_passes_offline(raw_dir, capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "inga fel" in out
    # every table of every request, every KPI and the three kinds of file are in the table
    for subject in ("TAB4824", "UtlSvBakgFinCKM", "TAB5956", "TAB6534", "N02267", "focus_areas"):
        assert subject in out


def test_a_kommun_the_snapshot_lacks_is_named_with_what_to_do(raw_dir, capsys):
    with (raw_dir / "areas" / "kommuner.csv").open("a", encoding="utf-8") as handle:
        handle.write("1280,Malmö\n")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    lacking = [line for line in out.splitlines() if "saknar kommun 1280" in line]
    # the kommun table, its 2025 continuation, four DeSO tables with kommun rows (education
    # twice): every table that lists kommuner says so, and Kolada too
    assert len(lacking) == 7
    assert "saknar DeSO i kommun 1280" in out  # the employment table has DeSO rows only
    assert "saknar Kolada-data för kommun 1280" in out
    assert "SEGREGATION_SOURCE=live" in out


def test_an_unknown_lan_in_kommuner_csv_is_the_one_error_shown(raw_dir, capsys):
    """A kommuner.csv saved by Excel (BOM, `;`, CRLF) naming a län that does not exist: the
    file's line is the error; the tables, whose selection follows the kommuner, wait."""
    (raw_dir / "areas" / "kommuner.csv").write_bytes(
        "\ufeffkommun;namn\r\n0123;Järfälla\r\nlän 66;Fel län\r\n".encode()
    )
    assert main(["check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    errors = [line for line in lines if " fel " in line]
    assert len(errors) == 1, "\n".join(lines)
    assert "rad 3: län 66 har ingen kommun" in errors[0] and "06" in errors[0]
    assert any("kontrolleras när areas/kommuner.csv är rättad" in line for line in lines)


def test_a_bad_area_file_is_reported_with_file_and_line(raw_dir):
    edit(raw_dir / "areas" / "focus_areas.csv", "DeSO2025,0680C1071", "DeSO2025,0680C1070")
    report = run_check(settings_for(raw_dir))
    assert not report.ok
    assert any(
        "rad" in p and "0680C1070 finns inte i SCB:s indelning DeSO 2025" in p
        for p in problems(report)
    )


def test_an_unknown_kpi_and_a_title_that_does_not_match_offline(raw_dir):
    catalog = raw_dir / "catalog.toml"
    edit(catalog, 'kpi = "N07403"', 'kpi = "N99999"')
    edit(catalog, 'kpi_title = "Ohälsotal, dagar"', 'kpi_title = "Ohälsotal, procent"')
    report = run_check(settings_for(raw_dir))
    errors = problems(report)
    assert any(p.startswith("N99999") and "inget nyckeltal N99999" in p for p in errors)
    assert any(p.startswith("N00957") and "titeln stämmer inte" in p for p in errors)
    assert len(errors) == 2


@pytest.fixture
def scb():
    with PxWebServer(all_tables(), max_calls=100, time_window=1) as server:
        server.add_listing(json.loads(TABLES_FILE.read_text(encoding="utf-8"))["tables"])
        yield server


def live_check(raw_dir: Path, scb: PxWebServer):
    return run_check(settings_for(raw_dir, SEGREGATION_SOURCE="live", SCB_API_URL=scb.url))


def test_live_check_passes_and_makes_metadata_calls_only(raw_dir, scb, kolada):
    report = live_check(raw_dir, scb)
    assert report.ok, report.table()
    assert scb.data_requests() == []
    paths = {r.path.split("/api/v2")[-1] for r in scb.requests}
    assert all(re.fullmatch(r"/config|/tables/\w+(/metadata)?", p) for p in paths), paths
    assert [r.path.split("/")[-2] for r in kolada.requests] == ["kpi"]
    # the local server's tables are newer than the snapshot's fetches: the run will fetch them
    assert any("körningen hämtar den" in p for p in problems(report, NOTE))


def test_wrong_table_id_suggests_candidates_from_scbs_table_search(raw_dir, scb, kolada):
    # a table in the v1 folder AM/AM0211/AM0211A, under an id SCB does not have
    catalog = raw_dir / "catalog.toml"
    edit(catalog, 'table_id = "TAB6680"', 'table_id = "TAB9999"')
    edit(
        catalog,
        'v1_path = "AM/AM0210/AM0210G/ArRegDesoStatusN"',
        'v1_path = "AM/AM0211/AM0211A/Okand"',
    )
    report = live_check(raw_dir, scb)
    [error] = [p for p in problems(report) if p.startswith("TAB9999")]
    assert "SCB känner inte till tabellen" in error
    listed = json.loads(TABLES_FILE.read_text(encoding="utf-8"))["tables"]
    in_folder = [t["id"] for t in listed if t["paths"][0][-1]["id"] == "AM0211A"]
    assert len(in_folder) >= 5
    for table_id in in_folder[:5]:
        assert table_id in error
    searches = [r for r in scb.requests if r.path.endswith("/tables") and "query" in r.query]
    assert [s.query["query"] for s in searches] == [["Okand"], ["AM0211A"]]
    assert scb.data_requests() == []


def test_renamed_variable_and_unknown_code_are_named(raw_dir, scb, kolada):
    catalog = raw_dir / "catalog.toml"
    edit(catalog, 'UtbildningsNiva = ["21"', 'Utbildningsniva = ["21"')
    edit(catalog, 'Alder = ["20-64"]', 'Alder = ["20-65"]')
    report = live_check(raw_dir, scb)
    errors = problems(report)
    assert any(
        p.startswith("TAB5956") and "ingen variabel Utbildningsniva" in p and "UtbildningsNiva" in p
        for p in errors
    )
    assert any(p.startswith("TAB6680") and "'20-65'" in p for p in errors)


def test_year_range_behind_scb_is_noted_and_a_year_scb_lacks_is_an_error(raw_dir, scb, kolada):
    catalog = raw_dir / "catalog.toml"
    # employment: the catalog stops at 2023 though the table has 2024
    edit(
        catalog,
        'v1_path = "AM/AM0210/AM0210G/ArRegDesoStatusN"\nfirst_year = 2020\nlast_year = 2024',
        'v1_path = "AM/AM0210/AM0210G/ArRegDesoStatusN"\nfirst_year = 2020\nlast_year = 2023',
    )
    # low economic standard: the catalog asks for 2025, which the table does not have
    edit(
        catalog,
        'v1_path = "HE/HE0110/HE0110I/Tab4InkDesoRegso"\nfirst_year = 2011\nlast_year = 2024',
        'v1_path = "HE/HE0110/HE0110I/Tab4InkDesoRegso"\nfirst_year = 2011\nlast_year = 2025',
    )
    report = live_check(raw_dir, scb)
    assert any(
        p.startswith("TAB6680") and "SCB har nyare år: 2024" in p for p in problems(report, NOTE)
    )
    assert not any(p.startswith("TAB6680") for p in problems(report))  # a note, not an error
    assert any(
        p.startswith("TAB6685") and "katalogen slutar 2025, tabellen har 2011–2024" in p
        for p in problems(report)
    )


def test_unknown_kpi_live(raw_dir, scb, kolada):
    edit(raw_dir / "catalog.toml", 'kpi = "N15428"', 'kpi = "N15429"')
    report = live_check(raw_dir, scb)
    assert [p for p in problems(report)] == [
        "N15429 (behoriga_gymnasiet): Kolada har inget nyckeltal N15429"
    ]


def test_a_live_run_whose_check_fails_makes_no_data_call(
    raw_dir, marts_dir, scb, kolada, capsys, monkeypatch
):
    edit(raw_dir / "catalog.toml", 'table_id = "TAB6571"', 'table_id = "TAB6570"')
    monkeypatch.setenv("SEGREGATION_SOURCE", "live")
    monkeypatch.setenv("SCB_API_URL", scb.url)
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "TAB6570" in err and "SCB känner inte till tabellen" in err
    assert scb.data_requests() == []
    assert not any("/data/" in r.path for r in kolada.requests)
    assert not (marts_dir / "segregation.duckdb").exists()
