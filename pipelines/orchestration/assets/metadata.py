"""Metadata every asset shows in the Dagster UI: row count, column schema, preview."""

from __future__ import annotations

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema

from pipelines.warehouse.database import TableSummary

DEMO_WARNING = (
    "Innehåller DEMODATA: påhittade siffror som visar hur pipelinen fungerar, inte SCB:s "
    "publicerade statistik."
)


def table_metadata(summary: TableSummary, table: str) -> dict[str, object]:
    return {
        "dagster/row_count": summary.rows,
        "dagster/column_schema": TableSchema(
            columns=[TableColumn(name=name, type=kind) for name, kind in summary.columns]
        ),
        "dagster/table_name": table,
    }


def preview(frame: pd.DataFrame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False))
