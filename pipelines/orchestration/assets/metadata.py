"""Metadata every asset shows in the Dagster UI: row count, column schema, preview."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema

from pipelines.warehouse.database import TableSummary

DEMO_WARNING = (
    "Innehåller DEMODATA: påhittade siffror som visar hur pipelinen fungerar, inte SCB:s "
    "publicerade statistik."
)


def table_metadata(
    summary: TableSummary, table: str, descriptions: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Row count, table name and column schema; `descriptions` (a mart's `-- column` header
    lines) become the columns' descriptions in the UI."""
    described = descriptions or {}
    return {
        "dagster/row_count": summary.rows,
        "dagster/column_schema": TableSchema(
            columns=[
                TableColumn(name=name, type=kind, description=described.get(name))
                for name, kind in summary.columns
            ]
        ),
        "dagster/table_name": table,
    }


def preview(frame: pd.DataFrame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(frame.head(rows).to_markdown(index=False))
