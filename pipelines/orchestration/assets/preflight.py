"""The pre-flight check as the first asset of every run: the nightly job, the Dagster UI and
`segregation run` stop here, before any data call, when a file, the source's coverage or
the catalog is wrong (see `pipelines/sources/preflight.py`)."""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration.resources import PipelineResource
from pipelines.sources.preflight import ERROR, NOTE, CheckReport, run_check
from pipelines.warehouse.database import Warehouse

PREFLIGHT = AssetKey(["raw", "preflight_check"])
CHECK_TABLE = "preflight_check"  # raw.preflight_check: the findings, for the assets after it


def findings_frame(report: CheckReport) -> pd.DataFrame:
    """The check's findings as a table (`skipped`: the run goes on without that request)."""
    columns = ["part", "subject", "status", "message", "request", "skipped"]
    frame = pd.DataFrame(
        [(f.part, f.subject, f.status, f.message, f.request, f.skipped) for f in report.findings],
        columns=columns,
    )
    for column in columns[:-1]:
        frame[column] = frame[column].astype("string")
    frame["skipped"] = frame["skipped"].astype(bool)
    return frame


def skipped_requests(warehouse: Warehouse) -> dict[str, str]:
    """Catalog requests this run goes on without (request → why), from raw.preflight_check;
    none when the check has not written it (assets materialised on their own)."""
    try:
        frame = warehouse.query(
            f"SELECT request, message FROM raw.{CHECK_TABLE} WHERE skipped"  # noqa: S608
        )
    except Exception:  # the table is not there: nothing was skipped
        return {}
    return dict(zip(frame["request"], frame["message"], strict=True))


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
    _keep_findings(context, pipeline, report)
    return MaterializeResult(
        metadata={
            "source_mode": settings.source,
            "skipped_requests": ", ".join(report.skipped) or "inga",
            "errors": sum(f.status == ERROR for f in report.findings),
            "notes": sum(f.status == NOTE for f in report.findings),
            "seconds": round(report.seconds, 2),
            "findings": findings,
        }
    )


def _keep_findings(
    context: AssetExecutionContext, pipeline: PipelineResource, report: CheckReport
) -> None:
    """Write the findings to raw.preflight_check for the assets after the check. When the
    working database cannot be written and nothing was skipped, the run goes on: the steps
    that write it fail alike and name the problem once; a skip must not be lost."""
    try:
        pipeline.warehouse().replace_table("raw", CHECK_TABLE, findings_frame(report))
    except Exception as exc:
        if report.skipped:
            raise
        context.log.warning(f"raw.{CHECK_TABLE} could not be written: {exc}")
