"""Publishing: the marts readers use, written only after every mart and its checks passed."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.models import SqlModel
from pipelines.resources import PipelineResource


def build_publish_asset(marts: list[SqlModel]):
    names = [m.name for m in marts]

    @asset(
        key=AssetKey(["published_marts"]),
        group_name="marts",
        kinds={"parquet", "duckdb", "csv"},
        deps=[AssetKey(["marts", name]) for name in names],
        description=(
            "Publicerade marts för läsare: data/marts/<mart>.parquet och .csv samt "
            "data/marts/segregation.duckdb. Skrivs först när alla marts och deras kontroller "
            "är klara, och byts ut i ett svep: ett misslyckat körning lämnar de förra filerna orörda."
        ),
    )
    def published_marts(
        context: AssetExecutionContext, pipeline: PipelineResource
    ) -> MaterializeResult:
        paths = pipeline.warehouse().publish(names)
        context.log.info("Publicerade: " + ", ".join(sorted(paths)))
        return MaterializeResult(
            metadata={
                "files": MetadataValue.md(
                    "\n".join(f"- `{p}`" for p in sorted(map(str, paths.values())))
                ),
                "marts": ", ".join(names),
            }
        )

    return published_marts
