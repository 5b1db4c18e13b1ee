"""The job that refreshes everything, and its nightly schedule (02:00 Stockholm time)."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

from pipelines.core.settings import Settings

# One process for the whole graph: DuckDB has one writer.
refresh_all_job = define_asset_job(
    name="refresh_all",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Hämtar det som ändrats, bygger om alla marts och publicerar dem.",
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
    description="Varje natt kl. 02:00 (svensk tid): hela kedjan i en process.",
)
