"""The jobs, the nightly schedule (02:00 Stockholm time) and the sensor that renders the
committee reports after a refresh.

- `refresh_all`: everything except the reports, in one process (DuckDB has one writer).
  When nothing changed since the last publish, `inputs_fingerprint` stops it after the
  raw layer (see pipelines/orchestration/assets/inputs.py).
- `committee_reports`: one kommun's report per run (partition `kommun`); it reads only the
  published Parquet files, so several may run at once.
- `reports_after_refresh`: after each successful `refresh_all` run, a report run for every
  followed kommun whose report is missing or older than the marts last published.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
)

from pipelines.core.settings import Settings
from pipelines.orchestration.assets.reports import REPORT, reports_to_render
from pipelines.orchestration.partitions import sync_kommun_partitions
from pipelines.orchestration.resources import PipelineResource

# the run tag that says whether a run writes the DuckDB working database (see dagster.yaml)
WRITER_TAG = "segregation/duckdb"

# One process for the whole graph: DuckDB has one writer.
refresh_all_job = define_asset_job(
    name="refresh_all",
    selection=AssetSelection.all() - AssetSelection.assets(REPORT),
    executor_def=in_process_executor,
    tags={WRITER_TAG: "writer"},
    description=(
        "Hämtar det som ändrats och, om något ändrats sedan senaste publiceringen, bygger om "
        "alla marts och publicerar dem. Rapporterna byggs sedan per kommun (committee_reports)."
    ),
)

committee_reports_job = define_asset_job(
    name="committee_reports",
    selection=AssetSelection.assets(REPORT),  # partitioned by kommun, as the asset is
    executor_def=in_process_executor,
    tags={WRITER_TAG: "reader"},
    description=(
        "Utskottsrapporten för en kommun (partition = kommunkod), från de publicerade marts."
    ),
)


def _nightly_run_config(context) -> dict:
    """The nightly run waits longer for a source that is briefly down (once per source)."""
    budget = Settings.from_env().nightly_retry_budget
    return {"resources": {"pipeline": {"config": {"retry_budget": budget}}}}


nightly_refresh_schedule = ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_all_job,
    run_config_fn=_nightly_run_config,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "Varje natt kl. 02:00 (svensk tid): hela kedjan i en process; rapporterna följer "
        "genom sensorn reports_after_refresh."
    ),
)


@run_status_sensor(
    name="reports_after_refresh",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_all_job],
    request_job=committee_reports_job,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Efter varje lyckad refresh_all: en rapportkörning per kommun vars rapport saknas "
        "eller är äldre än de senast publicerade marts. Håller partitionerna i takt med "
        "kommuner.csv och fokusområdena."
    ),
)
def reports_after_refresh(context: RunStatusSensorContext, pipeline: PipelineResource):
    codes = [k.code for k in pipeline.followed_kommuner()]
    sync_kommun_partitions(context.instance, codes)
    stale = reports_to_render(pipeline.settings().marts_dir, codes)
    if not stale:
        yield SkipReason("Inget har ändrats: alla rapporter är byggda av de senaste marts.")
        return
    for code in stale:
        yield RunRequest(run_key=f"{context.dagster_run.run_id}:{code}", partition_key=code)
