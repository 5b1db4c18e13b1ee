"""The Dagster code location: assets, checks, jobs, schedules and resources; nothing else."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from pipelines.core.settings import PROJECT_ROOT
from pipelines.orchestration.assets.boundaries import deso_boundaries
from pipelines.orchestration.assets.evaluation import (
    comparison_match,
    deso_regso_key,
    plan_effect_rows,
    plans,
)
from pipelines.orchestration.assets.goals import goal_assets
from pipelines.orchestration.assets.indicators import (
    build_indicator_inputs_asset,
    build_kolada_asset,
    focus_area_deso,
    indicator_catalog,
    indicator_requests,
    local_area_values,
)
from pipelines.orchestration.assets.inputs import build_inputs_asset
from pipelines.orchestration.assets.measures import measures
from pipelines.orchestration.assets.models import build_model_asset
from pipelines.orchestration.assets.omradestyp import REQUEST as OMRADESTYP_REQUEST
from pipelines.orchestration.assets.omradestyp import stg_regso_omradestyp
from pipelines.orchestration.assets.preflight import preflight_check
from pipelines.orchestration.assets.publish import build_publish_asset
from pipelines.orchestration.assets.raw import build_scb_asset, scb_requests_in
from pipelines.orchestration.assets.reports import build_report_asset
from pipelines.orchestration.assets.schools import school_dissimilarity_asset, schools
from pipelines.orchestration.assets.segregation import segregation_random_allocation
from pipelines.orchestration.checks import (
    build_mart_checks,
    evaluation_checks,
    focus_area_checks,
    goal_checks,
    measure_checks,
    omradestyp_checks,
    population_agrees_across_tables,
    population_background_adds_up,
    school_checks,
    segregation_checks,
)
from pipelines.orchestration.resources import PipelineResource
from pipelines.orchestration.schedules import (
    committee_reports_job,
    nightly_refresh_schedule,
    refresh_all_job,
    reports_after_refresh,
)
from pipelines.registry.catalog import load_catalog
from pipelines.warehouse.models import discover_models

# The graph's shape comes from files in the repository: the SQL models and the project's
# catalog. What each asset reads at run time follows the settings (SEGREGATION_RAW_DIR…).
_models = discover_models()
_marts = [m for m in _models if m.layer == "marts"]
_catalog = load_catalog(PROJECT_ROOT / "data" / "raw")
_scb_requests = list(
    dict.fromkeys(scb_requests_in(_models) + indicator_requests(_catalog) + [OMRADESTYP_REQUEST])
)

# the raw layer: what the run reads or fetches; `inputs_fingerprint` waits for all of it
_raw_assets = [
    preflight_check,
    *(build_scb_asset(name, _catalog.request(name).title) for name in _scb_requests),
    focus_area_deso,
    indicator_catalog,
    build_kolada_asset(),
    local_area_values,
    deso_boundaries,
    plans,
    measures,
    schools,
    *goal_assets,
    deso_regso_key,
]

defs = Definitions(
    assets=[
        *_raw_assets,
        build_inputs_asset([key for a in _raw_assets for key in a.keys]),
        # did the plan work? (comparison areas, before/after)
        comparison_match,
        plan_effect_rows,
        build_indicator_inputs_asset(_catalog),
        stg_regso_omradestyp,
        segregation_random_allocation,
        school_dissimilarity_asset,
        *(build_model_asset(m) for m in _models),
        build_publish_asset(_marts),
        build_report_asset(_marts),
    ],
    asset_checks=[
        *(check for m in _marts for check in build_mart_checks(m)),
        population_background_adds_up,
        population_agrees_across_tables,
        *focus_area_checks,
        *omradestyp_checks,
        *segregation_checks,
        *evaluation_checks,
        *measure_checks,
        *school_checks,
        *goal_checks,
    ],
    jobs=[refresh_all_job, committee_reports_job],
    schedules=[nightly_refresh_schedule],
    sensors=[reports_after_refresh],
    resources={"pipeline": PipelineResource()},
    executor=in_process_executor,
)
