"""The whole graph, materialised by Dagster into a temporary DuckDB file."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT, PUBLISHED_TABELL1, all_tables, background_value
from dagster import DagsterInstance, ExecuteInProcessResult
from pxweb_server import PxWebServer

from pipelines.definitions import defs
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.resources import PipelineResource
from pipelines.orchestration.runs import RunOutcome, refresh_and_report

SHARED_TABELL1 = PROJECT.parent / "shared" / "reference" / "jarfalla_tabell1_2005_2015.csv"


def run_everything(
    instance: DagsterInstance | None = None, force: bool = False, **resource_fields
) -> RunOutcome:
    """What `segregation run` does: the refresh, then the reports that need rendering."""
    return refresh_and_report(
        defs,
        instance or DagsterInstance.ephemeral(),
        force=force,
        pipeline=PipelineResource(**resource_fields),
    )


def run_refresh(force: bool = False, **resource_fields) -> ExecuteInProcessResult:
    """The `refresh_all` job alone (fetch, models, checks, publishing the marts), without the
    committee reports: for the tests about the marts. `force` rebuilds even when nothing
    changed."""
    config = {"ops": {INPUTS.to_python_identifier(): {"config": {"force": True}}}} if force else {}
    return defs.resolve_job_def("refresh_all").execute_in_process(
        run_config=config,
        instance=DagsterInstance.ephemeral(),
        resources={"pipeline": PipelineResource(**resource_fields)},
        raise_on_error=False,
    )


def run_all(force: bool = False, **resource_fields) -> bool:
    return run_everything(force=force, **resource_fields).success


def mart(marts_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(marts_dir / "segregation.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def fingerprints(marts_dir: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(marts_dir.iterdir())
        if p.is_file()
    }


def test_snapshot_run_reproduces_every_share_of_tabell_1(raw_dir, published_marts):
    marts_dir = published_marts
    with PUBLISHED_TABELL1.open(encoding="utf-8") as handle:
        published = list(csv.DictReader(handle))
    assert len(published) == 11
    rows = {
        r[0]: r[1:]
        for r in mart(
            marts_dir,
            """SELECT year, utrikes_fodda_antal, utrikes_fodda_andel,
                      inrikes_fodda_tva_utrikes_foraldrar_antal, inrikes_fodda_tva_utrikes_foraldrar_andel,
                      inrikes_fodda_ovriga_antal, inrikes_fodda_ovriga_andel, demo
               FROM marts.population_background WHERE kommun = '0123'""",
        )
    }
    for row in published:
        year = int(row["ar"])
        u_n, u_p, t_n, t_p, o_n, o_p, demo = rows[year]
        assert (u_n, t_n, o_n) == (
            int(row["utrikes_fodda_antal"]),
            int(row["inrikes_fodda_tva_utrikes_foraldrar_antal"]),
            int(row["inrikes_fodda_ovriga_antal"]),
        )
        assert f"{u_p:.1f}" == row["utrikes_fodda_andel"], year
        assert f"{t_p:.1f}" == row["inrikes_fodda_tva_utrikes_foraldrar_andel"], year
        assert f"{o_p:.1f}" == row["inrikes_fodda_ovriga_andel"], year
        assert demo is False
    # everything outside the published years is demo data, and says so
    assert mart(
        marts_dir,
        "SELECT bool_and(demo) FROM marts.population_background WHERE NOT (kommun = '0123' AND year <= 2015)",
    ) == [(True,)]
    assert (marts_dir / "population_background.parquet").exists()
    assert (marts_dir / "population_background.csv").exists()


def test_bundled_published_figures_are_the_reference_ones():
    """The bundled Tabell 1 is the reference copy, and its shares follow from its counts."""
    if SHARED_TABELL1.exists():  # the reference folder sits beside the repository in CI
        assert PUBLISHED_TABELL1.read_bytes() == SHARED_TABELL1.read_bytes()
    with PUBLISHED_TABELL1.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            groups = [
                "utrikes_fodda",
                "inrikes_fodda_tva_utrikes_foraldrar",
                "inrikes_fodda_ovriga",
            ]
            total = sum(int(row[f"{g}_antal"]) for g in groups)
            for g in groups:
                assert abs(100 * int(row[f"{g}_antal"]) / total - float(row[f"{g}_andel"])) <= 0.05


def test_live_run_fetches_through_the_api_and_stores_responses(raw_dir, marts_dir, kolada):
    # a tight call limit: the run's assets share one client and one rate limiter
    with PxWebServer(all_tables(), max_calls=3, time_window=0.5) as server:
        assert run_refresh(source="live", scb_api_url=server.url).success  # marts, no reports
        first_data_calls = len(server.data_requests())
        first_calls, first_kolada = len(server.requests), len(kolada.requests)
        # Nothing changed at the source: the second run asks only whether tables changed.
        assert run_refresh(source="live", scb_api_url=server.url).success
        assert len(server.data_requests()) == first_data_calls
        second = [r.path.split("/api/v2")[-1] for r in server.requests[first_calls:]]
        second_kolada = [r.path for r in kolada.requests[first_kolada:]]
        assert server.rate_violations() == 0
        assert sum(1 for r in server.requests if r.path.endswith("/config")) == 2  # once per run
    assert sorted(second) == ["/config"] + sorted(
        f"/tables/{t}"
        for t in (
            "TAB4824",
            "UtlSvBakgFinCKM",
            "TAB5956",
            "TAB6534",
            "TAB6571",
            "TAB6680",
            "TAB6684",
            "TAB6685",
            "TAB6586",
        )
    )
    assert [p.split("/")[-2] for p in second_kolada] == ["kpi"]  # Kolada: one call, no data
    # one per table and request (TAB6684 serves two requests, the områdestyp table one):
    # every selection fits in 150 000 cells
    assert first_data_calls == 10
    rows = mart(
        marts_dir,
        "SELECT kommun, year, utrikes_fodda_antal, totalt_antal, utrikes_fodda_andel, demo FROM marts.population_background",
    )
    assert {r[0] for r in rows} == {"0123", "0680"}  # Stockholm is in the table but not configured
    for kommun, year, n08, total, share, demo in rows:
        coords = {"Region": kommun, "Tid": str(year)}
        expected_08 = background_value({**coords, "UtlBakgrund": "08"})
        expected_total = sum(
            background_value({**coords, "UtlBakgrund": c}) for c in ("08", "4", "5", "6")
        )
        assert n08 == expected_08 and total == expected_total
        assert share == pytest.approx(100 * expected_08 / expected_total, abs=1e-4)
        assert demo is False
    manifest = json.loads(
        (raw_dir / "scb" / "TAB4824" / "population_background" / "manifest.json").read_text()
    )
    assert manifest["updated"] == "2025-03-01T08:00:00Z"
    part = manifest["files"][-1]
    assert part["url"].startswith(server.url) and part["method"] == "POST"
    stored = (raw_dir / "scb" / "TAB4824" / "population_background" / part["file"]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == part["sha256"]


def test_failed_fetch_leaves_previous_marts_readable_and_unchanged(raw_dir, published_marts):
    marts_dir = published_marts
    before = fingerprints(marts_dir)
    with PxWebServer(all_tables(), max_calls=50) as server:
        server.inject("status", status=503, path_contains="/tables", times=1000)
        assert not run_all(source="live", scb_api_url=server.url, backoff_base=0.01)
    assert fingerprints(marts_dir) == before
    assert mart(marts_dir, "SELECT count(*) FROM marts.population_background")[0][0] > 0


def test_tampered_snapshot_is_an_error_not_a_silent_change(raw_dir, marts_dir):
    part = raw_dir / "scb" / "TAB4824" / "population_background" / "part-001.json.gz"
    changed = gzip.decompress(part.read_bytes()).replace(b"12065", b"12066")
    part.write_bytes(gzip.compress(changed, mtime=0))  # a valid gzip file, other numbers
    assert not run_all()
    assert not (marts_dir / "segregation.duckdb").exists()


def test_snapshot_without_a_configured_kommun_says_how_to_get_it(raw_dir, marts_dir):
    from pipelines.registry.catalog import load_catalog
    from pipelines.sources.raw_store import RawStore, RawStoreError
    from pipelines.sources.scb.snapshot import load_request

    request = load_catalog(raw_dir).request("population_background")
    with pytest.raises(RawStoreError, match="1280.*SEGREGATION_SOURCE=live"):
        load_request(RawStore(raw_dir), request, ["0123", "1280"])


def test_committed_snapshot_is_what_the_documented_builder_makes(bundled_raw_dir):
    from pipelines.demo.builder import build_all

    raw_dir = bundled_raw_dir
    build_all(raw_dir, raw_dir / "published" / "jarfalla_tabell1_2005_2015.csv")
    committed = sorted((PROJECT / "data" / "raw" / "scb").rglob("*.json*"))
    committed += sorted((PROJECT / "data" / "raw" / "kolada").rglob("*.json"))
    assert len(committed) >= 6 * 4
    for path in committed:
        if path.name == "manifest.json":
            continue  # carries the time it was written
        rebuilt = raw_dir / path.relative_to(PROJECT / "data" / "raw")
        assert rebuilt.read_bytes() == path.read_bytes(), path
