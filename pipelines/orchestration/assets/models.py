"""Staging and mart assets built from the SQL files in `sql/staging/` and `sql/marts/`."""

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import DEMO_WARNING, preview, table_metadata
from pipelines.orchestration.assets.omradestyp import MART_METADATA, mart_metadata
from pipelines.orchestration.resources import PipelineResource
from pipelines.warehouse.models import SqlModel


def build_model_asset(model: SqlModel):
    # every model waits for the decision whether anything changed (skipped when nothing did)
    deps = [*(AssetKey([schema, table]) for schema, table in model.depends_on), INPUTS]

    @asset(
        key=AssetKey([model.layer, model.name]),
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        deps=deps,
        description=model.description or model.name,
        metadata={"sql_file": f"sql/{model.layer}/{model.path.name}"},
    )
    def _model(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
        warehouse = pipeline.warehouse()
        summary = warehouse.build_model(model.layer, model.name, model.sql)
        metadata = table_metadata(summary, f"{model.layer}.{model.name}", model.columns)
        columns = [c for c, _ in summary.columns]
        metadata.update(_coverage(warehouse, f"{model.layer}.{model.name}", columns))
        if "demo_rows" in metadata:
            demo = metadata["demo_rows"]
            metadata["data_status"] = "publicerad statistik" if demo == 0 else DEMO_WARNING
        if model.layer == "marts":
            frame = warehouse.query(f"SELECT * FROM marts.{model.name} LIMIT 10")
            metadata["preview"] = preview(frame)
        if model.layer == "marts" and model.name in MART_METADATA:
            metadata.update(mart_metadata(warehouse, model.name))
        context.log.info(f"{model.layer}.{model.name}: {summary.rows} rader")
        return MaterializeResult(metadata=metadata)

    return _model


def _coverage(warehouse, table: str, columns: list[str]) -> dict[str, object]:
    """How much a table covers, from whichever of its columns say so: kommuner, years and
    areas (distinct DeSO, or for tables that count them in `areas`, the most DeSO used in
    one year, division and measure), how many rows are demo data (`demo_rows`) and how many
    are invented example rows of the kommun's files (`example_rows`)."""
    parts = []
    if "demo" in columns:
        parts.append("count(*) FILTER (WHERE demo) AS demo_rows")
    if "example" in columns:
        parts.append("count(*) FILTER (WHERE example) AS example_rows")
    if "kommun" in columns:
        parts.append("count(DISTINCT kommun) AS kommuner")
    if "year" in columns:
        parts.append("min(year) AS first_year, max(year) AS last_year")
    if "deso" in columns:
        parts.append("count(DISTINCT deso) AS areas")
    if not parts:
        return {}
    row = warehouse.query(f"SELECT {', '.join(parts)} FROM {table}").iloc[0]
    out: dict[str, object] = {}
    if "demo" in columns:
        out["demo_rows"] = int(row["demo_rows"])
    if "example" in columns:
        out["example_rows"] = int(row["example_rows"])
    if "kommun" in columns:
        out["kommuner"] = int(row["kommuner"])
    if "year" in columns and pd.notna(row["first_year"]):  # an empty table has no years
        out["years"] = f"{int(row['first_year'])}–{int(row['last_year'])}"
    if "deso" in columns:
        out["areas"] = int(row["areas"])
    elif "areas" in columns and {"year", "division", "measure"} <= set(columns):
        most = warehouse.query(
            f"SELECT max(n) AS n FROM (SELECT sum(areas) AS n FROM {table} "
            "GROUP BY year, division, measure)"
        )["n"][0]
        out["areas"] = int(most) if most == most and most is not None else 0
    return out
