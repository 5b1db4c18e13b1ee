"""Assets for focus areas and indicators: the area registry, the indicator catalog, and
the per-DeSO numerators and denominators the focus-area marts aggregate."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.analysis.indicators import catalog_frame, inputs_sql
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.assets.metadata import preview, table_metadata
from pipelines.orchestration.assets.preflight import PREFLIGHT
from pipelines.orchestration.resources import PipelineResource
from pipelines.registry.areas import areas_frame, division_continuity, load_areas
from pipelines.registry.catalog import Catalog
from pipelines.sources.kolada.snapshot import fetch_kolada, load_kolada
from pipelines.sources.local_files import load_local_values


@asset(
    key=AssetKey(["raw", "focus_area_deso"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "Fokusområdenas DeSO enligt data/raw/areas/focus_areas.csv, som kommunen själv för, "
        "i båda DeSO-indelningarna (DeSO 2018 till och med 2023, DeSO 2025 från 2024). "
        "Varje rad kontrolleras mot sin egen indelnings nyckel: felaktiga koder, DeSO i fel "
        "kommun eller i två områden, tomma områden och dubbletter stoppar körningen med fil, rad "
        "och orsak. series_runs_on säger om områdets serie löper vidare över indelningsbytet "
        "(samma mark och bekräftat av kommunen), continuity_note varför eller varför inte."
    ),
)
def focus_area_deso(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    kommuner = [k.code for k in pipeline.kommuner()]
    raw_dir = pipeline.settings().raw_dir
    members = load_areas(raw_dir, kommuner)
    frame = areas_frame(members)
    continuity = {(c.kommun, c.area_id): c for c in division_continuity(members, raw_dir)}
    frame["series_runs_on"] = [
        continuity[(k, a)].runs_on for k, a in zip(frame.kommun, frame.area_id)
    ]
    frame["continuity_note"] = [
        continuity[(k, a)].reason for k, a in zip(frame.kommun, frame.area_id)
    ]
    summary = pipeline.warehouse().replace_table("raw", "focus_area_deso", frame)
    unconfirmed = int((frame["status"] != "bekräftad").sum())
    if unconfirmed:
        context.log.warning(
            f"{unconfirmed} av {len(frame)} DeSO i fokusområdena är obekräftade av kommunen."
        )
    overview = (
        frame.groupby(["kommun", "area_name", "division"]).deso.apply(", ".join).reset_index()
    )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "raw.focus_area_deso"),
            "areas": len(overview),
            "unconfirmed_deso": unconfirmed,
            "preview": MetadataValue.md(overview.to_markdown(index=False)),
        }
    )


@asset(
    key=AssetKey(["raw", "indicator_catalog"]),
    group_name="raw",
    kinds={"toml", "duckdb"},
    deps=[PREFLIGHT],
    description=(
        "Indikatorkatalogen ur data/raw/catalog.toml: namn, tema, enhet, målgrupp, om högre är "
        "bättre, beräkningssätt och tröskel för trendbedömningen."
    ),
)
def indicator_catalog(pipeline: PipelineResource) -> MaterializeResult:
    frame = catalog_frame(pipeline.catalog())
    summary = pipeline.warehouse().replace_table("raw", "indicator_catalog", frame)
    return MaterializeResult(
        metadata={**table_metadata(summary, "raw.indicator_catalog"), "preview": preview(frame, 20)}
    )


def build_indicator_inputs_asset(catalog: Catalog):
    """The staging asset; `catalog` (the project's own) only decides which raw assets it reads."""
    requests = sorted(
        {i.request for i in catalog.indicators.values()}
        | {i.weight_request for i in catalog.indicators.values() if i.weight_request}
    )

    @asset(
        key=AssetKey(["staging", "stg_deso_indicator_inputs"]),
        group_name="staging",
        kinds={"duckdb", "sql"},
        deps=[*(AssetKey(["raw", f"scb_{r}"]) for r in requests), INPUTS],
        description=(
            "Täljare och nämnare per indikator, DeSO (och kommun), år och kön, enligt "
            "indikatorkatalogen. En täljare eller nämnare där någon cell saknas (..) blir tom, "
            "aldrig en delsumma."
        ),
    )
    def stg_deso_indicator_inputs(pipeline: PipelineResource) -> MaterializeResult:
        sql, params = inputs_sql(pipeline.catalog())
        warehouse = pipeline.warehouse()
        summary = warehouse.build_model("staging", "stg_deso_indicator_inputs", sql, params)
        return MaterializeResult(
            metadata=table_metadata(summary, "staging.stg_deso_indicator_inputs")
        )

    return stg_deso_indicator_inputs


def indicator_requests(catalog: Catalog) -> list[str]:
    names = [i.request for i in catalog.indicators.values()]
    names += [i.weight_request for i in catalog.indicators.values() if i.weight_request]
    return list(dict.fromkeys(names))


def build_kolada_asset():
    """The Kolada source asset."""

    @asset(
        key=AssetKey(["raw", "kolada_kommun_series"]),
        group_name="raw",
        kinds={"kolada", "duckdb"},
        deps=[PREFLIGHT],
        description=(
            "Kommunnivå från Kolada (valdeltagande, ohälsotal, behörighet till gymnasiet, anmälda brott, "
            "förvärvsarbetande) för kommunerna och riket. Hämtas från Kolada v3 när "
            "SEGREGATION_SOURCE=live (KPI-id kontrolleras först; data hämtas bara när ett nyckeltal "
            "har publicerats på nytt eller den sparade hämtningen är äldre än "
            "SEGREGATION_KOLADA_MAX_AGE_DAYS dagar, standard 7), annars läses ögonblicksbilden i "
            "data/raw/kolada/."
        ),
    )
    def kolada_kommun_series(
        context: AssetExecutionContext, pipeline: PipelineResource
    ) -> MaterializeResult:
        settings = pipeline.settings()
        kommuner = [k.code for k in pipeline.kommuner()]
        store = pipeline.store()
        meta: dict[str, object] = {"source_mode": settings.source}
        if settings.live:
            client = pipeline.kolada_client(progress=context.log.info)
            outcome = fetch_kolada(
                client,
                store,
                pipeline.catalog(),
                kommuner,
                max_age_days=settings.kolada_max_age_days,
            )
            context.log.info(f"Kolada: {outcome.reason}")
            meta.update(
                {
                    "fetch": "fetched" if outcome.changed else "unchanged",
                    "fetch_reason": outcome.reason,
                    **client.stats.as_metadata(),
                }
            )
        frame, manifest = load_kolada(store, kommuner)
        summary = pipeline.warehouse().replace_table("raw", "kolada_kommun_series", frame)
        demo = bool(manifest.get("demo"))
        if demo:
            context.log.warning("Kolada-data i ögonblicksbilden är DEMODATA, inte Koladas värden.")
        return MaterializeResult(
            metadata={
                **table_metadata(summary, "raw.kolada_kommun_series"),
                **meta,
                "kpis": ", ".join(manifest.get("kpis", [])),
                "data_status": "demodata" if demo else "Kolada",
                "demo_rows": len(frame) if demo else 0,
                "source_updated": str(manifest.get("fetched_at")),
            }
        )

    return kolada_kommun_series


@asset(
    key=AssetKey(["raw", "local_area_values"]),
    group_name="raw",
    kinds={"csv", "duckdb"},
    description=(
        "Kommunens egna värden per fokusområde eller DeSO (data/raw/local/*.csv): till exempel "
        "valdeltagande per valdistrikt, skolresultat, anmälda brott och ohälsotal. Fel i en fil "
        "stoppar körningen med fil, rad och orsak; de senast publicerade marts lämnas orörda."
    ),
    deps=[AssetKey(["raw", "focus_area_deso"])],
)
def local_area_values(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    settings = pipeline.settings()
    members = load_areas(settings.raw_dir, [k.code for k in pipeline.kommuner()])
    frame = load_local_values(settings.raw_dir, pipeline.catalog(), members)
    summary = pipeline.warehouse().replace_table("raw", "local_area_values", frame)
    demo_rows = int(frame.demo.sum())
    if demo_rows:
        context.log.warning(
            f"{demo_rows} rader ur kommunens filer är DEMODATA (filer som börjar på demo_)."
        )
    return MaterializeResult(
        metadata={
            **table_metadata(summary, "raw.local_area_values"),
            "files": ", ".join(sorted(set(frame.file))) or "inga",
            "demo_rows": demo_rows,
            "data_status": "publicerad statistik" if demo_rows == 0 else "innehåller DEMODATA",
        }
    )
