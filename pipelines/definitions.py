"""The Dagster code location: assets, checks, jobs, schedules and resources; nothing else."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from pipelines.assets.models import build_model_asset
from pipelines.assets.publish import build_publish_asset
from pipelines.assets.raw import build_scb_asset, scb_requests_in
from pipelines.checks import build_mart_checks, population_background_adds_up
from pipelines.models import discover_models
from pipelines.resources import PipelineResource
from pipelines.schedules import nightly_refresh_schedule, refresh_all_job

_models = discover_models()
_marts = [m for m in _models if m.layer == "marts"]

defs = Definitions(
    assets=[
        *(build_scb_asset(name) for name in scb_requests_in(_models)),
        *(build_model_asset(m) for m in _models),
        build_publish_asset(_marts),
    ],
    asset_checks=[
        *(check for m in _marts for check in build_mart_checks(m)),
        population_background_adds_up,
    ],
    jobs=[refresh_all_job],
    schedules=[nightly_refresh_schedule],
    resources={"pipeline": PipelineResource()},
    executor=in_process_executor,
)
