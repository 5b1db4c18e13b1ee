"""Assets for "did the plan work?": the plans registry, SCB's DeSO→RegSO keys in DuckDB,
the comparison areas and the before/after estimate (computed in pandas/NumPy, published by
the SQL marts `comparison_area` and `plan_effect`)."""

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.analysis.evaluation import empty_comparisons, match_comparisons, plan_effects
from pipelines.core.geography import DIVISIONS, load_deso_key
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import preview, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.areas import load_areas
from pipelines.registry.plans import load_plans, plans_frame

REGSO_TYPES = ("marts", "regso_omradestyp")
AREA_TYPES = ("marts", "focus_area_omradestyp")


@asset(
    key=AssetKey(["raw", "plans"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT, AssetKey(["raw", "focus_area_deso"])],
    description=(
        "Kommunernas planer enligt data/raw/areas/plans.csv: planens namn, startår och de "
        "indikatorer den siktar på, en rad per fokusområde. Saknas startåret används 2020 för "
        "demonstrationen tills kommunen fyller i det (start_year_assumed, start_year_note). "
        "Fel i filen stoppar körningen med fil, rad och orsak."
    ),
)
def plans(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
    settings = pipeline.settings()
    members = load_areas(settings.raw_dir, [k.code for k in pipeline.kommuner()])
    found = load_plans(settings.raw_dir, pipeline.catalog(), members, settings.comparison_k)
    frame = plans_frame(found)
    summary = pipeline.warehouse().replace_table("raw", "plans", frame)
    assumed = sorted(set(frame.kommun[frame.start_year_assumed]))
    if assumed:
        context.log.warning(
            "Startår saknas i plans.csv för kommun " + ", ".join(assumed) + ": 2020 antaget."
        )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "raw.plans"),
            "kommuner": ", ".join(sorted(set(frame.kommun))) or "inga",
            "areas": len(frame),
            "assumed_start_year": ", ".join(assumed) or "inga",
            "preview": preview(frame),
        }
    )


@asset(
    key=AssetKey(["raw", "deso_regso_key"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "SCB:s nycklar från DeSO till RegSO (DeSO 2018 → RegSO 2020, DeSO 2025 → RegSO 2025), "
        "hela landet, verkliga data (CC0) ur data/raw/geography/."
    ),
)
def deso_regso_key(pipeline: PipelineResource) -> MaterializeResult:
    raw_dir = pipeline.settings().raw_dir
    frames = []
    for code, division in DIVISIONS.items():
        key = load_deso_key(raw_dir, code)
        key["division"] = code
        key["regso_division"] = division.regso_division
        frames.append(key)
    frame = pd.concat(frames, ignore_index=True)[
        ["kommun", "deso", "division", "regso", "regso_name", "regso_division"]
    ]
    summary = pipeline.warehouse().replace_table("raw", "deso_regso_key", frame)
    return MaterializeResult(metadata=table_metadata(summary, "raw.deso_regso_key"))


def _table_exists(pipeline: PipelineResource, schema: str, name: str) -> bool:
    found = pipeline.warehouse().query(
        "SELECT count(*) AS n FROM information_schema.tables "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    )
    return int(found.n[0]) > 0


@asset(
    key=AssetKey(["staging", "comparison_match"]),
    group_name="marts",
    kinds={"duckdb", "python"},
    deps=[
        AssetKey(["raw", "plans"]),
        AssetKey(["raw", "indicator_catalog"]),
        AssetKey(["marts", "focus_area_indicator"]),
        AssetKey(["marts", "regso_indicator"]),
        AssetKey(list(REGSO_TYPES)),
        AssetKey(list(AREA_TYPES)),
        INPUTS,
    ],
    description=(
        "Jämförelseområden per fokusområde med plan (beräknas i pandas/NumPy, publiceras som "
        "marts.comparison_area): RegSO i andra kommuner utan fokusområde, av samma områdestyp "
        "basåret, de k närmaste på standardiserad nivå och trend före planen."
    ),
)
def comparison_match(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    warehouse = pipeline.warehouse()
    plans_df = warehouse.query("SELECT * FROM raw.plans")
    have_types = _table_exists(pipeline, *REGSO_TYPES) and _table_exists(pipeline, *AREA_TYPES)
    if have_types and not plans_df.empty:
        frame = match_comparisons(
            plans_df,
            warehouse.query("SELECT * FROM marts.focus_area_indicator"),
            warehouse.query("SELECT * FROM marts.regso_indicator WHERE sex = '1+2'"),
            warehouse.query("SELECT * FROM marts.focus_area_omradestyp"),
            warehouse.query("SELECT * FROM marts.regso_omradestyp"),
            warehouse.query("SELECT * FROM raw.indicator_catalog"),
        )
    else:
        if not have_types:
            context.log.warning(
                "marts.regso_omradestyp eller marts.focus_area_omradestyp saknas: inga "
                "jämförelseområden kan väljas."
            )
        frame = empty_comparisons()
    summary = warehouse.replace_table("staging", "comparison_match", frame)
    per_area = frame.groupby(["kommun", "area_id"]).size() if not frame.empty else pd.Series()
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "staging.comparison_match"),
            "areas": int(len(per_area)),
            "kommuner": ", ".join(sorted(set(frame.kommun))) or "inga",
            "per_area": MetadataValue.md(per_area.to_frame("n").to_markdown())
            if len(per_area)
            else "inga",
        }
    )


@asset(
    key=AssetKey(["staging", "plan_effect_rows"]),
    group_name="marts",
    kinds={"duckdb", "python"},
    deps=[
        AssetKey(["staging", "comparison_match"]),
        INPUTS,
        AssetKey(["raw", "plans"]),
        AssetKey(["raw", "indicator_catalog"]),
        AssetKey(["marts", "focus_area_indicator"]),
        AssetKey(["marts", "regso_indicator"]),
    ],
    description=(
        "Före och efter per fokusområde och indikator (beräknas i pandas/NumPy, publiceras som "
        "marts.plan_effect): förändring i området och i jämförelseområdena, skillnaden mellan "
        "dem och placebofördelningen."
    ),
)
def plan_effect_rows(pipeline: PipelineResource) -> MaterializeResult:
    warehouse = pipeline.warehouse()
    plans_df = warehouse.query("SELECT * FROM raw.plans")
    frame = plan_effects(
        plans_df,
        warehouse.query("SELECT * FROM marts.focus_area_indicator"),
        warehouse.query("SELECT * FROM marts.regso_indicator WHERE sex = '1+2'"),
        warehouse.query("SELECT * FROM staging.comparison_match"),
        warehouse.query("SELECT * FROM raw.indicator_catalog"),
    )
    summary = warehouse.replace_table("staging", "plan_effect_rows", frame)
    made = int(frame.estimate_made.sum()) if len(frame) else 0
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "staging.plan_effect_rows"),
            "estimates_made": made,
            "estimates_not_made": int(len(frame) - made),
        }
    )
