"""The committee reports: one HTML file per followed kommun, one Dagster partition each.

A partition reads only the published Parquet files (never the working database) and
writes its kommun's report atomically (temporary file, then rename), so partitions can run
side by side, one kommun's failure leaves the others' reports written, and an analyst can
render one kommun's report from the UI. After a refresh, the reports that are older than
the last publish (`.fingerprint.json`), or missing, are rendered: by the sensor
`reports_after_refresh` and by `segregation run`.
"""

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, asset

from pipelines.orchestration.assets.boundaries import BOUNDARIES
from pipelines.orchestration.assets.publish import PUBLISHED
from pipelines.orchestration.fingerprint import STAMP_FILE
from pipelines.orchestration.partitions import KOMMUN_PARTITIONS
from pipelines.orchestration.resources import PipelineResource
from pipelines.publish.bokslut import bokslut_path, build_bokslut
from pipelines.publish.report import build_report, read_marts, report_path, write_atomically
from pipelines.warehouse.models import SqlModel

REPORT = AssetKey(["committee_report"])


def reports_to_render(marts_dir: Path, codes: Sequence[str]) -> list[str]:
    """The kommuner whose report is missing or older than the marts last published."""
    stamp = Path(marts_dir) / STAMP_FILE
    published = stamp.stat().st_mtime_ns if stamp.exists() else None
    stale = []
    for code in codes:
        path = report_path(marts_dir, code)
        if published is None or not path.exists() or path.stat().st_mtime_ns < published:
            stale.append(code)
    return stale


def build_report_asset(marts: list[SqlModel]):
    names = [m.name for m in marts]

    @asset(
        key=REPORT,
        group_name="report",
        kinds={"html", "plotly"},
        partitions_def=KOMMUN_PARTITIONS,
        deps=[PUBLISHED, BOUNDARIES],
        description=(
            "Rapport till utskottet för miljö och social hållbarhet, en partition per kommun "
            "med fokusområden: data/marts/rapport_<kommun>.html, som öppnas i vilken webbläsare "
            "som helst, även utan nät. Per fokusområde: alla indikatorer med senaste värde, "
            "jämförelsevärde, gap och riktning, ett diagram per indikator, samt befolkningen "
            "efter bakgrund, och en karta över kommunens DeSO med fokusområdena utmärkta. "
            "Märkt när den innehåller demodata. För en kommun med åtgärder i measures.csv "
            "skrivs också integrationsbokslutet för det senaste rapporterade året "
            "(integrationsbokslut_<kommun>_<år>.html). Byggs av de publicerade marts; varje "
            "kommuns filer byts ut för sig."
        ),
    )
    def committee_report(
        context: AssetExecutionContext, pipeline: PipelineResource
    ) -> MaterializeResult:
        code = context.partition_key
        settings = pipeline.settings()
        kommun = next((k for k in pipeline.followed_kommuner() if k.code == code), None)
        if kommun is None:
            raise Failure(
                f"Kommun {code} har inga fokusområden eller finns inte i kommuner.csv: "
                "ingen rapport."
            )
        paths = {name: settings.marts_dir / f"{name}.parquet" for name in names}
        frames = read_marts(paths, [code])
        page, charts, demo = build_report(frames, code, kommun.name, date.today(), settings.raw_dir)
        path = report_path(settings.marts_dir, code)
        write_atomically(path, page)
        context.log.info(f"Rapport för {kommun.name}: {path.name} ({charts} diagram)")
        bokslut = build_bokslut(frames, code, kommun.name, date.today())
        written = {}
        if bokslut is not None:
            written["bokslut"] = str(bokslut_path(settings.marts_dir, code, bokslut.year))
            write_atomically(Path(written["bokslut"]), bokslut.html)
            context.log.info(f"Integrationsbokslut {bokslut.year}: {Path(written['bokslut']).name}")
        return MaterializeResult(
            metadata={
                **written,
                "report": str(path),
                "charts": charts,
                "data_status": "innehåller DEMODATA" if demo else "publicerad statistik",
            }
        )

    return committee_report
