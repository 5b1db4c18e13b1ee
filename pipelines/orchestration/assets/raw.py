"""Raw layer assets: one per SCB catalog request that a staging model reads.

Each asset (1) in live mode asks SCB whether the table changed and fetches it into
`data/raw/scb/…` if so, (2) in both modes reads the stored responses through the same
json-stat2 parser, and (3) replaces the DuckDB table `raw.scb_<request>`.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration.assets.metadata import DEMO_WARNING, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT, skipped_requests
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.catalog import ScbRequest
from pipelines.sources.raw_store import RawStore
from pipelines.sources.scb.snapshot import empty_frame, fetch_request, load_request
from pipelines.warehouse.models import SqlModel

SCB_PREFIX = "scb_"


def scb_requests_in(models: list[SqlModel]) -> list[str]:
    """Catalog request names read by the SQL models (`raw.scb_<request>`), in order."""
    names: list[str] = []
    for model in models:
        for schema, table in model.depends_on:
            if schema == "raw" and table.startswith(SCB_PREFIX):
                name = table.removeprefix(SCB_PREFIX)
                if name not in names:
                    names.append(name)
    return names


def build_scb_asset(request_name: str, title: str = ""):
    """One raw asset per catalog request; `title` is the SCB table's Swedish title."""
    table = f"{SCB_PREFIX}{request_name}"

    @asset(
        key=AssetKey(["raw", table]),
        group_name="raw",
        kinds={"scb", "duckdb"},
        description=(
            f"SCB: {title or request_name} (tabell och urval enligt '{request_name}' i "
            "data/raw/catalog.toml). "
            "Hämtas från SCB:s PxWebApi 2.0 när SEGREGATION_SOURCE=live, annars läses den "
            "sparade ögonblicksbilden i data/raw/scb/. Svaren sparas oförändrade med manifest."
        ),
        metadata={"catalog_request": request_name},
        deps=[PREFLIGHT],
    )
    def _scb_raw(context: AssetExecutionContext, pipeline: PipelineResource) -> MaterializeResult:
        settings = pipeline.settings()
        catalog = pipeline.catalog()
        request = catalog.request(request_name)
        kommuner = [k.code for k in pipeline.kommuner()]
        store = pipeline.store()
        skipped = skipped_requests(pipeline.warehouse()).get(request_name)
        if skipped is not None:
            return _skipped(context, pipeline, request, table, skipped)
        fetch_meta: dict[str, object] = {"source_mode": settings.source}
        if settings.live:
            fetch_meta.update(_fetch_live(context, pipeline, store, request, kommuner))
        loaded = load_request(store, request, kommuner)
        frame = loaded.frame
        summary = pipeline.warehouse().replace_table("raw", table, frame)
        status = loaded.data_status
        if loaded.demo_rows:
            context.log.warning(f"{', '.join(request.table_ids)}: {DEMO_WARNING}")
        return MaterializeResult(
            metadata={
                **table_metadata(summary, f"raw.{table}"),
                **fetch_meta,
                "scb_table_id": ", ".join(request.table_ids),
                "scb_table_title": request.title,
                "cells_of_other_division_dropped": loaded.dropped_other_division,
                "source_updated": loaded.updated or "okänt",
                "data_status": status,
                "demo_rows": loaded.demo_rows,
                "notes": MetadataValue.md("\n".join(f"- {n}" for n in loaded.notes) or "-"),
                "raw_folder": MetadataValue.path(
                    str(store.folder("scb", request.table_id, request_name).parent.parent)
                ),
            }
        )

    return _scb_raw


def _fetch_live(
    context: AssetExecutionContext,
    pipeline: PipelineResource,
    store: RawStore,
    request: ScbRequest,
    kommuner: list[str],
) -> dict[str, object]:
    """Fetch what changed at SCB into the raw store; the fetch's metadata (what was fetched,
    why, and the call statistics)."""
    client = pipeline.scb_client(progress=context.log.info)
    before = client.stats.snapshot()
    outcomes = fetch_request(client, store, request, kommuner)
    for outcome in outcomes:
        context.log.info(f"{outcome.table_id}: {outcome.reason}")
    return {
        "fetch": "fetched" if any(o.changed for o in outcomes) else "unchanged",
        "fetch_reason": "; ".join(f"{o.table_id}: {o.reason}" for o in outcomes),
        **client.stats.since(before),
    }


def _skipped(
    context: AssetExecutionContext,
    pipeline: PipelineResource,
    request: ScbRequest,
    table: str,
    reason: str,
) -> MaterializeResult:
    """An unconfirmed request the source check skipped: an empty table that says why."""
    context.log.warning(f"{request.name}: {reason}")
    summary = pipeline.warehouse().replace_table("raw", table, empty_frame(request))
    return MaterializeResult(
        metadata={
            **table_metadata(summary, f"raw.{table}"),
            "source_mode": pipeline.settings().source,
            "skipped": reason,
            "scb_table_id": ", ".join(request.table_ids),
            "scb_table_title": request.title,
        }
    )
