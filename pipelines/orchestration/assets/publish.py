"""Publishing: the marts readers use and the committee reports, in one swap.

One step materialises both `published_marts` and `committee_report`, only after every
mart and its checks passed. The reports are rendered from the marts' staged Parquet files
and renamed into place together with them, so a run that fails anywhere, the report
included, leaves the previous marts, exports and reports as they were.
"""

from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from pipelines.orchestration.assets.boundaries import BOUNDARIES
from pipelines.orchestration.resources import PipelineResource
from pipelines.publish.report import build_report, read_marts, report_path
from pipelines.warehouse.models import SqlModel

PUBLISHED = AssetKey(["published_marts"])
REPORT = AssetKey(["committee_report"])


def build_publish_asset(marts: list[SqlModel]):
    names = [m.name for m in marts]

    @multi_asset(
        name="publish",
        specs=[
            AssetSpec(
                PUBLISHED,
                group_name="marts",
                kinds={"parquet", "duckdb", "csv"},
                deps=[AssetKey(["marts", name]) for name in names],
                description=(
                    "Publicerade marts för läsare: data/marts/<mart>.parquet och .csv samt "
                    "data/marts/segregation.duckdb. Skrivs först när alla marts och deras "
                    "kontroller är klara, och byts ut i ett svep tillsammans med rapporterna: "
                    "en misslyckad körning lämnar de förra filerna orörda."
                ),
            ),
            AssetSpec(
                REPORT,
                group_name="report",
                kinds={"html", "plotly"},
                deps=[PUBLISHED, BOUNDARIES],
                description=(
                    "Rapport till utskottet för miljö och social hållbarhet: en HTML-fil per kommun "
                    "med fokusområden (data/marts/rapport_<kommun>.html) som öppnas i vilken webbläsare som helst, "
                    "även utan nät. Per fokusområde: alla indikatorer med senaste värde, "
                    "jämförelsevärde, gap och riktning, ett diagram per indikator, samt "
                    "befolkningen efter bakgrund, och en karta över kommunens DeSO med "
                    "fokusområdena utmärkta. Märkt när den innehåller demodata. Publiceras i "
                    "samma svep som marts."
                ),
            ),
        ],
    )
    def publish(context: AssetExecutionContext, pipeline: PipelineResource):
        marts_dir = pipeline.settings().marts_dir
        raw_dir = pipeline.settings().raw_dir
        kommuner = pipeline.followed_kommuner()  # a report only where there are focus areas
        reports: list[tuple[str, int, bool]] = []

        def render_reports(staged):
            frames = read_marts(staged, [k.code for k in kommuner])
            pages = {}
            for kommun in kommuner:
                page, charts, demo = build_report(
                    frames, kommun.code, kommun.name, date.today(), raw_dir
                )
                name = report_path(marts_dir, kommun.code).name
                pages[name] = page
                reports.append((name, charts, demo))
                context.log.info(f"Rapport för {kommun.name}: {name} ({charts} diagram)")
            return pages

        paths = pipeline.warehouse().publish(
            names, derived=render_reports, progress=context.log.info
        )
        context.log.info("Publicerade: " + ", ".join(sorted(paths)))
        demo = any(d for _, _, d in reports)
        yield MaterializeResult(
            asset_key=PUBLISHED,
            metadata={
                "files": MetadataValue.md(
                    "\n".join(f"- `{p}`" for p in sorted(map(str, paths.values())))
                ),
                "marts": ", ".join(names),
            },
        )
        yield MaterializeResult(
            asset_key=REPORT,
            metadata={
                "reports": MetadataValue.md(
                    "\n".join(f"- `{marts_dir / n}` ({c} diagram)" for n, c, _ in reports)
                ),
                "charts": sum(c for _, c, _ in reports),
                "data_status": "innehåller DEMODATA" if demo else "publicerad statistik",
            },
        )

    return publish
