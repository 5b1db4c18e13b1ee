"""Staging and mart assets built from the SQL files in `sql/staging/` and `sql/marts/`."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.assets.metadata import DEMO_WARNING, preview, table_metadata
from pipelines.assets.omradestyp import MART_METADATA, mart_metadata
from pipelines.models import SqlModel
from pipelines.resources import PipelineResource


def build_model_asset(model: SqlModel):
    deps = [AssetKey([schema, table]) for schema, table in model.depends_on]

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
        metadata = table_metadata(summary, f"{model.layer}.{model.name}")
        columns = [c for c, _ in summary.columns]
        if "demo" in columns:
            demo_rows = int(
                warehouse.query(f"SELECT count(*) AS n FROM {model.layer}.{model.name} WHERE demo")[
                    "n"
                ][0]
            )
            metadata["demo_rows"] = demo_rows
            metadata["data_status"] = "publicerad statistik" if demo_rows == 0 else DEMO_WARNING
        if model.layer == "marts":
            frame = warehouse.query(f"SELECT * FROM marts.{model.name} LIMIT 10")
            metadata["preview"] = preview(frame)
        if model.layer == "marts" and model.name in MART_METADATA:
            metadata.update(mart_metadata(warehouse, model.name))
        context.log.info(f"{model.layer}.{model.name}: {summary.rows} rader")
        return MaterializeResult(metadata=metadata)

    return _model
