"""Områdestyp per RegSO: the staging asset that reads SCB's table and recomputes the types,
and the metadata the områdestyp marts show in Dagster (years, RegSO, counts per type)."""

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.analysis.omradestyp import (
    DESO_DIVISION_OF,
    TYPE_LABELS,
    agreement,
    recompute,
    regso_table,
)
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import DEMO_WARNING, table_metadata
from pipelines.orchestration.resources import PipelineResource
from pipelines.warehouse.database import Warehouse

REQUEST = "regso_omradestyp"
RAW_TABLE = f"scb_{REQUEST}"
STAGING = "stg_regso_omradestyp"
TEXT_COLUMNS = ("regso_name", "omradestyp_label", "status_symbols", "source_table")


@asset(
    key=AssetKey(["staging", STAGING]),
    group_name="staging",
    kinds={"duckdb", "python"},
    deps=[AssetKey(["raw", RAW_TABLE]), INPUTS],
    description=(
        "Områdestyp och socioekonomiskt index per RegSO och år för hela landet, ur SCB:s tabell "
        "(en rad per RegSO, indelning och år; RegSO 2020 till och med 2023, RegSO 2025 från "
        "2024). Där SCB publicerar de tre andelarna räknas indexet om (medelvärdet av andelarna) "
        "och typen (avstånd från årets riksmedelvärde i standardavvikelser, hela landets RegSO "
        "det året): recomputed_index, recomputed_type, national_mean, national_sd."
    ),
)
def stg_regso_omradestyp(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    warehouse = pipeline.warehouse()
    raw = warehouse.query(f"SELECT * FROM raw.{RAW_TABLE}")
    frame = staging_frame(raw)
    summary = warehouse.replace_table("staging", STAGING, frame)
    demo_rows = int(frame["demo"].sum())
    if demo_rows:
        context.log.warning(f"staging.{STAGING}: {DEMO_WARNING}")
    result = agreement(frame)
    return MaterializeResult(
        metadata={
            **table_metadata(summary, f"staging.{STAGING}"),
            **type_summary(frame, "omradestyp"),
            "regso_with_inputs": int(frame["recomputed_index"].notna().sum()),
            "recomputed_compared": result.compared,
            "demo_rows": demo_rows,
            "data_status": "publicerad statistik" if demo_rows == 0 else DEMO_WARNING,
        }
    )


def staging_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The staging table from the raw cells: tidy, labelled, recomputed."""
    frame = recompute(regso_table(raw))
    frame["omradestyp_label"] = frame["omradestyp"].map(TYPE_LABELS)
    frame["deso_division"] = frame["regso_division"].map(DESO_DIVISION_OF)
    frame["demo"] = frame["demo"].fillna(False).astype(bool)
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype("string")
    return frame


def type_summary(frame: pd.DataFrame, column: str) -> dict[str, object]:
    """Years, RegSO per year and RegSO per type and year, for an asset's metadata."""
    years = sorted(int(y) for y in frame["year"].dropna().unique())
    counts = (
        frame.dropna(subset=[column])
        .groupby(["year", column])["regso"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=[1, 2, 3, 4, 5], fill_value=0)
    )
    lines = [
        "| år | RegSO | typ 1 | typ 2 | typ 3 | typ 4 | typ 5 |",
        "|---|---|---|---|---|---|---|",
    ]
    per_year = frame.groupby("year")["regso"].nunique()
    for year in years:
        row = counts.loc[year] if year in counts.index else pd.Series(0, index=[1, 2, 3, 4, 5])
        lines.append(
            f"| {year} | {per_year.get(year, 0)} | " + " | ".join(str(int(v)) for v in row) + " |"
        )
    return {
        "years": ", ".join(map(str, years)) or "inga",
        "regso_count": int(frame["regso"].nunique()),
        "counts_per_type": MetadataValue.md("\n".join(lines)),
    }


def mart_metadata(warehouse: Warehouse, name: str) -> dict[str, object]:
    """Extra metadata of the områdestyp marts (called from the generic SQL mart asset)."""
    if name == "regso_omradestyp":
        frame = warehouse.query("SELECT year, regso, omradestyp FROM marts.regso_omradestyp")
        return type_summary(frame, "omradestyp")
    if name == "focus_area_omradestyp":
        frame = warehouse.query(
            "SELECT kommun, area_id, year, regso, omradestyp FROM marts.focus_area_omradestyp"
        )
        return {
            **type_summary(frame, "omradestyp"),
            "kommuner": ", ".join(sorted(frame["kommun"].unique())) or "inga",
            "areas": int(frame[["kommun", "area_id"]].drop_duplicates().shape[0]),
        }
    return {}


MART_METADATA = ("regso_omradestyp", "focus_area_omradestyp")
