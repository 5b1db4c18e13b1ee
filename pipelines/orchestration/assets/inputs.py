"""Did anything the marts are built from change? The asset that decides whether a run rebuilds.

`inputs_fingerprint` runs after the raw layer (in live mode, after SCB and Kolada were asked
whether anything changed and whatever did was fetched). It compares the fingerprint of the
run's inputs (pipelines/orchestration/fingerprint.py) with the one stored by the last
successful publish. Unchanged, with every published file in place: it materialises nothing
(it records an observation `fingerprint: unchanged`), and Dagster skips every step
downstream of it: the staging and mart models, their checks and the publish step.
Changed, missing or forced (`segregation run --force`): it materialises, and the run
rebuilds and publishes as always.
"""

from collections.abc import Iterator, Sequence

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration import fingerprint
from pipelines.orchestration.resources import PipelineResource

INPUTS = AssetKey(["inputs_fingerprint"])
SHOWN_CHANGES = 30  # changed inputs listed in the metadata; the rest are counted


class FingerprintConfig(Config):
    """`force`: rebuild and publish even when nothing changed (`segregation run --force`)."""

    force: bool = False


def rebuild_reason(
    current: fingerprint.Fingerprint, stamp: dict | None, missing: Sequence[str], force: bool
) -> tuple[str, list[str]] | None:
    """Why the run must rebuild (a short reason and the inputs or files concerned), or None."""
    if force:
        return "tvingad ombyggnad (--force)", []
    if stamp is None:
        return "ingen tidigare publicering", []
    if stamp["fingerprint"] != current.digest:
        return "indata har ändrats", current.changed_parts(stamp.get("parts") or {})
    if missing:
        return "publicerade filer saknas", list(missing)
    return None


def build_inputs_asset(raw_keys: Sequence[AssetKey]):
    """The deciding asset, downstream of every raw asset."""

    @asset(
        key=INPUTS,
        group_name="raw",
        kinds={"python"},
        deps=list(raw_keys),
        output_required=False,
        description=(
            "Fingeravtryck av allt som marts byggs av: de hämtade svaren (sha256 i råskiktets "
            "manifest), analytikerns filer i data/raw (kommuner, fokusområden, planer, lokala "
            "värden, catalog.toml), SQL-filerna och kodens version. Oförändrat sedan senaste "
            "lyckade publicering (och alla publicerade filer finns): inget materialiseras, "
            "metadata `fingerprint: unchanged`, och modeller, kontroller och publicering hoppas "
            "över. `segregation run --force` bygger om ändå."
        ),
    )
    def inputs_fingerprint(
        context: AssetExecutionContext, config: FingerprintConfig, pipeline: PipelineResource
    ) -> Iterator[MaterializeResult]:
        settings = pipeline.settings()
        pipeline.warehouse().clear_leftovers(progress=context.log.info)  # also when skipping
        current = fingerprint.compute(settings)
        stamp = fingerprint.read_stamp(settings.marts_dir)
        missing = [] if stamp is None else fingerprint.missing_published(settings.marts_dir, stamp)
        if not pipeline.warehouse().work_path.exists():
            missing.append(str(pipeline.warehouse().work_path))
        reason = rebuild_reason(current, stamp, missing, config.force)
        if reason is None:
            context.log.info(
                "Inget har ändrats sedan senaste publiceringen: marts, kontroller och "
                "rapporter byggs inte om."
            )
            context.log_event(
                AssetObservation(
                    asset_key=INPUTS,
                    metadata={"fingerprint": "unchanged", "digest": current.digest},
                )
            )
            return  # nothing materialised: every step downstream is skipped
        why, items = reason
        context.log.info(f"Bygger om: {why}" + (f" ({', '.join(items[:5])} …)" if items else ""))
        listed = "\n".join(f"- `{item}`" for item in items[:SHOWN_CHANGES])
        if len(items) > SHOWN_CHANGES:
            listed += f"\n- … och {len(items) - SHOWN_CHANGES} till"
        yield MaterializeResult(
            metadata={
                "fingerprint": "forced" if config.force else "changed",
                "reason": why,
                "changed": MetadataValue.md(listed or "-"),
                "digest": current.digest,
                "parts": MetadataValue.json(current.parts),
            }
        )

    return inputs_fingerprint
