"""docs/marts.md and the Dagster column schema come from the marts' `-- column` header lines:
the page must be what the generator writes now, and after a real run every column of every
mart has a description and no description names a column the mart lacks."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT
from dagster import AssetKey

from pipelines.warehouse.models import discover_models
from pipelines.warehouse.reference import main, render_marts

MARTS = [m for m in discover_models() if m.layer == "marts"]


def test_docs_marts_md_is_what_the_generator_writes_now():
    committed = (PROJECT / "docs" / "marts.md").read_text(encoding="utf-8")
    assert committed == render_marts(discover_models()), "docs/marts.md is stale: run `make docs`"


def test_check_mode_tells_a_stale_page_from_a_current_one(tmp_path: Path):
    page = tmp_path / "marts.md"
    assert main(["--out", str(page)]) == 0
    assert main(["--out", str(page), "--check"]) == 0
    page.write_text(page.read_text(encoding="utf-8").replace("kommunkod", "kod"), "utf-8")
    assert main(["--out", str(page), "--check"]) == 1


def test_column_lines_are_parsed_apart_from_the_description(tmp_path: Path):
    (tmp_path / "marts").mkdir(parents=True)
    (tmp_path / "staging").mkdir()
    (tmp_path / "marts" / "example.sql").write_text(
        "-- Exempel på en mart.\n"
        "-- column kommun: kommunkod (fyra siffror)\n"
        "-- column andel: andel (%) | räknad från antal\n"
        "-- depends_on: staging.x\n"
        "-- unique_key: kommun\n"
        "SELECT 1 AS kommun, 2 AS andel\n",
        encoding="utf-8",
    )
    (model,) = discover_models(tmp_path)
    assert model.description == "Exempel på en mart."
    assert model.columns == {
        "kommun": "kommunkod (fyra siffror)",
        "andel": "andel (%) | räknad från antal",
    }
    page = render_marts([model])
    assert "| `kommun` | kommunkod (fyra siffror) |" in page
    assert "| `andel` | andel (%) \\| räknad från antal |" in page
    assert "Unique key: `kommun`." in page


def test_a_column_described_twice_is_an_error(tmp_path: Path):
    (tmp_path / "marts").mkdir(parents=True)
    (tmp_path / "staging").mkdir()
    (tmp_path / "marts" / "twice.sql").write_text(
        "-- Två gånger.\n-- column a: ett\n-- column a: två\nSELECT 1 AS a\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="described twice"):
        discover_models(tmp_path)


def test_every_mart_column_is_described_after_a_snapshot_run(snapshot_run):
    con = duckdb.connect(str(snapshot_run.marts / "segregation.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts' ORDER BY table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    in_duckdb: dict[str, list[str]] = {}
    for table, column in rows:
        in_duckdb.setdefault(table, []).append(column)
    assert sorted(in_duckdb) == sorted(m.name for m in MARTS)
    for model in MARTS:
        undescribed = [c for c in in_duckdb[model.name] if not model.columns.get(c)]
        phantom = sorted(set(model.columns) - set(in_duckdb[model.name]))
        assert not undescribed, f"{model.path.name}: no `-- column` line for {undescribed}"
        assert not phantom, f"{model.path.name}: describes columns the mart lacks: {phantom}"

    # the same descriptions reach the column schema the Dagster UI shows
    for model in MARTS:
        materialization = _materialization(snapshot_run.refresh, AssetKey(["marts", model.name]))
        schema = materialization.metadata["dagster/column_schema"].schema
        shown = {column.name: column.description for column in schema.columns}
        assert shown == {c: model.columns[c] for c in in_duckdb[model.name]}, model.name


def _materialization(result, key: AssetKey):
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return event.event_specific_data.materialization
    raise AssertionError(f"{key.to_user_string()} was not materialised")
