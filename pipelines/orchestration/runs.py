"""A whole refresh in this process, as `segregation run` does it: the `refresh_all` job,
then one `committee_reports` run per kommun whose report needs rendering.

The reports run only after a successful refresh. Each kommun's report is its own run, so
one kommun's failure leaves the others' reports written; the outcome says which failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dagster import DagsterInstance, Definitions, ExecuteInProcessResult, LoggerDefinition

from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.reports import reports_to_render
from pipelines.orchestration.partitions import sync_kommun_partitions
from pipelines.orchestration.resources import PipelineResource


@dataclass
class RunOutcome:
    refresh: ExecuteInProcessResult
    reports: dict[str, ExecuteInProcessResult] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.refresh.success and all(r.success for r in self.reports.values())

    @property
    def all_events(self) -> list:
        return [e for r in (self.refresh, *self.reports.values()) for e in r.all_events]

    @property
    def failed_reports(self) -> list[str]:
        return [code for code, r in self.reports.items() if not r.success]

    @property
    def unchanged(self) -> bool:
        """Whether the refresh found nothing changed (and so rebuilt and published nothing)."""
        return not any(
            e.asset_key == INPUTS for e in self.refresh.get_asset_materialization_events()
        )


def refresh_and_report(
    defs: Definitions,
    instance: DagsterInstance,
    *,
    force: bool = False,
    pipeline: PipelineResource | None = None,
    loggers: Mapping[str, LoggerDefinition] | None = None,
    run_config: Mapping | None = None,
) -> RunOutcome:
    """Run `refresh_all`, then the reports that are missing or older than the marts.

    `pipeline` replaces the code location's resource (tests, benchmarks); `loggers` replace
    Dagster's console log (with `run_config` for them); `force` rebuilds even when nothing
    changed (and so renders every report)."""
    pipeline = pipeline or PipelineResource()
    config = dict(run_config or {})
    resources = {"pipeline": pipeline}
    refresh = defs.resolve_job_def("refresh_all")
    reports = defs.resolve_job_def("committee_reports")
    if loggers:
        refresh, reports = refresh.with_logger_defs(loggers), reports.with_logger_defs(loggers)
    refresh_config = dict(config)
    if force:
        refresh_config["ops"] = {INPUTS.to_python_identifier(): {"config": {"force": True}}}
    outcome = RunOutcome(
        refresh.execute_in_process(
            run_config=refresh_config, instance=instance, resources=resources, raise_on_error=False
        )
    )
    if not outcome.refresh.success:
        return outcome
    codes = [k.code for k in pipeline.followed_kommuner()]
    sync_kommun_partitions(instance, codes)
    for code in reports_to_render(pipeline.settings().marts_dir, codes):
        outcome.reports[code] = reports.execute_in_process(
            run_config=config,
            instance=instance,
            resources=resources,
            partition_key=code,
            raise_on_error=False,
        )
    return outcome
