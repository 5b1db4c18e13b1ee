"""Asset checks of the områdestyp marts (see pipelines/omradestyp.py for the method).

Blocking: types lie in 1–5; each year's RegSO counted by type add up to the year's RegSO
(and equal SCB's published counts for the publication the snapshot holds); every focus
area has at least one RegSO row for every year the source has. Not blocking: the
recomputed types against SCB's, where SCB publishes the three shares.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from pipelines.omradestyp import PUBLISHED_COUNTS, PUBLISHED_UPDATED, agreement
from pipelines.resources import PipelineResource

REGSO = AssetKey(["marts", "regso_omradestyp"])
FOCUS = AssetKey(["marts", "focus_area_omradestyp"])
STAGING = AssetKey(["staging", "stg_regso_omradestyp"])
# Below this share of agreeing RegSO the recomputation is flagged: SCB rounds the published
# shares, so a RegSO right at a cut point may land on the other side.
AGREEMENT_WARNING = 0.99


def _types_in_range(
    pipeline: PipelineResource, table: str, columns: tuple[str, ...]
) -> AssetCheckResult:
    outside = " OR ".join(f"{c} NOT BETWEEN 1 AND 5" for c in columns)
    bad = pipeline.warehouse().query(f"SELECT * FROM {table} WHERE {outside}")
    missing = pipeline.warehouse().query(
        f"SELECT count(*) AS n FROM {table} WHERE omradestyp IS NULL"
    )["n"][0]
    return AssetCheckResult(
        passed=bad.empty,
        metadata={
            "rows_out_of_range": len(bad),
            "rows_without_type": int(missing),
            "example": str(bad.head(3).to_dict("records")),
        },
    )


@asset_check(
    asset=REGSO,
    name="types_within_1_5",
    blocking=True,
    description="SCB:s och den omräknade områdestypen ligger mellan 1 och 5 (eller saknas).",
)
def regso_types_within_1_5(pipeline: PipelineResource) -> AssetCheckResult:
    return _types_in_range(pipeline, "marts.regso_omradestyp", ("omradestyp", "recomputed_type"))


@asset_check(
    asset=FOCUS,
    name="types_within_1_5",
    blocking=True,
    description="Fokusområdenas områdestyp ligger mellan 1 och 5 (eller saknas).",
)
def focus_types_within_1_5(pipeline: PipelineResource) -> AssetCheckResult:
    return _types_in_range(pipeline, "marts.focus_area_omradestyp", ("omradestyp",))


@asset_check(
    asset=REGSO,
    name="counts_per_type_add_up",
    blocking=True,
    description=(
        "Varje år summerar antalet RegSO per områdestyp till antalet RegSO det året (inget RegSO "
        "utan typ), och för SCB:s publicering 2025-01-31 (ögonblicksbildens exporter 2022 och "
        "2023) är antalen per typ exakt de publicerade."
    ),
)
def counts_per_type_add_up(pipeline: PipelineResource) -> AssetCheckResult:
    warehouse = pipeline.warehouse()
    per_year = warehouse.query(
        """SELECT year, count(DISTINCT regso) AS regso,
                  count(*) FILTER (WHERE omradestyp BETWEEN 1 AND 5) AS typed,
                  max(source_updated) AS updated
           FROM marts.regso_omradestyp GROUP BY year ORDER BY year"""
    )
    counts = warehouse.query(
        """SELECT year, omradestyp, count(*) AS n FROM marts.regso_omradestyp
           WHERE omradestyp IS NOT NULL GROUP BY ALL"""
    )
    found = {(int(r.year), int(r.omradestyp)): int(r.n) for r in counts.itertuples()}
    problems = [
        f"{r.year}: {r.typed} RegSO med typ av {r.regso}"
        for r in per_year.itertuples()
        if r.typed != r.regso
    ]
    compared_published = []
    for r in per_year.itertuples():
        expected = PUBLISHED_COUNTS.get(int(r.year))
        if expected is None or r.updated != PUBLISHED_UPDATED:
            continue
        compared_published.append(int(r.year))
        got = {t: found.get((int(r.year), t), 0) for t in expected}
        if got != expected:
            problems.append(f"{r.year}: antal per typ {got}, SCB publicerade {expected}")
    return AssetCheckResult(
        passed=not problems and not per_year.empty,
        metadata={
            "years": ", ".join(str(y) for y in per_year["year"]) or "inga",
            "compared_with_published_counts": ", ".join(map(str, compared_published)) or "inga",
            "problems": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "inga"),
        },
    )


@asset_check(
    asset=REGSO,
    name="recomputed_types_agree_with_scb",
    blocking=False,
    description=(
        "Den omräknade områdestypen (medelvärdet av de tre andelarna, årets riksmedelvärde ± "
        "standardavvikelser) jämförd med SCB:s, där SCB publicerar andelarna. Varnar om färre än "
        f"{AGREEMENT_WARNING:.0%} av RegSO stämmer; saknas andelarna säger metadata det."
    ),
)
def recomputed_types_agree_with_scb(pipeline: PipelineResource) -> AssetCheckResult:
    frame = pipeline.warehouse().query(
        "SELECT regso, year, omradestyp, recomputed_type FROM marts.regso_omradestyp"
    )
    result = agreement(frame)
    if result.compared == 0:
        return AssetCheckResult(
            passed=True,
            metadata={
                "compared": 0,
                "result": (
                    "inget att jämföra: källan har inte de tre andelarna (ögonblicksbildens "
                    "exporter innehåller bara områdestypen)"
                ),
            },
        )
    lines = ["| år | jämförda | samma typ |", "|---|---|---|"] + [
        f"| {y} | {n} | {a} |" for y, (n, a) in sorted(result.by_year.items())
    ]
    return AssetCheckResult(
        passed=result.share >= AGREEMENT_WARNING,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "compared": result.compared,
            "agree": result.agree,
            "agreement": round(float(result.share), 4),
            "by_year": MetadataValue.md("\n".join(lines)),
            "differing_examples": str(result.examples),
        },
    )


@asset_check(
    asset=FOCUS,
    name="every_area_every_year",
    blocking=True,
    additional_deps=[AssetKey(["raw", "focus_area_deso"]), STAGING],
    description=(
        "Varje fokusområde har minst en RegSO-rad för varje år som områdestypen finns för i "
        "områdets DeSO-indelning."
    ),
)
def focus_area_every_year(pipeline: PipelineResource) -> AssetCheckResult:
    missing = pipeline.warehouse().query(
        """
        WITH expected AS (
            SELECT DISTINCT a.kommun, a.area_id, o.year
            FROM raw.focus_area_deso a
            JOIN (SELECT DISTINCT year, deso_division FROM staging.stg_regso_omradestyp) o
              ON o.deso_division = a.division
        )
        SELECT e.* FROM expected e
        ANTI JOIN marts.focus_area_omradestyp m USING (kommun, area_id, year)
        ORDER BY ALL
        """
    )
    return AssetCheckResult(
        passed=missing.empty,
        metadata={
            "missing_area_years": len(missing),
            "example": str(missing.head(5).to_dict("records")),
        },
    )


omradestyp_checks = [
    regso_types_within_1_5,
    focus_types_within_1_5,
    counts_per_type_add_up,
    recomputed_types_agree_with_scb,
    focus_area_every_year,
]
