"""The nightly run: nothing changed means nothing rebuilt; reports are one partition per kommun."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dagster import AssetKey, DagsterEventType, DagsterInstance
from test_pipeline import fingerprints, run_everything, run_refresh

from pipelines.definitions import defs
from pipelines.orchestration import fingerprint
from pipelines.orchestration.assets.inputs import rebuild_reason
from pipelines.orchestration.partitions import KOMMUN, sync_kommun_partitions

INPUTS = AssetKey(["inputs_fingerprint"])


def published(marts_dir: Path) -> dict[str, tuple[int, str]]:
    """Every file in the marts folder (the working database aside): mtime and content."""
    digests = fingerprints(marts_dir)
    return {name: ((marts_dir / name).stat().st_mtime_ns, digests[name]) for name in digests}


def materialized(instance: DagsterInstance, run_id: str) -> set[str]:
    return {
        record.dagster_event.asset_key.to_user_string()
        for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    }


def skipped(instance: DagsterInstance, run_id: str) -> set[str]:
    return {
        record.dagster_event.step_key
        for record in instance.all_logs(run_id, of_type=DagsterEventType.STEP_SKIPPED)
    }


def test_unchanged_run_skips_models_checks_publish_and_reports(raw_dir, marts_dir):
    instance = DagsterInstance.ephemeral()
    first = run_everything(instance)
    assert first.success and sorted(first.reports) == ["0123", "0680"]
    before = published(marts_dir)
    assert {"rapport_0123.html", "rapport_0680.html", ".fingerprint.json"} <= set(before)
    stamp = json.loads((marts_dir / ".fingerprint.json").read_text(encoding="utf-8"))
    assert "segregation.duckdb" in stamp["files"] and "focus_area_trend.parquet" in stamp["files"]

    second = run_everything(instance)
    assert second.success and second.unchanged and second.reports == {}
    assert published(marts_dir) == before  # not one byte, not one mtime
    run_id = second.refresh.run_id
    done = materialized(instance, run_id)
    assert done and all(key.startswith("raw/") for key in done), done
    steps = skipped(instance, run_id)
    assert {"published_marts", "marts__focus_area_trend", "staging__stg_deso_group_counts"} <= steps
    assert any(step.startswith("marts__focus_area_trend_") for step in steps)  # its checks
    [observation] = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_OBSERVATION)
    assert observation.dagster_event.asset_key == INPUTS
    meta = observation.dagster_event.event_specific_data.asset_observation.metadata
    assert meta["fingerprint"].value == "unchanged"
    assert meta["digest"].value == stamp["fingerprint"]


def test_changed_analyst_file_rebuilds_and_says_what_changed(raw_dir, published_marts):
    marts_dir = published_marts  # the last good publish of these very inputs
    instance = DagsterInstance.ephemeral()
    before = published(marts_dir)
    (raw_dir / "local" / "extra.csv").write_text(
        "kommun,area_id,deso,indicator,year,numerator,denominator,value,source\n"
        "0123,termovagen,,valdeltagande,2014,500,1000,,Valmyndigheten\n",
        encoding="utf-8",
    )
    outcome = run_everything(instance)
    assert outcome.success and not outcome.unchanged
    assert sorted(outcome.reports) == ["0123", "0680"]
    done = materialized(instance, outcome.refresh.run_id)
    assert {"published_marts", "marts/focus_area_indicator", "inputs_fingerprint"} <= done
    [event] = [
        e for e in outcome.refresh.get_asset_materialization_events() if e.asset_key == INPUTS
    ]
    meta = event.materialization.metadata
    assert meta["fingerprint"].value == "changed"
    assert meta["changed"].value == "- `raw/local/extra.csv`"
    after = published(marts_dir)
    for name in ("focus_area_indicator.parquet", "rapport_0123.html", ".fingerprint.json"):
        assert after[name][0] > before[name][0], name


def test_a_missing_published_file_or_force_rebuilds(raw_dir, published_marts):
    marts_dir = published_marts  # the last good publish of these very inputs
    instance = DagsterInstance.ephemeral()
    (marts_dir / "plan_effect.csv").unlink()
    outcome = run_refresh()  # the marts are what a missing file concerns; reports come next
    assert outcome.success
    assert any(
        e.asset_key == AssetKey("inputs_fingerprint")
        for e in outcome.get_asset_materialization_events()
    )
    assert (marts_dir / "plan_effect.csv").exists()
    before = published(marts_dir)
    forced = run_everything(instance, force=True)
    assert forced.success and sorted(forced.reports) == ["0123", "0680"]
    after = published(marts_dir)
    assert all(after[name][0] > before[name][0] for name in before), "force rewrites every file"


def test_one_kommuns_partition_writes_only_its_report(raw_dir, published_marts):
    marts_dir = published_marts
    instance = DagsterInstance.ephemeral()
    assert run_everything(instance).unchanged  # the session's publish of these inputs
    assert sorted(instance.get_dynamic_partitions(KOMMUN)) == ["0123", "0680"]
    before = published(marts_dir)
    result = defs.resolve_job_def("committee_reports").execute_in_process(
        instance=instance, partition_key="0680"
    )
    assert result.success
    after = published(marts_dir)
    assert {name for name in after if after[name] != before[name]} == {"rapport_0680.html"}
    [event] = result.get_asset_materialization_events()
    assert event.partition == "0680"
    assert event.materialization.metadata["report"].value == str(marts_dir / "rapport_0680.html")


def test_partitions_follow_the_kommuner_with_focus_areas():
    instance = DagsterInstance.ephemeral()
    assert sync_kommun_partitions(instance, ["0123", "0680"]) == (["0123", "0680"], [])
    assert sync_kommun_partitions(instance, ["0123", "0680"]) == ([], [])
    assert sync_kommun_partitions(instance, ["0680", "1280"]) == (["1280"], ["0123"])
    assert sorted(instance.get_dynamic_partitions(KOMMUN)) == ["0680", "1280"]


def test_fingerprint_follows_fetched_bytes_not_fetch_times(raw_dir):
    before = fingerprint.raw_parts(raw_dir)
    folder = raw_dir / "scb" / "TAB4824" / "population_background"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["fetched_at"] = "2030-01-01T02:00:00+00:00"  # fetched again, same bytes
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.copytree(folder, folder.parent / ".population_background.new-1234")  # a swap
    assert fingerprint.raw_parts(raw_dir) == before
    manifest["files"][-1]["sha256"] = "0" * 64  # a response that changed
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    after = fingerprint.raw_parts(raw_dir)
    changed = [k for k in after if after[k] != before[k]]
    assert changed == ["raw/scb/TAB4824/population_background/"]


def test_fingerprint_follows_sql_and_code(tmp_path):
    code, sql = tmp_path / "pipelines", tmp_path / "sql"
    (code / "publish").mkdir(parents=True)
    (sql / "marts").mkdir(parents=True)
    (code / "publish" / "report.py").write_text("TITLE = 'Rapport'\n")
    (sql / "marts" / "trend.sql").write_text("SELECT 1 AS year\n")
    before = fingerprint.code_parts(code, sql)
    assert before["version"] != "not installed"
    (sql / "marts" / "trend.sql").write_text("SELECT 2 AS year\n")
    sql_changed = fingerprint.code_parts(code, sql)
    assert [k for k in before if before[k] != sql_changed[k]] == ["sql/marts/trend.sql"]
    (code / "publish" / "report.py").write_text("TITLE = 'Rapport till utskottet'\n")
    code_changed = fingerprint.code_parts(code, sql)
    assert [k for k in before if sql_changed[k] != code_changed[k]] == ["code/pipelines"]


def test_rebuild_reasons():
    current = fingerprint.Fingerprint("b", {"raw/a.csv": "2", "sql/x.sql": "1"})
    stamp = {"fingerprint": "a", "parts": {"raw/a.csv": "1", "sql/x.sql": "1", "raw/gone": "1"}}
    assert rebuild_reason(current, stamp, [], False) == (
        "indata har ändrats",
        ["raw/a.csv", "raw/gone"],
    )
    same = {"fingerprint": "b", "parts": current.parts}
    assert rebuild_reason(current, same, [], False) is None
    assert rebuild_reason(current, same, ["x.csv"], False) == (
        "publicerade filer saknas",
        ["x.csv"],
    )
    assert rebuild_reason(current, same, [], True) == ("tvingad ombyggnad (--force)", [])
    assert rebuild_reason(current, None, [], False) == ("ingen tidigare publicering", [])


def sensor_after(instance: DagsterInstance, run_id: str) -> list:
    """What `reports_after_refresh` asks for after this (successful) refresh run."""
    from dagster import build_run_status_sensor_context

    from pipelines.orchestration.resources import PipelineResource

    [success] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_SUCCESS)
    with build_run_status_sensor_context(
        sensor_name="reports_after_refresh",
        dagster_event=success.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources={"pipeline": PipelineResource()},
    ) as context:
        return list(defs.resolve_sensor_def("reports_after_refresh")(context) or [])


def test_sensor_requests_the_reports_a_refresh_made_stale(raw_dir, marts_dir):
    from dagster import RunRequest, SkipReason

    instance = DagsterInstance.ephemeral()
    refresh = defs.resolve_job_def("refresh_all")
    first = refresh.execute_in_process(instance=instance)
    requests = sensor_after(instance, first.run_id)
    assert all(isinstance(r, RunRequest) for r in requests)
    assert sorted(r.partition_key for r in requests) == ["0123", "0680"]
    assert sorted(instance.get_dynamic_partitions(KOMMUN)) == ["0123", "0680"]
    for request in requests:
        assert (
            defs.resolve_job_def("committee_reports")
            .execute_in_process(instance=instance, partition_key=request.partition_key)
            .success
        )
    assert (marts_dir / "rapport_0123.html").exists() and (marts_dir / "rapport_0680.html").exists()
    second = refresh.execute_in_process(instance=instance)  # nothing changed
    [skip] = sensor_after(instance, second.run_id)
    assert isinstance(skip, SkipReason) and "Inget har ändrats" in skip.skip_message
