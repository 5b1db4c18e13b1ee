"""Publishing: the marts readers use, in one swap, with the fingerprint of what they were
built from written last.

`published_marts` runs only after every mart and its checks passed, and only when
`inputs_fingerprint` found something changed (or was forced). The marts' Parquet, CSV,
Excel-ready CSV and reader-database files are renamed into place together, so a run that
fails anywhere leaves the previous files as they were; `.fingerprint.json` follows them.
The committee reports are rendered from the published files afterwards, one Dagster
partition per kommun (`pipelines/orchestration/assets/reports.py`).
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.orchestration import fingerprint
from pipelines.orchestration.assets.inputs import INPUTS
from pipelines.orchestration.partitions import sync_kommun_partitions
from pipelines.orchestration.resources import PipelineResource
from pipelines.warehouse.models import SqlModel

PUBLISHED = AssetKey(["published_marts"])


def run_fingerprint(context: AssetExecutionContext, pipeline: PipelineResource):
    """The fingerprint `inputs_fingerprint` computed in this run (what the marts were built
    from); computed now if this run did not decide (a publish started on its own)."""
    event = context.instance.get_latest_materialization_event(INPUTS)
    if event is not None and event.run_id == context.run.run_id:
        meta = event.asset_materialization.metadata
        return fingerprint.Fingerprint(meta["digest"].value, dict(meta["parts"].value))
    return fingerprint.compute(pipeline.settings())


def build_publish_asset(marts: list[SqlModel]):
    names = [m.name for m in marts]

    @asset(
        key=PUBLISHED,
        group_name="marts",
        kinds={"parquet", "duckdb", "csv"},
        deps=[*(AssetKey(["marts", name]) for name in names), INPUTS],
        description=(
            "Publicerade marts för läsare: data/marts/<mart>.parquet och .csv samt "
            "data/marts/segregation.duckdb. Skrivs först när alla marts och deras "
            "kontroller är klara, och byts ut i ett svep: en misslyckad körning lämnar de "
            "förra filerna orörda. Sist skrivs .fingerprint.json, fingeravtrycket av det "
            "marts byggdes av; en körning där inget ändrats hoppar över publiceringen."
        ),
    )
    def published_marts(
        context: AssetExecutionContext, pipeline: PipelineResource
    ) -> MaterializeResult:
        built_from = run_fingerprint(context, pipeline)
        paths = pipeline.warehouse().publish(
            names,
            progress=context.log.info,
            last=lambda files: {fingerprint.STAMP_FILE: fingerprint.stamp_text(built_from, files)},
        )
        context.log.info("Publicerade: " + ", ".join(sorted(paths)))
        added, removed = sync_kommun_partitions(
            context.instance, [k.code for k in pipeline.followed_kommuner()]
        )
        if added or removed:
            context.log.info(f"Rapportpartitioner: nya {added}, borttagna {removed}")
        return MaterializeResult(
            metadata={
                "files": MetadataValue.md(
                    "\n".join(f"- `{p}`" for p in sorted(map(str, paths.values())))
                ),
                "marts": ", ".join(names),
                "fingerprint": built_from.digest,
            },
        )

    return published_marts
