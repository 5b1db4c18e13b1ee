"""The committee report asset: `data/marts/rapport_<kommun>.html`, after the marts are published."""

import os

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.report import report_path, write_report
from pipelines.resources import PipelineResource


@asset(
    key=AssetKey(["committee_report"]),
    group_name="report",
    kinds={"html", "plotly"},
    deps=[AssetKey(["published_marts"])],
    description=(
        "Rapport till utskottet för miljö och social hållbarhet: en HTML-fil per kommun "
        "(data/marts/rapport_<kommun>.html) som öppnas i vilken webbläsare som helst, även utan "
        "nät. Per fokusområde: alla indikatorer med senaste värde, kommunens värde, gap och riktning, "
        "ett diagram per indikator, samt befolkningen efter bakgrund. Märkt när den innehåller demodata."
    ),
)
def committee_report(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    marts_dir = pipeline.settings().marts_dir
    # Every report is written under a temporary name first; only when all are complete are
    # they renamed into place, so a failure leaves all previous reports as they were.
    written, staged = [], []
    try:
        for kommun in pipeline.kommuner():
            final = report_path(marts_dir, kommun.code)
            tmp = final.with_name(f".{final.name}.staged")
            written.append(write_report(marts_dir, kommun.code, kommun.name, tmp))
            staged.append((tmp, final))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for (tmp, final), result in zip(staged, written):
        os.replace(tmp, final)
        result.path = final
        context.log.info(f"Rapport: {final} ({result.charts} diagram)")
    demo = any(r.demo for r in written)
    return MaterializeResult(
        metadata={
            "reports": MetadataValue.md(
                "\n".join(f"- `{r.path}` ({r.charts} diagram)" for r in written)
            ),
            "charts": sum(r.charts for r in written),
            "data_status": "innehåller DEMODATA" if demo else "publicerad statistik",
        }
    )
