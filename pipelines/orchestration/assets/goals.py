"""The integration plan's goals followed up yearly, as assets: data/raw/goals/employees.csv
into raw.goal_employees and data/raw/goals/newly_arrived.csv into raw.goal_newly_arrived,
read by the SQL marts `staff_background` and `newly_arrived`. A kommun without the
files gets no rows, never an error."""

from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.orchestration.assets.metadata import preview, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.goals import EMPLOYEE_FRAME, EMPLOYEES_FILE, goal_frame, load_employees
from pipelines.registry.newly_arrived import (
    NEWLY_ARRIVED_FILE,
    NEWLY_ARRIVED_FRAME,
    load_newly_arrived,
)

_DEMO_NOTE = (
    " Påhittade exempelrader har example = ja. Fel i filen stoppar körningen med fil, rad och "
    "orsak innan något byggs; saknas filen blir tabellen tom."
)


def _load(
    context: AssetExecutionContext, pipeline: PipelineResource, table: str, frame: pd.DataFrame
) -> MaterializeResult:
    summary = pipeline.warehouse().replace_table("raw", table, frame)
    examples = int(frame.example.sum())
    if examples:
        context.log.warning(
            f"{examples} av {len(frame)} rader i {frame.source_file.iloc[0]} är påhittade "
            "exempel (example = ja)."
        )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, f"raw.{table}"),
            "kommuner": ", ".join(sorted(set(frame.kommun))) or "inga",
            "example_rows": examples,
            "demo": bool(examples) and examples == len(frame),
            "preview": preview(frame),
        }
    )


def _names(pipeline: PipelineResource) -> tuple[Path, list[str], dict[str, str]]:
    kommuner = pipeline.kommuner()
    return (
        pipeline.settings().raw_dir,
        [k.code for k in kommuner],
        {k.code: k.name for k in kommuner},
    )


@asset(
    key=AssetKey(["raw", "goal_employees"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "Kommunens anställda och hur många av dem som har utländsk bakgrund, per år och "
        "förvaltning (tom = hela kommunen), enligt data/raw/goals/employees.csv: antal eller en "
        "publicerad andel, med källa." + _DEMO_NOTE
    ),
)
def goal_employees(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
    raw_dir, codes, names = _names(pipeline)
    rows = load_employees(raw_dir, codes)
    frame = goal_frame(rows, names, EMPLOYEE_FRAME, EMPLOYEES_FILE)
    return _load(context, pipeline, "goal_employees", frame)


@asset(
    key=AssetKey(["raw", "goal_newly_arrived"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "Nyanlända per år och kön enligt data/raw/goals/newly_arrived.csv: mottagna, de vars "
        "etableringstid avslutats och hur många av dem som arbetar eller studerar (antal eller "
        "publicerad andel), med källa." + _DEMO_NOTE
    ),
)
def goal_newly_arrived(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    raw_dir, codes, names = _names(pipeline)
    rows = load_newly_arrived(raw_dir, codes)
    frame = goal_frame(rows, names, NEWLY_ARRIVED_FRAME, NEWLY_ARRIVED_FILE)
    return _load(context, pipeline, "goal_newly_arrived", frame)


goal_assets = [goal_employees, goal_newly_arrived]
