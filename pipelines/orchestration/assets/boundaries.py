"""The kommuner's DeSO boundaries for the report's maps (`pipelines/publish/maps.py`).

Snapshot mode reads what is in the raw layer: the boundaries shipped in
`data/raw/geography/` and any fetched earlier. Live mode first fetches, from SCB's open map
service (`SCB_GEODATA_URL`), the boundaries of every followed kommun that has none yet, and
stores the answer verbatim with a manifest under `data/raw/geodata/<layer>/<kommun>/`. A
kommun without boundaries gets a sentence in its report instead of a map: maps are not
worth stopping the marts for, so a failed fetch is a warning, not a failed run.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.publish.maps import MapError, fetch_deso_boundaries, load_deso_boundaries
from pipelines.sources.http import JsonHttp, RateLimiter

BOUNDARIES = AssetKey(["raw", "deso_boundaries"])


@asset(
    key=BOUNDARIES,
    group_name="raw",
    kinds={"geojson"},
    deps=[PREFLIGHT],
    description=(
        "DeSO-gränser för kartorna i rapporten: de som följer med i data/raw/geography/ "
        "(SCB:s DeSO 2025, CC0, förenklade) och, när SEGREGATION_SOURCE=live, gränser från "
        "SCB:s öppna karttjänst för kommuner som saknar dem (sparas oförändrade med manifest "
        "i data/raw/geodata/). En kommun utan gränser får en mening i rapporten i stället för "
        "en karta."
    ),
)
def deso_boundaries(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    settings = pipeline.settings()
    store = pipeline.store()
    rows = []
    fetched = 0
    for kommun in pipeline.followed_kommuner():  # maps are drawn in the reports only
        found = load_deso_boundaries(settings.raw_dir, kommun.code)
        if found is None and settings.live:
            http = JsonHttp(
                timeout=settings.http_timeout,
                max_retries=settings.max_retries,
                retry_budget=settings.retry_budget,
                backoff_base=pipeline.backoff_base,
                limiter=RateLimiter(3, 1.0),
            )
            try:
                outcome = fetch_deso_boundaries(store, http, settings.scb_geodata_url, kommun.code)
            except MapError as exc:
                context.log.warning(f"Inga DeSO-gränser för {kommun.name}: {exc}")
            else:
                if outcome is not None:
                    fetched += 1
                    context.log.info(f"{kommun.name}: {outcome[1]} DeSO ur {outcome[0]}")
                found = load_deso_boundaries(settings.raw_dir, kommun.code)
        if found is None:
            context.log.warning(f"{kommun.name} ({kommun.code}): inga DeSO-gränser, ingen karta.")
        rows.append(
            f"| {kommun.code} | {kommun.name} | "
            + (
                f"{len(found.features)} | {found.division} | {found.source} |"
                if found
                else "0 | – | saknas |"
            )
        )
    table = "| kommun | namn | DeSO | indelning | källa |\n|---|---|---|---|---|\n" + "\n".join(
        rows
    )
    return MaterializeResult(
        metadata={
            "boundaries": MetadataValue.md(table),
            "kommuner_without_boundaries": sum(r.endswith("saknas |") for r in rows),
            "fetched": fetched,
            "source_mode": settings.source,
        }
    )
