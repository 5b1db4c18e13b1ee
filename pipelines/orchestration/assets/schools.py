"""Differences between schools: data/raw/goals/schools.csv checked and loaded into
raw.schools, and D across each kommun's schools with its random-allocation benchmark in
staging.school_dissimilarity, read by the SQL marts `school_background` and
`school_segregation`."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.analysis.schools import school_dissimilarity
from pipelines.analysis.segregation import DEFAULT_DRAWS, DEFAULT_SEED
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import preview, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.schools import load_schools, schools_frame

RAW_SCHOOLS = AssetKey(["raw", "schools"])
EXAMPLE_NOTE = "Påhittade exempel (example = ja), inte kommunens eller Skolverkets siffror."


def data_status(examples: int, rows: int) -> str:
    """What the rows are, for the Dagster UI."""
    if not rows:
        return "inga skolor (ingen goals/schools.csv eller inga rader)"
    return EXAMPLE_NOTE if examples else "kommunens egna uppgifter"


@asset(
    key=RAW_SCHOOLS,
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "Elever per skolenhet och år enligt data/raw/goals/schools.csv: skolenhetskod, namn, "
        "antal elever och antal med utländsk bakgrund, källa, i raw.schools. Påhittade "
        "exempelrader har example = ja. Utan filen: inga rader. Fel i filen stoppar körningen "
        "med fil, rad och orsak innan något byggs."
    ),
)
def schools(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
    settings = pipeline.settings()
    kommuner = pipeline.kommuner()
    found = load_schools(settings.raw_dir, [k.code for k in kommuner])
    frame = schools_frame(found, {k.code: k.name for k in kommuner})
    summary = pipeline.warehouse().replace_table("raw", "schools", frame)
    examples = int(frame.example.sum())
    if examples:
        context.log.warning(
            f"{examples} av {len(frame)} rader i goals/schools.csv är påhittade exempel "
            "(example = ja)."
        )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "raw.schools"),
            "kommuner": ", ".join(sorted(set(frame.kommun))) or "inga",
            "example_rows": examples,
            "example": bool(examples) and examples == len(frame),
            "data_status": data_status(examples, len(frame)),
            "preview": preview(frame),
        }
    )


@asset(
    key=AssetKey(["staging", "school_dissimilarity"]),
    group_name="staging",
    kinds={"numpy", "duckdb"},
    deps=[RAW_SCHOOLS, INPUTS],
    description=(
        "Olikhetsindex D mellan skolorna per kommun och år (elever med utländsk mot svensk "
        "bakgrund), med värdet om eleverna vore slumpmässigt fördelade över samma skolor "
        f"(medelvärde och 95 % intervall av {DEFAULT_DRAWS} dragningar med fast frö "
        f"{DEFAULT_SEED}) och det justerade värdet."
    ),
)
def school_dissimilarity_asset(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    warehouse = pipeline.warehouse()
    rows = warehouse.query(
        "SELECT kommun, year, school_unit_code, pupils, pupils_foreign_background, example "
        "FROM raw.schools"
    )
    started = time.perf_counter()
    frame = school_dissimilarity(rows)
    seconds = time.perf_counter() - started
    summary = warehouse.replace_table("staging", "school_dissimilarity", frame)
    context.log.info(f"D mellan skolor: {len(frame)} rader på {seconds:.2f} s")
    examples = int(frame["example"].sum())
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "staging.school_dissimilarity"),
            "draws": DEFAULT_DRAWS,
            "seed": DEFAULT_SEED,
            "example_rows": examples,
            "example": bool(examples) and examples == len(frame),
            "data_status": data_status(examples, len(frame)),
        }
    )
