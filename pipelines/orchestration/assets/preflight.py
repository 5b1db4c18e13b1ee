"""The pre-flight check as the first asset of every run: the nightly job, the Dagster UI and
`segregation run` stop here, before any data call, when a file, the source's coverage or
the catalog is wrong (see `pipelines/sources/preflight.py`)."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration.resources import PipelineResource
from pipelines.sources.preflight import ERROR, NOTE, run_check

PREFLIGHT = AssetKey(["raw", "preflight_check"])


@asset(
    key=PREFLIGHT,
    group_name="raw",
    kinds={"python"},
    description=(
        "Kontroll före körningen: kommunens filer (kommuner, fokusområden i båda DeSO-indelningarna, "
        "egna värden), att källan (ögonblicksbilden eller SCB och Kolada live) har varje kommun, "
        "tabell och år, och katalogen mot källan (tabeller, variabler, koder, år, Koladas "
        "nyckeltal och deras titlar). Live görs bara metadataanrop. Vid fel stannar körningen här, "
        "innan något hämtas eller byggs; tabellen över fynden visas i metadata."
    ),
)
def preflight_check(
    context: AssetExecutionContext, pipeline: PipelineResource
) -> MaterializeResult:
    settings = pipeline.settings()
    scb = pipeline.scb_client(progress=context.log.info) if settings.live else None
    kolada = pipeline.kolada_client(progress=context.log.info) if settings.live else None
    report = run_check(settings, scb_client=scb, kolada_client=kolada, progress=context.log.info)
    findings = MetadataValue.md(
        "| del | vad | status | besked |\n|---|---|---|---|\n"
        + "\n".join(
            f"| {f.part} | {f.subject} | {f.status} | {f.message.replace('|', '/')} |"
            for f in report.findings
        )
    )
    if not report.ok:
        raise Failure(
            description=report.table(only_problems=True),
            metadata={"errors": len(report.errors), "findings": findings},
            allow_retries=False,
        )
    for finding in report.findings:
        if finding.status == NOTE:
            context.log.warning(f"{finding.subject}: {finding.message}")
    return MaterializeResult(
        metadata={
            "source_mode": settings.source,
            "errors": sum(f.status == ERROR for f in report.findings),
            "notes": sum(f.status == NOTE for f in report.findings),
            "seconds": round(report.seconds, 2),
            "findings": findings,
        }
    )
