"""Running as a service: faults end in success or a clear failure with marts untouched,
readers are never disturbed, the nightly schedule fires, and the UI loads the code location."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests
from conftest import PROJECT, all_tables
from dagster import DagsterInstance, build_schedule_context
from pxweb_server import PxWebServer
from test_pipeline import fingerprints, run_refresh

from pipelines.definitions import defs


def failure_messages(**fields) -> tuple[bool, str]:
    """Run the refresh (the reports are not what these tests are about); return success and
    the text of every failure event."""
    result = run_refresh(**fields)
    texts = []
    for event in result.all_events:
        if not event.is_failure:
            continue
        texts.append(event.message or "")
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:  # Dagster wraps the source error after its own retries
            texts.append(error.message)
            error = error.cause or error.context
    return result.success, "\n".join(texts)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("fault", "kwargs", "succeeds"),
    [
        ("status", {"status": 429, "headers": {"Retry-After": "1"}, "times": 1}, True),
        ("status", {"status": 503, "times": 2}, True),
        ("delay", {"delay": 3.0, "times": 1}, True),  # longer than the client's 1 s timeout, once
        ("truncate", {"times": 1}, True),
        ("changed_dimensions", {"times": 100}, False),
        ("status", {"status": 503, "times": 1000}, False),
    ],
    ids=[
        "429-retry-after",
        "503-then-ok",
        "timeout-then-ok",
        "truncated-json",
        "changed-dimensions",
        "503-forever",
    ],
)
def test_fault_ends_in_success_or_clear_failure_with_marts_untouched(
    raw_dir, published_marts, monkeypatch, fault, kwargs, succeeds
):
    marts_dir = published_marts  # the last good marts, from the snapshot
    monkeypatch.setenv("SEGREGATION_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("SEGREGATION_MAX_RETRIES", "3")
    before = fingerprints(marts_dir)
    raw_before = {p: p.read_bytes() for p in (raw_dir / "scb").rglob("*.json*")}
    with PxWebServer(all_tables(), max_calls=50) as server:
        server.inject(fault, path_contains="/tables/TAB6680/data", **kwargs)
        ok, errors = failure_messages(source="live", scb_api_url=server.url, backoff_base=0.05)
    assert ok is succeeds, errors[-2000:]
    if succeeds:
        assert fingerprints(marts_dir) != before  # live data replaced the snapshot's marts
    else:
        assert fingerprints(marts_dir) == before
        assert "TAB6680" in errors
        # the failed table's last good fetch is still the stored one
        for path in (raw_dir / "scb" / "TAB6680").rglob("*.json*"):
            assert path.read_bytes() == raw_before[path]


def test_source_down_fails_clearly_and_keeps_marts(raw_dir, published_marts, monkeypatch):
    marts_dir = published_marts
    monkeypatch.setenv("SEGREGATION_MAX_RETRIES", "2")
    before = fingerprints(marts_dir)
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ok, errors = failure_messages(
        source="live", scb_api_url=f"http://127.0.0.1:{port}/api/v2", backoff_base=0.01
    )
    assert not ok
    assert "ConnectionError" in errors and f"127.0.0.1:{port}" in errors and "TAB" in errors
    assert fingerprints(marts_dir) == before


@pytest.mark.e2e
def test_a_reader_holding_the_marts_open_neither_blocks_nor_breaks(raw_dir, published_marts):
    marts_dir = published_marts
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys, time\n"
                f"con = duckdb.connect({str(marts_dir / 'segregation.duckdb')!r}, read_only=True)\n"
                "print(con.execute('SELECT count(*) FROM marts.focus_area_indicator').fetchone()[0], flush=True)\n"
                "sys.stdin.readline()\n"
                "print(con.execute('SELECT count(*) FROM marts.focus_area_indicator').fetchone()[0], flush=True)\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = int(reader.stdout.readline())
        assert run_refresh(force=True).success  # a nightly run publishes while the notebook reads
        reader.stdin.write("\n")
        reader.stdin.flush()
        second = int(reader.stdout.readline())
    finally:
        reader.kill()
    assert first == second > 0
    con = duckdb.connect(str(marts_dir / "segregation.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.focus_area_indicator").fetchone()[0] == first
    con.close()


def test_nightly_schedule_requests_the_job_at_two_stockholm_time():
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Stockholm"
    assert schedule.default_status.value == "RUNNING"
    tick = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        requests_ = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests_) == 1
    assert requests_[0].job_name in (None, "refresh_all")
    assert schedule.job_name == "refresh_all"
    # the executor runs the whole graph in one process (DuckDB has one writer)
    assert "in_process" in defs.resolve_job_def("refresh_all").executor_def.name


GRAPHQL = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name
    schedules { name cronSchedule executionTimezone }
    sensors { name }
    assetNodes { assetKey { path } groupName
      assetChecksOrError { ... on AssetChecks { checks { name } } } }
} } } }
"""


@pytest.mark.e2e
def test_webserver_loads_the_code_location_with_every_asset_check_and_schedule(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    server = subprocess.Popen(
        [
            str(PROJECT / ".venv" / "bin" / "dagster-webserver"),
            "-m",
            "pipelines.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 120
        data = None
        while time.monotonic() < deadline:
            try:
                reply = requests.post(url, json={"query": GRAPHQL}, timeout=10)
                nodes = reply.json()["data"]["repositoriesOrError"].get("nodes")
                if nodes:
                    data = nodes[0]
                    break
            except (requests.ConnectionError, KeyError, ValueError):
                pass
            assert server.poll() is None, server.stderr.read()
            time.sleep(1)
        assert data is not None, "the webserver did not answer within 120 s"
    finally:
        server.terminate()
        server.wait(timeout=30)
    graph = defs.resolve_asset_graph()
    expected_assets = {tuple(k.path) for k in graph.get_all_asset_keys()}
    served_assets = {tuple(n["assetKey"]["path"]) for n in data["assetNodes"]}
    assert served_assets == expected_assets
    served_checks = {
        (tuple(n["assetKey"]["path"]), c["name"])
        for n in data["assetNodes"]
        for c in (n["assetChecksOrError"].get("checks") or [])
    }
    expected_checks = {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    assert served_checks == expected_checks and len(expected_checks) >= 8
    assert {n["groupName"] for n in data["assetNodes"]} >= {"raw", "staging", "marts"}
    assert [s["name"] for s in data["schedules"]] == ["nightly_refresh"]
    assert [s["name"] for s in data["sensors"]] == ["reports_after_refresh"]
    assert data["schedules"][0]["executionTimezone"] == "Europe/Stockholm"
    json.dumps(data)


def test_no_asset_is_rerun_by_dagster_patience_lives_once_per_source_in_the_client():
    # a bad file, a kommun the snapshot lacks or a 404 do not get better by waiting, and a
    # source that is down is waited for once per run by its client, never once per asset
    policies = {key.to_user_string(): a.op.retry_policy for a in defs.assets for key in a.keys}
    assert len(policies) >= 10 and set(policies.values()) == {None}
    # the nightly schedule gives the run's clients a longer patience for passing outages
    schedule = defs.resolve_schedule_def("nightly_refresh")
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance)
        [request] = list(schedule.evaluate_tick(context).run_requests or [])
    assert request.run_config["resources"]["pipeline"]["config"]["retry_budget"] == 600
