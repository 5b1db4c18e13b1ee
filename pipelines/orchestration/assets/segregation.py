"""The random-allocation benchmark of the segregation indices (NumPy), upstream of the
SQL mart `marts.segregation_index`."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.analysis.segregation import DEFAULT_DRAWS, DEFAULT_SEED, random_allocation_frame
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import table_metadata
from pipelines.orchestration.resources import PipelineResource


@asset(
    key=AssetKey(["staging", "segregation_random_allocation"]),
    group_name="staging",
    kinds={"numpy", "duckdb"},
    deps=[AssetKey(["staging", "stg_deso_group_counts"]), INPUTS],
    description=(
        "Segregationsindexens värde om de boende vore slumpmässigt fördelade över samma DeSO "
        f"(samma DeSO-storlekar och gruppandel): medelvärde och 95 % simuleringsintervall av "
        f"{DEFAULT_DRAWS} dragningar med fast frö {DEFAULT_SEED}, per kommun, år, indelning "
        "och mått. Små områden ger D och H större än noll även utan segregation; detta är den "
        "nivån."
    ),
)
def segregation_random_allocation(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    warehouse = pipeline.warehouse()
    counts = warehouse.query(
        "SELECT kommun, deso, year, division, pair, group_x, total, suppressed "
        "FROM staging.stg_deso_group_counts"
    )
    started = time.perf_counter()
    frame = random_allocation_frame(counts)
    seconds = time.perf_counter() - started
    summary = warehouse.replace_table("staging", "segregation_random_allocation", frame)
    context.log.info(f"slumpfördelning: {len(frame)} rader på {seconds:.2f} s")
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "staging.segregation_random_allocation"),
            "draws": DEFAULT_DRAWS,
            "seed": DEFAULT_SEED,
            "simulation_seconds": round(seconds, 3),
            "kommuner": int(frame["kommun"].nunique()) if len(frame) else 0,
        }
    )
