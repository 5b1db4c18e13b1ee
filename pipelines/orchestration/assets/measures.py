"""The measures registry as an asset: data/raw/areas/measures.csv checked and loaded into
raw.measures (one row per measure) and raw.measure_status (one row per measure and reported
year), read by the SQL mart `plan_measure`."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.orchestration.assets.metadata import preview, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.areas import load_areas
from pipelines.registry.measures import load_measures, measures_frame, status_frame
from pipelines.registry.plans import load_plans


@asset(
    key=AssetKey(["raw", "measures"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT, AssetKey(["raw", "plans"])],
    description=(
        "Kommunernas åtgärder enligt data/raw/areas/measures.csv: plan, område, tema, ansvarig "
        "nämnd eller bolag, år, indikatorer och status per år (status_<år>), i raw.measures och "
        "raw.measure_status. Påhittade exempelrader har example = ja. Fel i filen stoppar "
        "körningen med fil, rad och orsak innan något byggs."
    ),
)
def measures(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
    settings = pipeline.settings()
    catalog = pipeline.catalog()
    members = load_areas(settings.raw_dir, [k.code for k in pipeline.kommuner()])
    plans = load_plans(settings.raw_dir, catalog, members, settings.comparison_k)
    found = load_measures(settings.raw_dir, catalog, plans)
    frame = measures_frame(found)
    warehouse = pipeline.warehouse()
    summary = warehouse.replace_table("raw", "measures", frame)
    statuses = warehouse.replace_table("raw", "measure_status", status_frame(found))
    examples = int(frame.example.sum())
    if examples:
        context.log.warning(
            f"{examples} av {len(frame)} åtgärder i measures.csv är påhittade exempel "
            "(example = ja)."
        )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "raw.measures"),
            "status_rows": statuses.rows,
            "kommuner": ", ".join(sorted(set(frame.kommun))) or "inga",
            "example_rows": examples,
            "demo": bool(examples) and examples == len(frame),
            "preview": preview(frame),
        }
    )
